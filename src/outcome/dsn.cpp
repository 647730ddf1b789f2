#include "sluice/outcome/dsn.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "report_text.h"

namespace sluice::outcome {
namespace {

using mail::RecipientState;

// disposition.cpp words the reply of a recipient that ran out of queue lifetime this way.
constexpr std::string_view kExpiredPrefix = "message expired";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An upstream's reply starts with its three-digit code ("550 ...", "550-...", "421").
bool starts_with_reply_code(std::string_view reply) {
  return reply.size() >= 3 && reply[0] >= '2' && reply[0] <= '5' && is_digit(reply[1]) &&
         is_digit(reply[2]) && (reply.size() == 3 || reply[3] == ' ' || reply[3] == '-');
}

bool is_expired(std::string_view reply) {
  return reply.substr(0, kExpiredPrefix.size()) == kExpiredPrefix;
}

// The upstream reply to quote as Diagnostic-Code, or empty for a local explanation. An expired
// recipient quotes the last upstream reply disposition.cpp appended after ": ".
std::string_view upstream_reply(std::string_view reply) {
  if (is_expired(reply)) {
    const std::size_t colon = reply.find(": ");
    if (colon == std::string_view::npos) return {};
    reply.remove_prefix(colon + 2);
  }
  return starts_with_reply_code(reply) ? reply : std::string_view();
}

// The RFC 3463 code after the reply code ("550 5.1.1 ..." -> "5.1.1"), if there is one.
std::string_view enhanced_code(std::string_view reply) {
  if (!starts_with_reply_code(reply) || reply.size() < 4) return {};
  std::string_view rest = reply.substr(4);
  const std::size_t end = std::min(rest.find(' '), rest.size());
  const std::string_view code = rest.substr(0, end);
  // class "." 1*3digit "." 1*3digit
  if (code.size() < 5 || !(code[0] == '2' || code[0] == '4' || code[0] == '5') || code[1] != '.') {
    return {};
  }
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    std::size_t digits = 0;
    while (i < code.size() && is_digit(code[i])) ++i, ++digits;
    if (digits == 0 || digits > 3) return {};
    if (part == 0) {
      if (i >= code.size() || code[i] != '.') return {};
      ++i;
    }
  }
  return i == code.size() ? code : std::string_view();
}

std::string status_of(std::string_view reply) {
  if (is_expired(reply)) return "4.4.7";  // RFC 3463: delivery time expired
  const std::string_view code = enhanced_code(reply);
  return !code.empty() && code[0] == '5' ? std::string(code) : "5.0.0";
}

std::vector<const mail::Recipient*> failed_recipients(const queue::QueuedMessage& message) {
  std::vector<const mail::Recipient*> out;
  for (const auto& r : message.recipients) {
    if (r.state == RecipientState::failed) out.push_back(&r);
  }
  return out;
}

// The original header section (up to the empty line), CRLF line ends, whole lines only and at
// most `max` bytes; over-long lines are cut so the report itself stays valid.
std::string returned_headers(std::string_view original, std::size_t max) {
  std::string out;
  std::size_t pos = 0;
  while (pos < original.size()) {
    std::size_t end = original.find('\n', pos);
    if (end == std::string_view::npos) end = original.size();
    std::string line;
    for (const char c : original.substr(pos, end - pos)) {
      if (c != '\r') line += c;  // CR only ever belongs to a line end
    }
    pos = end + 1;
    if (line.empty()) break;  // end of the header section
    line = std::string(utf8_prefix(line, kMaxLineBytes));
    if (out.size() + line.size() + 2 > max) break;
    out += line;
    out += "\r\n";
  }
  return out;
}

std::string notification_text(const std::vector<const mail::Recipient*>& failed,
                              const DsnContext& context) {
  std::string text;
  append_folded(text, "", "This is the mail system at host " + context.reporting_mta + ".", "");
  text += "\r\n";
  append_folded(text, "",
                "I'm sorry to have to inform you that your message could not be delivered to "
                "one or more recipients. The headers of your message are attached below.",
                "");
  text += "\r\n";
  append_folded(text, "",
                "For further assistance, please send mail to postmaster. If you do so, please "
                "include this problem report.",
                "");
  text += "\r\n";
  append_folded(text, "                   ", "The mail system", "");
  for (const auto* r : failed) {
    text += "\r\n";
    append_folded(text, "<" + r->address + ">: ", r->last_reply, "    ");
  }
  return text;
}

std::string delivery_status(const queue::QueuedMessage& message,
                            const std::vector<const mail::Recipient*>& failed,
                            const DsnContext& context) {
  const std::string now = rfc5322_date(context.now);
  std::string status;
  status += "Reporting-MTA: dns; " + context.reporting_mta + "\r\n";
  status += "X-Sluice-Queue-ID: " + message.id + "\r\n";
  status += "Arrival-Date: " + rfc5322_date(message.arrival) + "\r\n";
  for (const auto* r : failed) {
    status += "\r\n";
    // RFC 6533: a non-ASCII address is of type utf-8 (in message/global-delivery-status).
    const char* type = has_8bit(r->address) ? "utf-8; " : "rfc822; ";
    status += "Final-Recipient: " + std::string(type) + r->address + "\r\n";
    status += "Action: failed\r\n";
    status += "Status: " + status_of(r->last_reply) + "\r\n";
    const std::string_view reply = upstream_reply(r->last_reply);
    if (!reply.empty()) append_folded(status, "Diagnostic-Code: smtp; ", reply, " ");
    status += "Last-Attempt-Date: " + now + "\r\n";
  }
  return status;
}

struct Part {
  std::string description;
  std::string content_type;
  std::string content;
};

// The boundary as given unless some part happens to contain it (the returned headers are the
// sender's text): then a suffix makes it unique.
std::string safe_boundary(const std::string& wanted, const std::vector<Part>& parts) {
  std::string boundary = wanted;
  for (int suffix = 1;; ++suffix) {
    const std::string delimiter = "--" + boundary;
    const bool clash = std::any_of(parts.begin(), parts.end(), [&](const Part& p) {
      return p.content.find(delimiter) != std::string::npos;
    });
    if (!clash) return boundary;
    boundary = wanted + "." + std::to_string(suffix);
  }
}

}  // namespace

