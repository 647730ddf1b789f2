#include "sluice/config/network.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

TEST(ListenAddress, Forms) {
  auto v4 = parse_listen_address("127.0.0.1:2525");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 2525);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:2525");
  auto v6 = parse_listen_address("[::1]:25");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:25");
  auto name = parse_listen_address("localhost:0");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 0);
}

TEST(ListenAddress, Errors) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x", "::1:25",
                          "[::1]", "[::1]25", "[nothost]:25", "[::1:25", ":25", "bad host:25"}) {
    EXPECT_FALSE(parse_listen_address(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_listen_address("::1:25").error().message,
            "bad listen address '::1:25': an IPv6 address needs brackets: [address]:port");
}

TEST(Network, V4) {
  auto net = parse_network("10.0.0.0/8");
  ASSERT_TRUE(net.ok());
  EXPECT_FALSE(net->v6);
  EXPECT_EQ(net->prefix, 8u);
  EXPECT_EQ(net->text, "10.0.0.0/8");
  EXPECT_TRUE(net->contains("10.1.2.3"));
  EXPECT_TRUE(net->contains("10.255.255.255"));
  EXPECT_FALSE(net->contains("11.0.0.1"));
  EXPECT_FALSE(net->contains("::1"));
  EXPECT_FALSE(net->contains("garbage"));
  // A dual-stack socket reports IPv4 clients as mapped addresses.
  EXPECT_TRUE(net->contains("::ffff:10.9.9.9"));
  EXPECT_FALSE(net->contains("::ffff:11.9.9.9"));
}

TEST(Network, OddPrefixesAndHostBits) {
  auto net = parse_network("192.168.1.77/26");
  ASSERT_TRUE(net.ok());
  EXPECT_EQ(net->address[3], 64);  // host bits cleared
  EXPECT_TRUE(net->contains("192.168.1.64"));
  EXPECT_TRUE(net->contains("192.168.1.127"));
  EXPECT_FALSE(net->contains("192.168.1.128"));
  EXPECT_FALSE(net->contains("192.168.1.63"));
  auto all = parse_network("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->contains("203.0.113.9"));
}

TEST(Network, HostIsSlash32Or128) {
  auto host = parse_network("192.168.1.7");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->prefix, 32u);
  EXPECT_TRUE(host->contains("192.168.1.7"));
  EXPECT_FALSE(host->contains("192.168.1.8"));
  auto v6host = parse_network("::1");
  ASSERT_TRUE(v6host.ok());
  EXPECT_EQ(v6host->prefix, 128u);
  EXPECT_TRUE(v6host->contains("::1"));
  EXPECT_TRUE(v6host->contains("[::1]"));
  EXPECT_FALSE(v6host->contains("::2"));
}

TEST(Network, V6) {
  for (const char* text : {"[::1]/128", "::1/128"}) {
    auto net = parse_network(text);
    ASSERT_TRUE(net.ok()) << text;
    EXPECT_TRUE(net->v6);
    EXPECT_TRUE(net->contains("::1"));
    EXPECT_FALSE(net->contains("127.0.0.1"));
  }
  auto doc = parse_network("[2001:db8::]/32");
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->contains("2001:db8:ffff::1"));
  EXPECT_FALSE(doc->contains("2001:db9::1"));
  auto odd = parse_network("fe80::/10");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->contains("febf::1"));
  EXPECT_FALSE(odd->contains("fec0::1"));
}

TEST(Network, Errors) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "host/8",
                          "10.0.0/8", "[::1/128", "10.0.0.0/8/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(parse_network(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sluice::config
