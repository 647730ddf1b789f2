// Arbitrary client bytes into ServerProtocol, fed in pieces whose sizes come from the first
// input byte; every CommitMessage is answered ok. Checks that the split does not change what
// the protocol does, that buffering stays bounded and that committed data never carries a
// bare CR or LF.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/smtpd/server_protocol.h"

namespace {

using namespace sluice::smtpd;

void check(bool condition) {
  if (!condition) std::abort();
}

bool has_bare_line_end(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r' && (i + 1 == data.size() || data[i + 1] != '\n')) return true;
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return true;
  }
  return false;
}

ProtocolLimits limits_for(std::uint8_t seed) {
  ProtocolLimits limits;
  limits.myhostname = "mx.fuzz";
  if (seed & 0x80) {  // small limits, so that every limit is reached
    limits.message_size_limit = 300;
    limits.recipient_limit = 3;
    limits.line_length_limit = 80;
    limits.hopcount_limit = 2;
    limits.hard_error_limit = 5;
  }
  return limits;
}

std::string run(std::string_view input, std::uint8_t seed, bool whole) {
  const auto limits = limits_for(seed);
  ServerProtocol protocol(limits, ClientInfo{"192.0.2.1", (seed & 0x40) == 0});
  std::string transcript = protocol.greeting();
  std::uint32_t state = seed * 2654435761u + 1;
  int commits = 0;
  while (!input.empty()) {
    std::size_t n = input.size();
    if (!whole) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      n = std::min<std::size_t>(n, 1 + state % 64);
    }
    std::vector<Action> actions;
    protocol.receive(input.substr(0, n), actions);
    input.remove_prefix(n);
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (auto* reply = std::get_if<SendReply>(&actions[i])) {
        check(reply->text.size() >= 2 && reply->text.ends_with("\r\n"));
        transcript += reply->text;
      } else if (auto* message = std::get_if<CommitMessage>(&actions[i])) {
        check(!message->envelope.recipients.empty());
        check(!has_bare_line_end(message->data));
        check(limits.message_size_limit == 0 || message->data.size() <= limits.message_size_limit);
        transcript += "<COMMIT " + message->envelope.sender + " " + message->data + ">";
        protocol.commit_finished(CommitOutcome{true, "ID" + std::to_string(++commits), false},
                                 actions);
      } else {
        transcript += "<CLOSE>";
        check(protocol.closed());
      }
    }
    check(protocol.awaiting_commit() || protocol.buffered_bytes() < limits.line_length_limit);
  }
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t seed = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  check(run(input, seed, false) == run(input, seed, true));
  return 0;
}
