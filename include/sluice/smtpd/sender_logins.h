#pragma once
// smtpd_sender_login_maps: which envelope senders an authenticated user may use, as in
// Postfix's reject_authenticated_sender_login_mismatch. The table maps a sender address or
// "@domain" to the users that own it; the address is tried before its domain. A sender the
// table does not list belongs to no one, so no authenticated user may use it; the null sender
// <> (bounces) is always allowed. Pure and immutable: shared by every session.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::smtpd {

class SenderLogins {
 public:
  // Keys as in the table (matched case-insensitively), each with its owners.
  explicit SenderLogins(std::map<std::string, std::vector<std::string>> owners);
  bool allowed(std::string_view user, std::string_view sender) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> owners_;  // lower-case keys
};

}  // namespace sluice::smtpd
