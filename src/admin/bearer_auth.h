#pragma once
// Checks `Authorization: Bearer TOKEN` against admin_tokens (token -> name). Built once by
// AdminServer, then read-only from every connection strand. Tokens are kept only as SHA-256
// digests and compared in constant time, all of them every time, so neither the token's
// content nor which entry matched shows in the timing.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::admin {

class BearerAuth {
 public:
  explicit BearerAuth(const std::map<std::string, std::string>& tokens);

  // The token's name for a valid "Bearer TOKEN" header value, nullopt otherwise (missing,
  // another scheme, unknown token).
  std::optional<std::string> authenticate(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest(std::string_view text);

  std::vector<std::pair<Digest, std::string>> tokens_;  // digest -> name
};

}  // namespace sluice::admin
