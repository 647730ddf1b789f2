#include "cares_answer.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace sluice::dns {

namespace asio = boost::asio;
using std::chrono::seconds;

namespace {

void append_unique(std::vector<asio::ip::address>& addresses, const asio::ip::address& address) {
  if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
    addresses.push_back(address);
  }
}

}  // namespace

std::vector<asio::ip::address> addresses_in_order(const ares_addrinfo_node* nodes) {
  std::vector<asio::ip::address> v4;
  std::vector<asio::ip::address> v6;
  for (const auto* node = nodes; node != nullptr; node = node->ai_next) {
    if (node->ai_addr == nullptr) continue;
    auto length = static_cast<std::size_t>(node->ai_addrlen);
    if (node->ai_family == AF_INET && length >= sizeof(sockaddr_in)) {
      sockaddr_in in4;
      std::memcpy(&in4, node->ai_addr, sizeof in4);
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &in4.sin_addr, bytes.size());
      append_unique(v4, asio::ip::address_v4(bytes));
    } else if (node->ai_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
      sockaddr_in6 in6;
      std::memcpy(&in6, node->ai_addr, sizeof in6);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
      append_unique(v6, asio::ip::address_v6(bytes, in6.sin6_scope_id));
    }
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

seconds smallest_ttl(const ares_addrinfo& info) {
  std::optional<int> smallest;
  auto take = [&smallest](int ttl) { smallest = smallest ? std::min(*smallest, ttl) : ttl; };
  for (const auto* node = info.nodes; node != nullptr; node = node->ai_next) take(node->ai_ttl);
  for (const auto* cname = info.cnames; cname != nullptr; cname = cname->next) take(cname->ttl);
  return seconds(std::max(0, smallest.value_or(0)));
}

Error lookup_error(int status, const std::string& host) {
  switch (status) {
    case ARES_ENOTFOUND:
      return make_error("host " + host + " not found (NXDOMAIN)", ErrorCode::not_found);
    case ARES_ENODATA:
      return make_error("host " + host + " has no IPv4 or IPv6 address (NODATA)",
                        ErrorCode::not_found);
    case ARES_ESERVFAIL:
      return make_error("DNS server failure (SERVFAIL) for " + host);
    case ARES_ETIMEOUT:
      return make_error("DNS timeout for " + host);
    case ARES_EREFUSED:
      return make_error("DNS server refused the query (REFUSED) for " + host);
    case ARES_ECONNREFUSED:
      return make_error("DNS server unreachable (connection refused) for " + host);
    case ARES_EBADNAME:
      return make_error("invalid host name " + host, ErrorCode::invalid);
    default:
      return make_error("DNS lookup failed for " + host + ": " + ares_strerror(status));
  }
}

LookupFailure lookup_failure(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return LookupFailure::none;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
      return LookupFailure::nxdomain;
    case ARES_ESERVFAIL:
      return LookupFailure::servfail;
    case ARES_ETIMEOUT:
      return LookupFailure::timeout;
    default:
      return LookupFailure::other;
  }
}

LookupAnswer interpret_answer(int status, const ares_addrinfo* info, const std::string& host,
                              const ResolverOptions& options) {
  if (status == ARES_SUCCESS) {
    auto addresses = addresses_in_order(info != nullptr ? info->nodes : nullptr);
    if (!addresses.empty()) {
      // max(min(...)) rather than std::clamp: min_ttl wins if the limits cross.
      seconds ttl = std::max(options.min_ttl, std::min(smallest_ttl(*info), options.max_ttl));
      return {std::move(addresses), ttl};
    }
    status = ARES_ENODATA;
  }
  bool negative = status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ESERVFAIL;
  return {lookup_error(status, host), negative ? options.negative_ttl : seconds(0),
          lookup_failure(status)};
}

}  // namespace sluice::dns
