#include "dns/host_name.h"

#include <gtest/gtest.h>

namespace sluice::dns {
namespace {

TEST(ParseIpLiteral, AcceptsIpv4AndIpv6WithOrWithoutBrackets) {
  EXPECT_EQ(parse_ip_literal("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(parse_ip_literal("[192.0.2.1]")->to_string(), "192.0.2.1");
  EXPECT_EQ(parse_ip_literal("2001:db8::1")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_ip_literal("[2001:db8::1]")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_ip_literal("[IPv6:2001:db8::1]")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_ip_literal("[ipv6:::1]")->to_string(), "::1");
  EXPECT_TRUE(parse_ip_literal("::ffff:192.0.2.1")->is_v6());
}

TEST(ParseIpLiteral, RejectsNamesAndMalformedLiterals) {
  for (const char* host :
       {"", "[]", "[", "]", "mx.example.com", "localhost", "192.0.2", "192.0.2.256", "192.0.2.1.",
        "[192.0.2.1", "192.0.2.1]", "2001:db8::1::2", "[IPv6:]", "IPv6:2001:db8::1", " 192.0.2.1",
        "1.2.3.4x"}) {
    EXPECT_FALSE(parse_ip_literal(host).has_value()) << host;
  }
}

TEST(LookupKey, LowerCasesAndDropsOneTrailingDot) {
  EXPECT_EQ(lookup_key("MX.Example.COM"), "mx.example.com");
  EXPECT_EQ(lookup_key("mx.example.com."), "mx.example.com");
  EXPECT_EQ(lookup_key("a.."), "a.");
  EXPECT_EQ(lookup_key("."), "");
  EXPECT_EQ(lookup_key(""), "");
  EXPECT_EQ(lookup_key("\xc3\x89.example"), "\xc3\x89.example");  // only ASCII is folded
}

}  // namespace
}  // namespace sluice::dns
