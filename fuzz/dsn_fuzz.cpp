// A bounce built from what a peer controls: the sender and recipient paths (as parsed from
// MAIL and RCPT), the upstream replies stored per recipient and the original message. The
// report must stay a valid message whatever they hold: CRLF line ends only, no line over 998
// bytes, the MIME boundary never inside a part, 8BIT declared when there is 8-bit text.
//
// Input: byte 0 picks the options (bit 0 a small returned-header limit, bit 1 SMTPUTF8
// paths); the rest is NUL-separated: sender path, original message, then pairs of recipient
// path and last reply (a reply starting "2" marks the recipient delivered, others failed).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/mail/address.h"
#include "sluice/outcome/dsn.h"

namespace {

using namespace sluice;

void check(bool condition) {
  if (!condition) std::abort();
}

std::vector<std::string_view> fields(std::string_view input) {
  std::vector<std::string_view> out;
  while (true) {
    const auto end = input.find('\0');
    out.push_back(input.substr(0, end));
    if (end == input.npos) return out;
    input.remove_prefix(end + 1);
  }
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != text.npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void check_report(std::string_view report, const std::string& boundary) {
  // 8-bit header fields are SMTPUTF8's business; 8-bit text in the body must be declared.
  bool in_body = false, eight_bit_body = false;
  std::size_t start = 0;
  while (start < report.size()) {
    const auto lf = report.find('\n', start);
    check(lf != report.npos && lf > start && report[lf - 1] == '\r');
    const auto line = report.substr(start, lf - 1 - start);
    check(line.size() <= 998 && line.find('\r') == line.npos);
    for (char c : line) eight_bit_body |= in_body && static_cast<unsigned char>(c) >= 0x80;
    in_body |= line.empty();
    start = lf + 1;
  }
  // The boundary the header names (maybe with a suffix) delimits exactly the three parts.
  const auto named = report.find("\tboundary=\"");
  check(named != report.npos);
  const auto from = named + 11;
  const std::string used(report.substr(from, report.find('"', from) - from));
  check(used.starts_with(boundary));
  // Only the body counts: the sender's address in To: may hold anything a domain may.
  const auto header_end = report.find("\r\n\r\n") + 2;
  const auto header = report.substr(0, header_end);
  const auto body = report.substr(header_end);
  check(count(body, "--" + used) == 4 && count(body, "\r\n--" + used + "--\r\n") == 1);
  if (eight_bit_body) check(header.find("Content-Transfer-Encoding: 8bit\r\n") != header.npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  const bool utf8 = (data[0] & 2) != 0;
  const auto parts = fields(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  auto sender = mail::parse_path(parts[0], utf8);
  if (!sender) return 0;

  queue::QueuedMessage message;
  message.id = "4F3A2B1C0D";
  message.sender = sender->mailbox();
  message.smtputf8 = utf8;
  const std::string original(parts.size() > 1 ? parts[1] : std::string_view{});
  for (std::size_t i = 2; i + 1 < parts.size(); i += 2) {
    auto recipient = mail::parse_recipient_path(parts[i], utf8);
    if (!recipient) continue;
    mail::Recipient r;
    r.address = recipient->mailbox();
    r.last_reply = std::string(parts[i + 1]);
    r.state = r.last_reply.starts_with('2') ? mail::RecipientState::delivered
                                            : mail::RecipientState::failed;
    message.recipients.push_back(std::move(r));
  }
  if (!outcome::wants_dsn(message)) return 0;

  outcome::DsnContext context;
  context.reporting_mta = "mx.fuzz.test";
  context.postmaster = "MAILER-DAEMON@mx.fuzz.test";
  context.boundary = "4F3A2B1C0D.fuzz";
  context.max_returned_bytes = (data[0] & 1) ? 200 : 64 * 1024;
  check_report(outcome::build_dsn(message, original, context), context.boundary);
  return 0;
}
