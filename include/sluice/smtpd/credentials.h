#pragma once
// The SMTP AUTH users (smtpd_sasl_password_maps) and the check of one user name and password.
// An unknown user is checked against a dummy hash of the same cost, so a client cannot tell
// known names from unknown ones by the time the answer takes. Immutable after construction:
// verify() runs on the blocking pool, from any thread at once. Never logs a password.

#include <map>
#include <string>
#include <string_view>

#include "sluice/common/password_hash.h"

namespace sluice::smtpd {

class Credentials {
 public:
  explicit Credentials(std::map<std::string, PasswordHash> users);
  // Slow (PBKDF2); call off the I/O threads.
  bool verify(std::string_view user, std::string_view password) const;
  bool empty() const { return users_.empty(); }

 private:
  std::map<std::string, PasswordHash, std::less<>> users_;
  PasswordHash dummy_;  // as costly as the costliest real entry
};

}  // namespace sluice::smtpd
