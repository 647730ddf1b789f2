#pragma once
// The Received: trace header (RFC 5321 4.4) the session prepends to every accepted message.
// The client's HELO name is sanitized so that a client cannot inject header lines or break
// the comment structure. Pure function, callable from any thread.

#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"

namespace sluice::mail {

inline constexpr std::size_t kMaxHeloInHeader = 255;

struct ReceivedInfo {
  std::string helo;            // as the client sent it; sanitized here
  std::string client_address;  // numeric, e.g. "127.0.0.1" or "::1"
  std::string myhostname;
  std::string protocol;  // "SMTP" or "ESMTP"
  std::string queue_id;
  std::optional<std::string> recipient;  // set only when the message has exactly one recipient
  SystemTime time;
};

// "Received: from helo ([addr])\r\n\tby myhost (sluice) with ESMTP id ID\r\n\tfor <rcpt>;
// Mon, 23 Nov 2026 01:02:03 +0000\r\n" (without "for": "...id ID;\r\n\tdate\r\n").
std::string received_header(const ReceivedInfo& info);

// Keeps printable ASCII except characters that would end or nest a comment or a domain
// literal, caps the length at max_length; "unknown" when nothing is left.
std::string sanitize_trace_word(std::string_view text, std::size_t max_length = kMaxHeloInHeader);

// RFC 5322 date-time in UTC: "Mon, 23 Nov 2026 01:02:03 +0000".
std::string rfc5322_date(SystemTime time);

}  // namespace sluice::mail
