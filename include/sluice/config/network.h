#pragma once
// Listen addresses ("host:port", "[v6]:port") and networks ("10.0.0.0/8", "::1/128") as
// written in sluice.cf. Parsing is pure; inet_pton does the address syntax.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::config {

struct ListenAddress {
  std::string host;  // numeric address or name, brackets removed
  std::uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:2525", "[::1]:2525"
};

Result<ListenAddress> parse_listen_address(std::string_view text);

struct Network {
  bool v6 = false;
  std::array<std::uint8_t, 16> address{};  // network address, host bits cleared
  unsigned prefix = 0;
  std::string text;  // as written
  bool contains(std::string_view address) const;  // false for an unparsable address
};

// "127.0.0.0/8", "::1", "[::1]/128", "192.168.1.7" (a host is a /32 or /128).
Result<Network> parse_network(std::string_view text);

}  // namespace sluice::config
