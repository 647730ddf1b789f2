#pragma once
// Host names as the resolver sees them: which ones are IP literals (answered without DNS) and
// the key a name is cached and coalesced under. Pure functions, callable from any thread.

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace sluice::dns {

// "192.0.2.1", "2001:db8::1", and the same in brackets ("[192.0.2.1]", "[2001:db8::1]", also
// with an SMTP "IPv6:" tag: "[IPv6:2001:db8::1]"). nullopt for anything else.
std::optional<boost::asio::ip::address> parse_ip_literal(std::string_view host);

// ASCII lower case without one trailing dot: names are always looked up as absolute names, so
// "MX.Example.com." and "mx.example.com" are one lookup and one cache entry.
std::string lookup_key(std::string_view host);

}  // namespace sluice::dns
