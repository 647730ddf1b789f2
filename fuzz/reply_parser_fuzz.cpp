// Arbitrary upstream bytes into ReplyParser alone, split where the first byte says: the split
// must not change the replies, every reply is well formed (a code of class 2..5, no CR, LF or
// NUL in a line, an enhanced code of the reply's class), limits hold, and after an error the
// parser stays failed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/delivery/smtp_reply.h"

namespace {

using sluice::delivery::ReplyLimits;
using sluice::delivery::ReplyParser;
using sluice::delivery::SmtpReply;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_reply(const SmtpReply& reply, const ReplyLimits& limits) {
  check(reply.code >= 200 && reply.code <= 599);
  check(!reply.lines.empty() && reply.lines.size() <= limits.max_lines);
  for (const auto& line : reply.lines) {
    check(line.size() + 5 <= limits.max_line);  // "NNN-" before it, at least an LF after
    check(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  if (!reply.enhanced.empty()) {
    check(reply.enhanced[0] == '0' + reply.code / 100 && reply.enhanced[1] == '.');
    check(reply.lines.front().starts_with(reply.enhanced));
  }
  const auto text = reply.to_string();
  check(text.starts_with(std::to_string(reply.code)));
}

// The replies, one per line of the transcript, then "!" and the error if one ended the stream.
std::string parse(std::string_view input, std::size_t piece, const ReplyLimits& limits) {
  ReplyParser parser(limits);
  std::string transcript;
  bool failed = false;
  while (!input.empty() && !failed) {
    const auto n = std::min(piece, input.size());
    parser.feed(input.substr(0, n));
    input.remove_prefix(n);
    while (auto next = parser.next()) {
      if (!next->ok()) {
        transcript += "!" + next->error().message;
        failed = true;
        // Sticky: feeding more changes nothing.
        parser.feed("250 ok\r\n");
        auto again = parser.next();
        check(again && !again->ok() && again->error().message == next->error().message);
        break;
      }
      check_reply(next->value(), limits);
      transcript += next->value().to_string() + "|" + next->value().enhanced + "\n";
    }
  }
  if (!failed) check(parser.buffered() < limits.max_line * (limits.max_lines + 1));
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 32;
  ReplyLimits limits;
  if (data[0] & 0x80) limits = ReplyLimits{40, 4};  // small, so that both limits are reached
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  check(parse(input, piece, limits) == parse(input, input.size() + 1, limits));
  return 0;
}
