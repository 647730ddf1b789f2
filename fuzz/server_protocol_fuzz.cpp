// Arbitrary client bytes into ServerProtocol, fed in pieces whose sizes come from the first
// input byte, which also picks the limits, the relay right and the STARTTLS/AUTH settings.
// Every CommitMessage is answered ok, every StartTls with the handshake outcome the first byte
// chose, every VerifyCredentials by the credentials themselves (password "secret": ok; other
// lengths 1 mod 4: locked out). Checks that the split does not change what the protocol does,
// that buffering stays bounded, that committed data never carries a bare CR or LF, that
// nothing plaintext survives STARTTLS and that only a successful check authenticates.

#include <algorithm>
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
  limits.auth_enabled = (seed & 0x20) != 0;
  limits.tls_offered = (seed & 0x10) != 0;
  limits.require_tls = (seed & 0x08) != 0;
  limits.auth_requires_tls = (seed & 0x04) == 0;
  if (seed & 0x01) {
    limits.sender_allowed = [](std::string_view user, std::string_view sender) {
      return sender.starts_with(user);
    };
  }
  return limits;
}

constexpr std::size_t kAuthLineLimit = 12288;  // RFC 4954, as in sasl_exchange.h

// The last reply line is a 334 challenge: the protocol reads a SASL response line.
bool awaits_sasl_response(std::string_view transcript) {
  if (transcript.size() < 2) return false;
  const auto start = transcript.rfind('\n', transcript.size() - 2);
  return transcript.substr(start == std::string_view::npos ? 0 : start + 1).starts_with("334 ");
}

// In the input, this marks where the bytes the client sends over TLS begin: what the client
// pipelined before it in plaintext behind an accepted STARTTLS is gone (the protocol drops it
// and the shell reads no more plaintext), whichever pieces it arrived in.
constexpr std::string_view kTlsBegins = "\xff\xfeTLS";

std::string run(std::string_view all_input, std::uint8_t seed, bool whole) {
  const auto limits = limits_for(seed);
  const bool handshake_ok = (seed & 0x02) == 0;
  ServerProtocol protocol(limits, ClientInfo{"192.0.2.1", (seed & 0x40) == 0, false});
  std::string transcript = protocol.greeting();
  std::string last_replies;
  std::string authenticated;  // what authenticated_user() must be
  std::uint32_t state = seed * 2654435761u + 1;
  int commits = 0;
  while (!all_input.empty()) {
    const auto marker = all_input.find(kTlsBegins);
    std::string_view input = all_input.substr(0, marker);
    all_input.remove_prefix(marker == std::string_view::npos ? all_input.size()
                                                             : marker + kTlsBegins.size());
    bool handshake = false;
    while (!input.empty() && !handshake) {
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
          if (reply->rejected != 0) {
            check(reply->rejected >= 400 && reply->rejected < 600);
            check(reply->text.starts_with(std::to_string(reply->rejected) + " "));
          }
          transcript += reply->text;
          last_replies = reply->text;
        } else if (std::holds_alternative<StartTls>(actions[i])) {
          transcript += "<STARTTLS>";
          handshake = true;
          check(protocol.buffered_bytes() == 0);
          check(limits.tls_offered && !protocol.tls_active());
          protocol.tls_started(handshake_ok, actions);
          if (handshake_ok) {
            check(protocol.tls_active());
            check(protocol.authenticated_user().empty());
            authenticated.clear();
          }
        } else if (auto* credentials = std::get_if<VerifyCredentials>(&actions[i])) {
          transcript += "<VERIFY " + credentials->user + ">";
          check(limits.auth_enabled && protocol.authenticated_user().empty());
          check(!credentials->user.empty() && !credentials->password.empty());
          const bool ok = credentials->password == "secret";
          const bool locked = !ok && credentials->password.size() % 4 == 1;
          if (ok) authenticated = credentials->user;
          protocol.auth_finished(AuthOutcome{ok, locked}, actions);
        } else if (auto* message = std::get_if<CommitMessage>(&actions[i])) {
          check(!message->envelope.recipients.empty());
          check(!has_bare_line_end(message->data));
          check(limits.message_size_limit == 0 ||
                message->data.size() <= limits.message_size_limit);
          transcript += "<COMMIT " + message->envelope.sender + " " + message->data + ">";
          protocol.commit_finished(CommitOutcome{true, "ID" + std::to_string(++commits), false},
                                   actions);
        } else {
          transcript += "<CLOSE>";
          check(protocol.closed());
        }
      }
      check(protocol.authenticated_user() == authenticated);
      const std::size_t line_limit =
          awaits_sasl_response(last_replies)
              ? std::max<std::size_t>(kAuthLineLimit, limits.line_length_limit)
              : limits.line_length_limit;
      check(protocol.awaiting_commit() || protocol.buffered_bytes() < line_limit);
    }
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
