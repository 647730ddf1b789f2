#pragma once
// Salted slow password hashes for SMTP AUTH (smtpd_sasl_password_maps, `sluicectl passwd`):
// PBKDF2-HMAC-SHA256 written as "$pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>".
// parse/format are pure (the config loader checks entries with them, also in the fuzz build);
// hash/verify use OpenSSL (library sluice_password) and are slow on purpose, so callers run
// them off the I/O threads. Every function is thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice {

inline constexpr std::uint32_t kDefaultPasswordIterations = 100'000;
// Entries below this are refused: they would make a stolen table cheap to crack.
inline constexpr std::uint32_t kMinPasswordIterations = 10'000;
// Above this a check ties up a checking thread for minutes (and OpenSSL takes an int): one
// mistyped entry would make every AUTH, for unknown users too, that slow.
inline constexpr std::uint32_t kMaxPasswordIterations = 10'000'000;
inline constexpr std::size_t kPasswordSaltBytes = 16;
inline constexpr std::size_t kPasswordHashBytes = 32;  // SHA-256

struct PasswordHash {
  std::uint32_t iterations = kDefaultPasswordIterations;
  std::string salt;  // raw bytes, at least 8
  std::string hash;  // raw bytes, kPasswordHashBytes
};

// Never quotes the text in its error (it may be a pasted password).
Result<PasswordHash> parse_password_hash(std::string_view text);
std::string format_password_hash(const PasswordHash& hash);

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

// --- sluice_password (OpenSSL) ---

// PBKDF2-HMAC-SHA256 of password with this salt.
PasswordHash hash_password(std::string_view password, std::string_view salt,
                           std::uint32_t iterations = kDefaultPasswordIterations);
// With a fresh random salt; fails only when the system's random source does.
Result<PasswordHash> new_password_hash(std::string_view password,
                                       std::uint32_t iterations = kDefaultPasswordIterations);
// Recomputes and compares in constant time.
bool verify_password(const PasswordHash& expected, std::string_view password);

}  // namespace sluice
