#pragma once
// The queue part of the admin API (sluicectl queue ...), registered on the AdminServer's router
// by the composition root:
//   GET    /api/queue?state=active,held|dead|all&limit=N&after=ID
//            -> {"messages": [...], "next_after": ID|null, "stats": {...}}
//   GET    /api/queue/{id}            -> the message
//   DELETE /api/queue/{id}            -> {"id": ID, "deleted": true}
//   POST   /api/queue/{id}/hold       -> the message, now held (409 if dead)
//   POST   /api/queue/{id}/release    -> the message, active and due now (409 if dead)
//   POST   /api/queue/{id}/requeue    -> the dead message made active again: failed recipients
//                                        pending, attempts 0, due now (409 unless dead)
//   POST   /api/queue/flush           -> {"flushed": N}: every active message due now
// Message JSON: see queue_json.h. Errors: 400 bad id or parameter, 404 no such message,
// 507 queue full, 500 otherwise. Reads run on the connection's strand (they are short);
// writes complete on the store's writer thread and are posted back to the connection's strand.

#include <functional>

#include "sluice/admin/router.h"
#include "sluice/common/clock.h"
#include "sluice/queue/queue_store.h"

namespace sluice::admin {

// The default and largest page of GET /api/queue.
inline constexpr std::size_t kDefaultListLimit = 1000;
inline constexpr std::size_t kMaxListLimit = 10000;

// `store` and `clock` must outlive the server's sessions. `wake` tells the queue runner that
// messages became due (after flush, release and requeue); it must be thread-safe and cheap.
void register_queue_api(Router& router, queue::QueueStore& store, const Clock& clock,
                        std::function<void()> wake);

}  // namespace sluice::admin
