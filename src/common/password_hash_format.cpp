// The text form of a password hash and the base64 it uses; pure, so the config loader can
// check table entries without OpenSSL.

#include <algorithm>
#include <charconv>

#include "sluice/common/password_hash.h"

namespace sluice {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kPrefix = "$pbkdf2-sha256$";
constexpr std::size_t kMinSaltBytes = 8;

int sextet(char c) {
  const auto at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Splits off the text up to the next '$'; false when there is none.
bool take_field(std::string_view& rest, std::string_view& field) {
  const auto dollar = rest.find('$');
  if (dollar == std::string_view::npos) return false;
  field = rest.substr(0, dollar);
  rest.remove_prefix(dollar + 1);
  return true;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = group << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return make_error("not base64", ErrorCode::invalid);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::size_t padding = 0;
    if (i + 4 == text.size() && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4 - padding; ++k) {
      const int value = sextet(text[i + k]);
      if (value < 0) return make_error("not base64", ErrorCode::invalid);
      group = group << 6 | static_cast<std::uint32_t>(value);
    }
    group <<= 6 * padding;
    // Bits set under the padding would give one hash two spellings.
    if ((group & ((1u << (8 * padding)) - 1)) != 0) {
      return make_error("not canonical base64", ErrorCode::invalid);
    }
    for (std::size_t k = 0; k < 3 - padding; ++k) {
      out += static_cast<char>((group >> (16 - 8 * k)) & 0xff);
    }
  }
  return out;
}

Result<PasswordHash> parse_password_hash(std::string_view text) {
  auto bad = [](std::string why) {
    return make_error(
        "not a password hash ($pbkdf2-sha256$ITERATIONS$SALT$HASH, see `sluicectl "
        "passwd`): " +
            std::move(why),
        ErrorCode::invalid);
  };
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad("unknown scheme");
  std::string_view rest = text.substr(kPrefix.size());
  std::string_view iterations_text, salt_text;
  if (!take_field(rest, iterations_text) || !take_field(rest, salt_text)) {
    return bad("missing fields");
  }
  PasswordHash hash;
  const auto* end = iterations_text.data() + iterations_text.size();
  const auto [ptr, ec] = std::from_chars(iterations_text.data(), end, hash.iterations);
  if (iterations_text.empty() || ec != std::errc{} || ptr != end) return bad("bad iteration count");
  if (hash.iterations > kMaxPasswordIterations) {
    return bad("more than " + std::to_string(kMaxPasswordIterations) + " iterations");
  }
  if (hash.iterations < kMinPasswordIterations) {
    return bad("fewer than " + std::to_string(kMinPasswordIterations) + " iterations");
  }
  auto salt = base64_decode(salt_text);
  if (!salt || salt->size() < kMinSaltBytes) return bad("bad salt");
  auto digest = base64_decode(rest);
  if (!digest || digest->size() != kPasswordHashBytes) return bad("bad hash");
  hash.salt = std::move(*salt);
  hash.hash = std::move(*digest);
  return hash;
}

std::string format_password_hash(const PasswordHash& hash) {
  return std::string(kPrefix) + std::to_string(hash.iterations) + "$" + base64_encode(hash.salt) +
         "$" + base64_encode(hash.hash);
}

}  // namespace sluice
