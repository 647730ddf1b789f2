#pragma once
// What to do with a message after a delivery attempt: apply the per-recipient results to the
// queue record and decide done (remove), retry at a time, or dead (nothing left to try).
// Pure; the queue runner applies the decision inside a queue modify() transaction.

#include <string>

#include "sluice/common/clock.h"
#include "sluice/delivery/transport.h"
#include "sluice/outcome/backoff.h"
#include "sluice/queue/queue_store.h"

namespace sluice::outcome {

struct RetryPolicy {
  BackoffPolicy backoff;
  std::chrono::seconds maximal_queue_lifetime{5 * 86400};
};

enum class Disposition {
  done,   // every recipient delivered: remove the message
  retry,  // some recipients pending: next_attempt set
  dead,   // nothing pending, some failed: kept as dead (bounces come with the delivery stage)
};

// Updates `message` in place (recipient states and replies, attempts, next_attempt,
// last_error, state) from `result` and returns the disposition. Recipients already delivered are
// never touched; results for addresses not pending are ignored. Pending recipients past
// maximal_queue_lifetime become failed ("expired").
Disposition apply_delivery_result(queue::QueuedMessage& message,
                                  const delivery::DeliveryResult& result, const RetryPolicy& policy,
                                  SystemTime now, double random01);

}  // namespace sluice::outcome
