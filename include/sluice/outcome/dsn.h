#pragma once
// Delivery status notifications (RFC 3464 multipart/report) for recipients that failed for
// good (5xx or expired). Pure: the caller passes the time, the names and the boundary.

#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/queue/queue_store.h"

namespace sluice::outcome {

struct DsnContext {
  std::string reporting_mta;  // myhostname
  std::string postmaster;     // From: of the report, "MAILER-DAEMON@myhostname"
  std::string boundary;       // unique per report, e.g. from the queue id
  SystemTime now{};
  std::size_t max_returned_bytes = 64 * 1024;  // original headers (and body start) returned
};

// True when `message` should get a DSN: it has failed recipients and a non-null sender (a
// bounce of a bounce is never sent: bounces have the null sender).
bool wants_dsn(const queue::QueuedMessage& message);

// The whole report message (headers and body, CRLF line ends) to message.sender, for every
// recipient in state failed, with its last reply as the diagnostic. `original` is the stored
// message; its headers are returned (text/rfc822-headers).
std::string build_dsn(const queue::QueuedMessage& message, const std::string& original,
                      const DsnContext& context);

}  // namespace sluice::outcome
