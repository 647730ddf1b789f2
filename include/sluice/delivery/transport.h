#pragma once
// The seam between the queue runner and whatever carries a message onward: the Maildir
// development transport now, SMTP upstream accounts later. A transport reports one result per
// recipient; what happens next (done, retry, bounce) is decided in outcome/, not here.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/mail/queue_id.h"

namespace sluice::delivery {

struct DeliveryRequest {
  mail::QueueId id;
  std::string sender;                       // empty for <>
  std::vector<std::string> recipients;      // only those still pending
  std::shared_ptr<const std::string> body;  // the stored message, CRLF line ends
};

enum class RecipientOutcome { delivered, deferred, failed };

struct RecipientResult {
  std::string address;
  RecipientOutcome outcome = RecipientOutcome::deferred;
  std::string reply;  // "250 2.0.0 Ok" style: the upstream's words or a local explanation
};

struct DeliveryResult {
  std::string relay;  // "account[host]:port" or "dev[maildir:/path]", for the log
  std::vector<RecipientResult> recipients;  // one per requested recipient, same order
};

class Transport {
 public:
  using Done = std::function<void(DeliveryResult)>;
  virtual ~Transport() = default;
  // Delivers asynchronously; `done` is called exactly once, from any thread.
  virtual void deliver(DeliveryRequest request, Done done) = 0;
};

}  // namespace sluice::delivery
