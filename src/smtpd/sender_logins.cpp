#include "sluice/smtpd/sender_logins.h"

#include <algorithm>

namespace sluice::smtpd {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

SenderLogins::SenderLogins(std::map<std::string, std::vector<std::string>> owners) {
  for (auto& [key, users] : owners) owners_[lower(key)] = std::move(users);
}

bool SenderLogins::allowed(std::string_view user, std::string_view sender) const {
  if (sender.empty()) return true;
  const auto address = lower(sender);
  auto it = owners_.find(address);
  if (it == owners_.end()) {
    const auto at = address.rfind('@');
    if (at == std::string::npos) return false;
    it = owners_.find(std::string_view(address).substr(at));
    if (it == owners_.end()) return false;
  }
  return std::find(it->second.begin(), it->second.end(), user) != it->second.end();
}

}  // namespace sluice::smtpd
