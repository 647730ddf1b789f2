#include "dns/cares_answer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <climits>
#include <deque>

namespace sluice::dns {
namespace {

using std::chrono::seconds;

// Builds the linked structures c-ares hands to a getaddrinfo callback, so the interpretation is
// tested for any order and TTL without a server.
class AddrinfoBuilder {
 public:
  AddrinfoBuilder& add(const std::string& text, int ttl) {
    auto& node = nodes_.emplace_back();
    node.ai_ttl = ttl;
    if (text.find(':') == std::string::npos) {
      auto& in4 = v4_.emplace_back();
      in4.sin_family = AF_INET;
      EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &in4.sin_addr), 1);
      node.ai_family = AF_INET;
      node.ai_addr = reinterpret_cast<sockaddr*>(&in4);
      node.ai_addrlen = sizeof in4;
    } else {
      auto& in6 = v6_.emplace_back();
      in6.sin6_family = AF_INET6;
      EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &in6.sin6_addr), 1);
      node.ai_family = AF_INET6;
      node.ai_addr = reinterpret_cast<sockaddr*>(&in6);
      node.ai_addrlen = sizeof in6;
    }
    return *this;
  }
  AddrinfoBuilder& cname(int ttl) {
    auto& cname = cnames_.emplace_back();
    cname.ttl = ttl;
    return *this;
  }
  const ares_addrinfo* get() {
    for (std::size_t i = 0; i + 1 < nodes_.size(); ++i) nodes_[i].ai_next = &nodes_[i + 1];
    for (std::size_t i = 0; i + 1 < cnames_.size(); ++i) cnames_[i].next = &cnames_[i + 1];
    info_.nodes = nodes_.empty() ? nullptr : &nodes_.front();
    info_.cnames = cnames_.empty() ? nullptr : &cnames_.front();
    return &info_;
  }

 private:
  std::deque<ares_addrinfo_node> nodes_;  // deques: elements stay put while the list grows
  std::deque<ares_addrinfo_cname> cnames_;
  std::deque<sockaddr_in> v4_;
  std::deque<sockaddr_in6> v6_;
  ares_addrinfo info_{};
};

std::vector<std::string> texts(const std::vector<boost::asio::ip::address>& addresses) {
  std::vector<std::string> out;
  for (const auto& a : addresses) out.push_back(a.to_string());
  return out;
}

ResolverOptions limits(int min_ttl, int max_ttl, int negative_ttl) {
  ResolverOptions options;
  options.min_ttl = seconds(min_ttl);
  options.max_ttl = seconds(max_ttl);
  options.negative_ttl = seconds(negative_ttl);
  return options;
}

TEST(AddressesInOrder, Ipv4FirstThenIpv6EachInServerOrderWithoutDuplicates) {
  AddrinfoBuilder b;
  b.add("2001:db8::2", 60).add("192.0.2.9", 60).add("2001:db8::1", 60).add("192.0.2.1", 60);
  b.add("192.0.2.9", 60).add("2001:db8::2", 60);
  EXPECT_EQ(texts(addresses_in_order(b.get()->nodes)),
            (std::vector<std::string>{"192.0.2.9", "192.0.2.1", "2001:db8::2", "2001:db8::1"}));
}