bool wants_dsn(const queue::QueuedMessage& message) {
  return !message.sender.empty() &&
         std::any_of(message.recipients.begin(), message.recipients.end(),
                     [](const mail::Recipient& r) { return r.state == RecipientState::failed; });
}

std::string build_dsn(const queue::QueuedMessage& message, const std::string& original,
                      const DsnContext& context) {
  const auto failed = failed_recipients(message);
  std::vector<Part> parts;
  parts.push_back(
      {"Notification", "text/plain; charset=utf-8", notification_text(failed, context)});
  std::string status = delivery_status(message, failed, context);
  const bool global = has_8bit(status);
  parts.push_back({"Delivery report",
                   global ? "message/global-delivery-status" : "message/delivery-status",
                   std::move(status)});
  parts.push_back({"Undelivered Message Headers", "text/rfc822-headers",
                   returned_headers(original, context.max_returned_bytes)});
  const std::string boundary = safe_boundary(context.boundary, parts);
  const bool eight_bit =
      std::any_of(parts.begin(), parts.end(), [](const Part& p) { return has_8bit(p.content); });

  std::string out;
  out += "From: Mail Delivery System <" + context.postmaster + ">\r\n";
  out += "To: <" + message.sender + ">\r\n";
  out += "Subject: Undelivered Mail Returned to Sender\r\n";
  out += "Date: " + rfc5322_date(context.now) + "\r\n";
  out += "Message-ID: <" + context.boundary + "@" + context.reporting_mta + ">\r\n";
  out += "Auto-Submitted: auto-replied\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n";
  out += "\tboundary=\"" + boundary + "\"\r\n";
  if (eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out += "This is a MIME-encapsulated message.\r\n";
  for (const auto& part : parts) {
    out += "\r\n--" + boundary + "\r\n";
    out += "Content-Description: " + part.description + "\r\n";
    out += "Content-Type: " + part.content_type + "\r\n";
    if (has_8bit(part.content)) out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "\r\n";
    out += part.content;
  }
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace sluice::outcome
