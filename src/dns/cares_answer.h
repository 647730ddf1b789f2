#pragma once
// What a finished c-ares getaddrinfo means for sluice: the addresses in the order to try them and
// how long to cache them, or an error naming the host and how long to cache that. Pure functions
// over c-ares's result structures (no channel, no I/O), so every status and ordering rule is
// unit-tested without a DNS server.

#include <ares.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "answer_cache.h"
#include "sluice/common/result.h"
#include "sluice/dns/resolver.h"

namespace sluice::dns {

struct LookupAnswer {
  Result<std::vector<boost::asio::ip::address>> addresses;
  std::chrono::seconds cache_for{0};            // zero: do not cache
  LookupFailure failure = LookupFailure::none;  // why, when there is no address
};

// The kind of failure an ARES_* status is (ARES_SUCCESS: none).
LookupFailure lookup_failure(int status);

// IPv4 addresses first, then IPv6, each family in the order given, duplicates dropped.
std::vector<boost::asio::ip::address> addresses_in_order(const ares_addrinfo_node* nodes);

// The smallest TTL of the address records and CNAMEs of an answer; zero when it has none (the
// hosts file gives no TTLs).
std::chrono::seconds smallest_ttl(const ares_addrinfo& info);

// The error value for an ARES_* failure status, naming `host`:
// "host mx.example.com not found (NXDOMAIN)", "DNS timeout for mx.example.com", ...
Error lookup_error(int status, const std::string& host);

// Addresses cached for clamp(smallest TTL, min_ttl, max_ttl); NXDOMAIN, NODATA (including a
// success without addresses) and SERVFAIL cached for negative_ttl; other failures (timeouts,
// unreachable servers) not cached. `info` may be null.
LookupAnswer interpret_answer(int status, const ares_addrinfo* info, const std::string& host,
                              const ResolverOptions& options);

}  // namespace sluice::dns
