#include "sluice/outcome/disposition.h"

#include <algorithm>

namespace sluice::outcome {
namespace {

mail::Recipient* find_pending(queue::QueuedMessage& message, const std::string& address) {
  for (auto& r : message.recipients) {
    if (r.state == mail::RecipientState::pending && r.address == address) return &r;
  }
  return nullptr;
}

}  // namespace

Disposition apply_delivery_result(queue::QueuedMessage& message,
                                  const delivery::DeliveryResult& result, const RetryPolicy& policy,
                                  SystemTime now, double random01, SystemTime account_retry_at) {
  bool judged = false;  // did any upstream (or the local transport) decide a recipient?
  bool own_deferral = false;
  bool faulted = false;
  for (const auto& r : result.recipients) {
    mail::Recipient* recipient = find_pending(message, r.address);
    if (!recipient) continue;
    recipient->last_reply = r.reply;
    if (r.account_fault) {
      faulted = true;
      message.last_error = r.reply;
      continue;
    }
    judged = true;
    own_deferral |= r.outcome == delivery::RecipientOutcome::deferred;
    if (r.outcome == delivery::RecipientOutcome::delivered) {
      recipient->state = mail::RecipientState::delivered;
    } else {
      if (r.outcome == delivery::RecipientOutcome::failed) {
        recipient->state = mail::RecipientState::failed;
      }
      message.last_error = r.reply;
    }
  }

  const bool expired = now - message.arrival >= policy.maximal_queue_lifetime;
  bool any_pending = false;
  bool any_failed = false;
  for (auto& r : message.recipients) {
    if (r.state == mail::RecipientState::pending && expired) {
      r.state = mail::RecipientState::failed;
      r.last_reply = "message expired after " +
                     std::to_string(policy.maximal_queue_lifetime.count()) + "s in the queue" +
                     (r.last_reply.empty() ? "" : ": " + r.last_reply);
    }
    any_pending |= r.state == mail::RecipientState::pending;
    any_failed |= r.state == mail::RecipientState::failed;
  }

  if (judged) ++message.attempts;
  if (any_pending) {
    // A result that judged nothing and blamed no account (a transport that lost a recipient)
    // backs off like a deferral, so it cannot turn into a busy loop.
    if (own_deferral || (!judged && !faulted)) {
      if (!judged) ++message.attempts;
      message.next_attempt = now + backoff_delay(policy.backoff, message.attempts, random01);
    } else {
      message.next_attempt = std::max(now, account_retry_at);
    }
    message.state = queue::MessageState::active;
    return Disposition::retry;
  }
  if (any_failed) {
    message.state = queue::MessageState::dead;
    message.next_attempt = now + policy.dead_message_lifetime;
    return Disposition::dead;
  }
  return Disposition::done;
}

}  // namespace sluice::outcome
