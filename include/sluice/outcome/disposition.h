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
  std::chrono::seconds dead_message_lifetime{7 * 86400};  // then a dead message is removed
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
//
// Recipients with account_fault were not judged (the account failed, not the message): they
// stay pending and do not spend the retry budget. When nothing else was judged either, the
// attempt is not counted and the message waits only until `account_retry_at`, when the runner
// expects an account of its pool to take it; otherwise the usual backoff applies.
Disposition apply_delivery_result(queue::QueuedMessage& message,
                                  const delivery::DeliveryResult& result, const RetryPolicy& policy,
                                  SystemTime now, double random01,
                                  SystemTime account_retry_at = {});

// A dead message keeps its next_attempt as the time it may be removed (dead_message_lifetime).
inline bool dead_message_expired(const queue::QueuedMessage& message, SystemTime now) {
  return message.state == queue::MessageState::dead && message.next_attempt <= now;
}

}  // namespace sluice::outcome
