#include "sasl_exchange.h"

#include <algorithm>
#include <array>

namespace sluice::smtpd {

namespace {

constexpr std::string_view kEmptyChallenge = "334 ";
constexpr std::string_view kUsernameChallenge = "334 VXNlcm5hbWU6";  // "Username:"
constexpr std::string_view kPasswordChallenge = "334 UGFzc3dvcmQ6";  // "Password:"
constexpr std::string_view kAborted = "501 5.7.0 Authentication aborted";
constexpr std::string_view kCannotDecode = "501 5.5.2 Cannot decode response";
constexpr std::string_view kUnsupported = "504 5.5.4 Unsupported authentication mechanism";
constexpr std::string_view kFailed = "535 5.7.8 Error: authentication failed";

constexpr std::uint8_t kNotBase64 = 0xff;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kNotBase64);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}
constexpr auto kBase64 = make_base64_table();

bool equals_ignore_case(std::string_view a, std::string_view b) {
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return upper(x) == upper(y); });
}

// A user name ends up in logs, in sender checks and in replies: no control characters.
bool acceptable_user(std::string_view user) {
  return !user.empty() && std::none_of(user.begin(), user.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const auto value = kBase64[static_cast<unsigned char>(text[i])];
    if (value == kNotBase64) return std::nullopt;
    bits = (bits << 6) | value;
    if (++count == 4) {
      out.push_back(static_cast<char>(bits >> 16));
      out.push_back(static_cast<char>(bits >> 8));
      out.push_back(static_cast<char>(bits));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) {
    out.push_back(static_cast<char>(bits >> 4));
  } else if (count == 3) {
    out.push_back(static_cast<char>(bits >> 10));
    out.push_back(static_cast<char>(bits >> 2));
  }
  return out;
}

SaslExchange::Step SaslExchange::start(std::string_view mechanism,
                                       std::optional<std::string_view> initial_response) {
  if (equals_ignore_case(mechanism, "PLAIN")) {
    expect_ = Expect::plain_message;
    if (!initial_response) return Challenge{kEmptyChallenge};
  } else if (equals_ignore_case(mechanism, "LOGIN")) {
    // Not in RFC 4954, but common clients send the user name as an initial response.
    expect_ = Expect::login_user;
    if (!initial_response) return Challenge{kUsernameChallenge};
  } else {
    return Refusal{kUnsupported};
  }
  // RFC 4954: "=" is an empty initial response.
  return take(*initial_response == "=" ? std::string_view() : *initial_response);
}

SaslExchange::Step SaslExchange::respond(std::string_view line) {
  if (line == "*") return Refusal{kAborted};
  return take(line);
}

SaslExchange::Step SaslExchange::take(std::string_view encoded) {
  auto decoded = decode_base64(encoded);
  if (!decoded) return Refusal{kCannotDecode};
  switch (expect_) {
    case Expect::plain_message:
      return plain(*decoded);
    case Expect::login_user:
      if (!acceptable_user(*decoded)) return Refusal{kFailed};
      user_ = std::move(*decoded);
      expect_ = Expect::login_password;
      return Challenge{kPasswordChallenge};
    case Expect::login_password:
      if (decoded->empty()) return Refusal{kFailed};
      return Credentials{std::move(user_), std::move(*decoded)};
  }
  return Refusal{kFailed};
}

// RFC 4616: [authzid] NUL authcid NUL passwd. Acting for another identity is not supported, so
// the authzid must be empty or the authcid itself.
SaslExchange::Step SaslExchange::plain(std::string_view message) {
  const auto first = message.find('\0');
  if (first == std::string_view::npos) return Refusal{kFailed};
  const auto second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return Refusal{kFailed};
  const auto authzid = message.substr(0, first);
  const auto authcid = message.substr(first + 1, second - first - 1);
  const auto password = message.substr(second + 1);
  if (password.empty() || password.find('\0') != std::string_view::npos) return Refusal{kFailed};
  if (!acceptable_user(authcid) || (!authzid.empty() && authzid != authcid)) {
    return Refusal{kFailed};
  }
  return Credentials{std::string(authcid), std::string(password)};
}

}  // namespace sluice::smtpd
