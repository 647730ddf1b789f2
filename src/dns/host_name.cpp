#include "host_name.h"

#include <boost/system/error_code.hpp>

namespace sluice::dns {

namespace {

bool starts_with_ipv6_tag(std::string_view text) {
  constexpr std::string_view tag = "ipv6:";
  if (text.size() < tag.size()) return false;
  for (std::size_t i = 0; i < tag.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != tag[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<boost::asio::ip::address> parse_ip_literal(std::string_view host) {
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
    if (starts_with_ipv6_tag(host)) host = host.substr(5);
  }
  if (host.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return address;
}

std::string lookup_key(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string key(host);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

}  // namespace sluice::dns
