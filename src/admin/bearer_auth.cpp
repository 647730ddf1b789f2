#include "bearer_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/beast/core/string.hpp>

namespace sluice::admin {

BearerAuth::BearerAuth(const std::map<std::string, std::string>& tokens) {
  for (const auto& [token, name] : tokens) {
    if (!token.empty()) tokens_.emplace_back(digest(token), name);
  }
}

BearerAuth::Digest BearerAuth::digest(std::string_view text) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::optional<std::string> BearerAuth::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !boost::beast::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return std::nullopt;

  Digest presented = digest(token);
  const std::string* found = nullptr;
  for (const auto& [expected, name] : tokens_) {
    bool equal = CRYPTO_memcmp(expected.data(), presented.data(), presented.size()) == 0;
    if (equal && found == nullptr) found = &name;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace sluice::admin
