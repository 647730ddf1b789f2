#pragma once
// The seam between the queue runner and whatever carries a message onward: the Maildir
// development transport and one SmtpTransport per upstream account. A transport reports one
// result per recipient and, separately, whether the account itself failed; what happens next
// (done, retry, another account, bounce) is decided in outcome/ and the runner, not here.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/mail/queue_id.h"

namespace sluice::delivery {

struct DeliveryRequest {
  mail::QueueId id;
  std::string sender;                       // empty for <>
  std::vector<std::string> recipients;      // only those still pending
  std::shared_ptr<const std::string> body;  // the stored message, CRLF line ends
  bool smtputf8 = false;                    // the envelope needs SMTPUTF8
  bool eight_bit = false;                   // BODY=8BITMIME
};

enum class RecipientOutcome { delivered, deferred, failed };

struct RecipientResult {
  std::string address;
  RecipientOutcome outcome = RecipientOutcome::deferred;
  std::string reply;  // "250 2.0.0 Ok" style: the upstream's words or a local explanation
  // True when the recipient was not judged at all because the account or its connection failed
  // (refused, TLS, 421, AUTH, timeout, quota): the runner moves it to another account at once
  // and does not count an attempt. Only ever set with outcome == deferred.
  bool account_fault = false;
  // The upstream's reply code that decided this recipient (250, 421, 550, ...); 0 when no
  // upstream reply did (no connection, a timeout, a local check, local delivery).
  std::uint16_t reply_code = 0;
};

// Why an account, rather than a message, failed. Fed to the account pool (breaker, rest).
enum class AccountFaultKind {
  unavailable,  // connect refused/timed out, DNS, TLS, greeting/EHLO refused, 421, I/O timeout
  auth,         // AUTH refused (535) or impossible (not offered, TLS missing)
  quota,        // provider quota or throttling reply ("5.4.5 Daily sending quota exceeded")
};

struct AccountFault {
  AccountFaultKind kind = AccountFaultKind::unavailable;
  std::string reason;  // the upstream reply or a local explanation, for logs and the API
};

struct DeliveryResult {
  std::string relay;  // "account[host]:port" or "dev[maildir:/path]", for the log
  std::vector<RecipientResult> recipients;  // one per requested recipient, same order
  std::optional<AccountFault> fault;        // set when the account failed during this attempt
};

// Every recipient deferred as not judged (account_fault), with the same reply: what a delivery
// reports when the account or its connection failed before any recipient was decided.
inline std::vector<RecipientResult> unjudged(const std::vector<std::string>& recipients,
                                             const std::string& reply) {
  std::vector<RecipientResult> results;
  results.reserve(recipients.size());
  for (const auto& r : recipients) results.push_back({r, RecipientOutcome::deferred, reply, true});
  return results;
}

// True when no recipient was decided by an upstream (all account_fault, or none at all).
inline bool nothing_judged(const std::vector<RecipientResult>& results) {
  for (const auto& r : results) {
    if (!r.account_fault) return false;
  }
  return true;
}

class Transport {
 public:
  using Done = std::function<void(DeliveryResult)>;
  virtual ~Transport() = default;
  // Delivers asynchronously; `done` is called exactly once, from any thread.
  virtual void deliver(DeliveryRequest request, Done done) = 0;
};

}  // namespace sluice::delivery
