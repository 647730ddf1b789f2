#pragma once
// One SMTP AUTH exchange (RFC 4954) for the PLAIN (RFC 4616) and LOGIN mechanisms: the AUTH
// command's arguments, then each client response line, in; the next challenge, the credentials
// to check or the refusal out. It never checks a password and no reply it gives echoes client
// text. Pure; owned by one ServerProtocol, on its session's strand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::smtpd {

// RFC 4954 section 4: a client response (and an AUTH line) may be up to 12288 octets.
inline constexpr std::size_t kAuthLineLimit = 12288;

// Strict base64 (RFC 4648): padding required, no blanks. nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);

class SaslExchange {
 public:
  struct Challenge {  // send this "334 ..." line and pass the client's next line to respond()
    std::string_view reply;
  };
  struct Credentials {  // the exchange is over: check these
    std::string user;
    std::string password;
  };
  struct Refusal {  // the exchange is over with this reply
    std::string_view reply;
  };
  using Step = std::variant<Challenge, Credentials, Refusal>;

  // "AUTH <mechanism> [<initial-response>]", the mechanism in any case.
  Step start(std::string_view mechanism, std::optional<std::string_view> initial_response);
  // One client line after a Challenge, without its CRLF.
  Step respond(std::string_view line);

 private:
  enum class Expect : std::uint8_t { plain_message, login_user, login_password };
  Step take(std::string_view encoded);
  Step plain(std::string_view message);

  Expect expect_ = Expect::plain_message;
  std::string user_;  // LOGIN: the user name while the password is asked for
};

}  // namespace sluice::smtpd
