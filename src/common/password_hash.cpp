// PBKDF2-HMAC-SHA256 through OpenSSL: hashing for `sluicectl passwd` and the check of SMTP AUTH
// credentials (run on a blocking pool: 100 000 iterations take tens of milliseconds).

#include "sluice/common/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace sluice {

PasswordHash hash_password(std::string_view password, std::string_view salt,
                           std::uint32_t iterations) {
  PasswordHash out;
  out.iterations = iterations;
  out.salt = std::string(salt);
  out.hash.resize(kPasswordHashBytes);
  const int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                                   reinterpret_cast<const unsigned char*>(salt.data()),
                                   static_cast<int>(salt.size()), static_cast<int>(iterations),
                                   EVP_sha256(), static_cast<int>(out.hash.size()),
                                   reinterpret_cast<unsigned char*>(out.hash.data()));
  // Fails only on allocation failure or absurd arguments; an empty hash never verifies.
  if (ok != 1) out.hash.clear();
  return out;
}

Result<PasswordHash> new_password_hash(std::string_view password, std::uint32_t iterations) {
  std::string salt(kPasswordSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    return make_error("no random bytes for the salt");
  }
  auto hash = hash_password(password, salt, iterations);
  if (hash.hash.empty()) return make_error("PBKDF2 failed");
  return hash;
}

bool verify_password(const PasswordHash& expected, std::string_view password) {
  const auto actual = hash_password(password, expected.salt, expected.iterations);
  return actual.hash.size() == expected.hash.size() && !expected.hash.empty() &&
         CRYPTO_memcmp(actual.hash.data(), expected.hash.data(), expected.hash.size()) == 0;
}

}  // namespace sluice