TEST(AddressesInOrder, SkipsNodesWithoutUsableAddresses) {
  AddrinfoBuilder b;
  b.add("192.0.2.1", 60).add("192.0.2.2", 60).add("2001:db8::1", 60);
  auto* info = b.get();
  info->nodes->ai_next->ai_addrlen = 4;  // truncated sockaddr
  info->nodes->ai_next->ai_next->ai_addr = nullptr;
  EXPECT_EQ(texts(addresses_in_order(info->nodes)), (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_TRUE(addresses_in_order(nullptr).empty());
}

TEST(SmallestTtl, TakesTheMinimumOverAddressesAndCnames) {
  AddrinfoBuilder b;
  b.add("192.0.2.1", 300).add("2001:db8::1", 120).cname(600);
  EXPECT_EQ(smallest_ttl(*b.get()), seconds(120));
  AddrinfoBuilder c;
  c.add("192.0.2.1", 300).cname(30);
  EXPECT_EQ(smallest_ttl(*c.get()), seconds(30));
  AddrinfoBuilder hosts_file;
  hosts_file.add("127.0.0.1", 0);
  EXPECT_EQ(smallest_ttl(*hosts_file.get()), seconds(0));
  AddrinfoBuilder negative;
  negative.add("192.0.2.1", -5);
  EXPECT_EQ(smallest_ttl(*negative.get()), seconds(0));
  AddrinfoBuilder empty;
  EXPECT_EQ(smallest_ttl(*empty.get()), seconds(0));
}

TEST(InterpretAnswer, CachesAddressesForTheirTtlWithinTheLimits) {
  AddrinfoBuilder b;
  b.add("192.0.2.1", 120);
  auto answer = interpret_answer(ARES_SUCCESS, b.get(), "mx.example.com", limits(1, 3600, 5));
  ASSERT_TRUE(answer.addresses.ok());
  EXPECT_EQ(texts(answer.addresses.value()), (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_EQ(answer.cache_for, seconds(120));
  EXPECT_EQ(interpret_answer(ARES_SUCCESS, b.get(), "h", limits(600, 3600, 5)).cache_for,
            seconds(600));
  EXPECT_EQ(interpret_answer(ARES_SUCCESS, b.get(), "h", limits(1, 60, 5)).cache_for, seconds(60));
}

TEST(InterpretAnswer, AnswerWithoutTtlGetsMinTtl) {
  AddrinfoBuilder hosts_file;
  hosts_file.add("127.0.0.1", 0);
  EXPECT_EQ(
      interpret_answer(ARES_SUCCESS, hosts_file.get(), "localhost", limits(7, 3600, 5)).cache_for,
      seconds(7));
  AddrinfoBuilder huge;
  huge.add("192.0.2.1", INT_MAX);
  EXPECT_EQ(interpret_answer(ARES_SUCCESS, huge.get(), "h", limits(1, 3600, 5)).cache_for,
            seconds(3600));
}

TEST(InterpretAnswer, NamesTheHostInEachError) {
  struct Case {
    int status;
    std::string message;
    ErrorCode code;
  };
  const std::string host = "mx.example.com";
  for (const auto& c : std::vector<Case>{
           {ARES_ENOTFOUND, "host mx.example.com not found (NXDOMAIN)", ErrorCode::not_found},
           {ARES_ENODATA, "host mx.example.com has no IPv4 or IPv6 address (NODATA)",
            ErrorCode::not_found},
           {ARES_ESERVFAIL, "DNS server failure (SERVFAIL) for mx.example.com", ErrorCode::failed},
           {ARES_ETIMEOUT, "DNS timeout for mx.example.com", ErrorCode::failed},
           {ARES_EREFUSED, "DNS server refused the query (REFUSED) for mx.example.com",
            ErrorCode::failed},
           {ARES_ECONNREFUSED, "DNS server unreachable (connection refused) for mx.example.com",
            ErrorCode::failed},
           {ARES_EBADNAME, "invalid host name mx.example.com", ErrorCode::invalid},
       }) {
    auto answer = interpret_answer(c.status, nullptr, host, limits(1, 3600, 5));
    ASSERT_FALSE(answer.addresses.ok()) << c.status;
    EXPECT_EQ(answer.addresses.error().message, c.message);
    EXPECT_EQ(answer.addresses.error().code, c.code) << c.status;
  }
  auto other = interpret_answer(ARES_ENOMEM, nullptr, host, limits(1, 3600, 5));
  ASSERT_FALSE(other.addresses.ok());
  EXPECT_EQ(other.addresses.error().message,
            std::string("DNS lookup failed for mx.example.com: ") + ares_strerror(ARES_ENOMEM));
}

TEST(InterpretAnswer, CachesNegativeAnswersButNotTimeouts) {
  auto options = limits(1, 3600, 9);
  for (int status : {ARES_ENOTFOUND, ARES_ENODATA, ARES_ESERVFAIL}) {
    EXPECT_EQ(interpret_answer(status, nullptr, "h", options).cache_for, seconds(9)) << status;
  }
  for (int status : {ARES_ETIMEOUT, ARES_ECONNREFUSED, ARES_EREFUSED, ARES_ENOMEM}) {
    EXPECT_EQ(interpret_answer(status, nullptr, "h", options).cache_for, seconds(0)) << status;
  }
}

TEST(InterpretAnswer, SuccessWithoutAddressesIsNoData) {
  AddrinfoBuilder empty;
  auto answer = interpret_answer(ARES_SUCCESS, empty.get(), "h.example", limits(1, 3600, 9));
  ASSERT_FALSE(answer.addresses.ok());
  EXPECT_EQ(answer.addresses.error().message,
            "host h.example has no IPv4 or IPv6 address (NODATA)");
  EXPECT_EQ(answer.cache_for, seconds(9));
  EXPECT_FALSE(interpret_answer(ARES_SUCCESS, nullptr, "h", limits(1, 3600, 9)).addresses.ok());
}

}  // namespace
}  // namespace sluice::dns
