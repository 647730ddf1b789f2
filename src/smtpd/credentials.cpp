#include "sluice/smtpd/credentials.h"

#include <algorithm>

namespace sluice::smtpd {

Credentials::Credentials(std::map<std::string, PasswordHash> users) {
  std::uint32_t iterations = kDefaultPasswordIterations;
  for (auto& [user, hash] : users) {
    iterations = std::max(iterations, hash.iterations);
    users_.emplace(user, std::move(hash));
  }
  // No password hashes to this (an empty salt is not a valid entry, and the hash is empty).
  dummy_.iterations = iterations;
  dummy_.salt = std::string(kPasswordSaltBytes, '\0');
}

bool Credentials::verify(std::string_view user, std::string_view password) const {
  const auto it = users_.find(user);
  if (it == users_.end()) {
    (void)verify_password(dummy_, password);  // the same work, result ignored
    return false;
  }
  return verify_password(it->second, password);
}

}  // namespace sluice::smtpd
