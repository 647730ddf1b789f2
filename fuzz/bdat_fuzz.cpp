// The BDAT (CHUNKING, RFC 3030) path of ServerProtocol with well-framed chunks, which the byte
// stream target rarely builds: fuzz bytes become transactions of BDAT chunks whose declared
// sizes are right (or, when the input asks, wrong), fed in pieces. Checks that the split does
// not change what the protocol does, that every committed message is exactly its chunks joined
// when the framing was honest, and that committed data never carries a bare CR or LF.
//
// Input: byte 0 picks the limits and the split; then chunks, each a control byte (bit 0 LAST,
// bit 1 a NOOP before it, bit 2 a declared size off by the low bits of the length byte, bit 3
// start a new transaction before it), a length byte and that many data bytes.

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

struct Session {
  std::string stream;                 // what the client sends
  std::vector<std::string> messages;  // each LAST-terminated transaction's chunks joined
  bool honest = true;                 // every declared size is right
};

Session build(std::string_view input) {
  Session s;
  const std::string open = "MAIL FROM:<a@fuzz.test>\r\nRCPT TO:<b@fuzz.test>\r\n";
  s.stream = "EHLO client.fuzz\r\n" + open;
  std::string joined;
  while (input.size() >= 2) {
    const auto control = static_cast<unsigned char>(input[0]);
    const auto length = static_cast<unsigned char>(input[1]);
    input.remove_prefix(2);
    const auto data = input.substr(0, length);
    input.remove_prefix(data.size());
    if (control & 8) {
      s.stream += "RSET\r\n" + open;
      joined.clear();
    }
    if (control & 2) s.stream += "NOOP\r\n";
    std::size_t declared = data.size();
    if (control & 4) {
      declared += 1 + (length & 3);
      s.honest = false;
    }
    s.stream += "BDAT " + std::to_string(declared) + ((control & 1) ? " LAST\r\n" : "\r\n");
    s.stream += data;
    joined += data;
    if (control & 1) {
      s.messages.push_back(std::move(joined));
      joined.clear();
      s.stream += open;
    }
  }
  s.stream += "QUIT\r\n";
  return s;
}

std::string run(const Session& session, std::uint8_t seed, bool whole) {
  ProtocolLimits limits;
  limits.myhostname = "mx.fuzz";
  if (seed & 0x80) {
    limits.message_size_limit = 300;
    limits.hopcount_limit = 2;
    limits.hard_error_limit = 5;
  }
  ServerProtocol protocol(limits, ClientInfo{"192.0.2.1", true});
  std::string transcript = protocol.greeting();
  std::string_view input = session.stream;
  std::uint32_t state = seed * 2654435761u + 1;
  std::size_t commits = 0;
  while (!input.empty() && !protocol.closed()) {
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
        check(!has_bare_line_end(message->data));
        check(limits.message_size_limit == 0 || message->data.size() <= limits.message_size_limit);
        if (session.honest) {
          // Transactions refused before commit (size, hops) never commit, so this one is the
          // next message whose data matches: find it among those not yet passed.
          while (commits < session.messages.size() && session.messages[commits] != message->data) {
            ++commits;
          }
          check(commits < session.messages.size());
          ++commits;
        }
        transcript += "<COMMIT " + message->data + ">";
        protocol.commit_finished(CommitOutcome{true, "ID", false}, actions);
      } else if (std::holds_alternative<CloseConnection>(actions[i])) {
        transcript += "<CLOSE>";
        check(protocol.closed());
      }
    }
  }
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 32 * 1024) return 0;
  const auto session = build(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  check(run(session, data[0], false) == run(session, data[0], true));
  return 0;
}
