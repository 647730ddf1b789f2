#include "sluice/config/network.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "text.h"

namespace sluice::config {
namespace {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

// A numeric IPv4 or IPv6 address, optionally in brackets.
bool parse_address(std::string_view text, Address& out) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  const std::string s(text);
  if (s.find('\0') != std::string::npos) return false;
  if (::inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) {
    out.v6 = false;
    return true;
  }
  if (::inet_pton(AF_INET6, s.c_str(), out.bytes.data()) == 1) {
    out.v6 = true;
    return true;
  }
  return false;
}

bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Error invalid_listen(std::string_view text, std::string_view why) {
  return make_error("bad listen address '" + std::string(text) + "': " + std::string(why),
                    ErrorCode::invalid);
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string ListenAddress::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string_view t = trim(text);
  ListenAddress out;
  std::string_view port;
  if (!t.empty() && t.front() == '[') {
    const std::size_t close = t.find(']');
    if (close == std::string_view::npos) return invalid_listen(t, "missing ']'");
    Address address;
    if (!parse_address(t.substr(1, close - 1), address)) {
      return invalid_listen(t, "not a numeric address in brackets");
    }
    out.host = std::string(t.substr(1, close - 1));
    if (close + 1 >= t.size() || t[close + 1] != ':') {
      return invalid_listen(t, "expected [address]:port");
    }
    port = t.substr(close + 2);
  } else {
    const std::size_t colon = t.rfind(':');
    if (colon == std::string_view::npos) return invalid_listen(t, "expected host:port");
    const std::string_view host = t.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return invalid_listen(t, "an IPv6 address needs brackets: [address]:port");
    }
    if (!is_host_name(host)) return invalid_listen(t, "bad host");
    out.host = std::string(host);
    port = t.substr(colon + 1);
  }
  if (!parse_port(port, out.port)) return invalid_listen(t, "port must be 0..65535");
  return out;
}

Result<Network> parse_network(std::string_view text) {
  const std::string_view t = trim(text);
  std::string_view address_text = t;
  std::string_view prefix_text;
  if (const std::size_t slash = t.find('/'); slash != std::string_view::npos) {
    address_text = t.substr(0, slash);
    prefix_text = t.substr(slash + 1);
  }
  Address address;
  if (!parse_address(address_text, address)) {
    return make_error("bad network '" + std::string(t) + "': not a numeric address",
                      ErrorCode::invalid);
  }
  const unsigned bits = address.v6 ? 128 : 32;
  unsigned prefix = bits;
  if (t.find('/') != std::string_view::npos) {
    std::uint16_t value = 0;
    if (!parse_port(prefix_text, value) || prefix_text.size() > 3 || value > bits) {
      return make_error(
          "bad network '" + std::string(t) + "': prefix length must be 0.." + std::to_string(bits),
          ErrorCode::invalid);
    }
    prefix = value;
  }
  Network net;
  net.v6 = address.v6;
  net.prefix = prefix;
  net.text = std::string(t);
  for (unsigned i = 0; i < bits / 8; ++i) {
    const unsigned kept = prefix > i * 8 ? std::min(8u, prefix - i * 8) : 0;
    const auto mask = static_cast<std::uint8_t>(kept == 0 ? 0 : 0xFF << (8 - kept));
    net.address[i] = address.bytes[i] & mask;
  }
  return net;
}

bool Network::contains(std::string_view text) const {
  Address a;
  if (!parse_address(trim(text), a)) return false;
  if (!v6 && a.v6) {
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(a.bytes.data(), mapped, sizeof mapped) != 0) return false;
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    a.v6 = false;
  }
  if (a.v6 != v6) return false;
  for (unsigned i = 0; i < prefix; i += 8) {
    const unsigned kept = std::min(8u, prefix - i);
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - kept));
    if ((a.bytes[i / 8] & mask) != address[i / 8]) return false;
  }
  return true;
}

}  // namespace sluice::config
