#include "sluice/mail/address.h"

#include <gtest/gtest.h>

namespace sluice::mail {
namespace {

std::string mailbox_of(std::string_view path, bool utf8 = false) {
  auto address = parse_path(path, utf8);
  return address ? address->mailbox() : "ERROR: " + address.error().message;
}

TEST(Address, PlainPaths) {
  EXPECT_EQ(mailbox_of("<user@example.com>"), "user@example.com");
  EXPECT_EQ(mailbox_of("user@example.com"), "user@example.com");  // brackets optional
  EXPECT_EQ(mailbox_of("<User.Name+tag@Sub.Example.COM>"), "User.Name+tag@Sub.Example.COM");
  EXPECT_EQ(mailbox_of("<a!#$%&'*+-/=?^_`{|}~@x.y>"), "a!#$%&'*+-/=?^_`{|}~@x.y");
}

TEST(Address, NullPath) {
  auto address = parse_path("<>", false);
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->is_null());
  EXPECT_EQ(address->mailbox(), "");
  EXPECT_FALSE(parse_path("", false));
  EXPECT_FALSE(parse_recipient_path("<>", false));
}

TEST(Address, SourceRoutesAreStripped) {
  EXPECT_EQ(mailbox_of("<@a.test,@b.test:u@d.test>"), "u@d.test");
  EXPECT_EQ(mailbox_of("<@a.test:u@d.test>"), "u@d.test");
  EXPECT_FALSE(parse_path("<@a.test u@d.test>", false));
  EXPECT_FALSE(parse_path("<@:u@d.test>", false));
  EXPECT_FALSE(parse_path("<@a..b:u@d.test>", false));
  EXPECT_FALSE(parse_path("<@a.test,:u@d.test>", false));  // a trailing comma
  EXPECT_FALSE(parse_path("<@a.test,,@b.test:u@d.test>", false));
  EXPECT_FALSE(parse_path("<@a.test:>", false));
}

TEST(Address, QuotedLocalParts) {
  EXPECT_EQ(mailbox_of("<\"a b\"@x.test>"), "\"a b\"@x.test");
  EXPECT_EQ(mailbox_of("<\"a\\\"b@c\"@x.test>"), "\"a\\\"b@c\"@x.test");
  EXPECT_EQ(mailbox_of("<\"a>b\"@x.test>"), "\"a>b\"@x.test");
  EXPECT_FALSE(parse_path("<\"unterminated@x.test>", false));
  EXPECT_FALSE(parse_path("<\"a\"b@x.test>", false));
  EXPECT_EQ(mailbox_of("<\"\"@x.test>"), "\"\"@x.test");              // RFC 5321 allows it empty
  EXPECT_EQ(mailbox_of("<\"a\\\\b\"@x.test>"), "\"a\\\\b\"@x.test");  // an escaped backslash
  EXPECT_FALSE(parse_path("<\"a\\\"@x.test>", false));                // the closing quote escaped
  EXPECT_FALSE(parse_path("<\"a\\", false));
  EXPECT_FALSE(parse_path("<\"a\tb\"@x.test>", true));  // qtext has no controls
  EXPECT_FALSE(parse_path("<\"\xe7\x94\xa8\"@x.test>", false));
  EXPECT_EQ(mailbox_of("<\"\xe7\x94\xa8 x\"@x.test>", true),
            "\"\xe7\x94\xa8 x\"@x.test");                          // RFC 6531
  EXPECT_FALSE(parse_path("<\"a\\\xe7\x94\xa8\"@x.test>", true));  // quoted-pair is ASCII only
}

TEST(Address, AddressLiterals) {
  EXPECT_EQ(mailbox_of("<u@[192.0.2.1]>"), "u@[192.0.2.1]");
  EXPECT_EQ(mailbox_of("<u@[IPv6:2001:db8::1]>"), "u@[IPv6:2001:db8::1]");
  EXPECT_EQ(mailbox_of("<u@[ipv6:::1]>"), "u@[ipv6:::1]");
  EXPECT_EQ(mailbox_of("<u@[IPv6:1:2:3:4:5:6:7:8]>"), "u@[IPv6:1:2:3:4:5:6:7:8]");
  EXPECT_EQ(mailbox_of("<u@[IPv6:::ffff:192.0.2.1]>"), "u@[IPv6:::ffff:192.0.2.1]");
  for (auto bad : {"<u@[256.0.0.1]>", "<u@[1.2.3]>", "<u@[1.2.3.4.5]>", "<u@[IPv6:1::2::3]>",
                   "<u@[IPv6:1:2:3:4:5:6:7:8:9]>", "<u@[IPv6:12345::]>", "<u@[tag:foo]>",
                   "<u@[1.2.3.4>", "<u@[]>", "<u@[IPv6:1:2:3:4:5:6:7]>"}) {
    EXPECT_FALSE(parse_path(bad, false)) << bad;
  }
}

TEST(Address, Lengths) {
  const std::string local64(64, 'l');
  EXPECT_TRUE(parse_path("<" + local64 + "@x.test>", false));
  EXPECT_FALSE(parse_path("<" + local64 + "l@x.test>", false));
  const std::string label63(63, 'd');
  EXPECT_TRUE(parse_path("<u@" + label63 + ".test>", false));
  EXPECT_FALSE(parse_path("<u@" + label63 + "d.test>", false));
  std::string domain;
  while (domain.size() < 240) domain += "abcdefghi.";
  domain += "abcdefghijkl";  // 252: "<u@" + domain + ">" is exactly 256
  ASSERT_EQ(domain.size(), 252u);
  EXPECT_TRUE(parse_path("<u@" + domain + ">", false));
  EXPECT_FALSE(parse_path("<uv@" + domain + ">", false));  // 257
  domain += "abc";                                         // 255
  EXPECT_TRUE(is_valid_domain(domain, false));
  EXPECT_FALSE(is_valid_domain(domain + "d", false));  // 256
}

// Found by the address fuzz target: "uv@" + 252 bytes was accepted without brackets, although
// "<uv@...>" is 257 bytes and is refused (so the stored sender could not be sent on).
TEST(Address, PathWithoutBracketsCountsThem) {
  std::string domain;
  while (domain.size() < 240) domain += "abcdefghi.";
  domain += "abcdefghijkl";  // 252
  EXPECT_TRUE(parse_path("u@" + domain, false));
  EXPECT_EQ(parse_path("uv@" + domain, false).error().message, "path too long");
  EXPECT_EQ(parse_recipient_path("uv@" + domain, false).error().message, "path too long");
  EXPECT_FALSE(parse_path("<uv@" + domain + ">", false));
}

TEST(Address, RejectsControlsAndNewlines) {
  const std::string_view bad_paths[] = {
      "<a\r@b.test>",       "<a@b.test\n>",   std::string_view("<a\0@b.test>", 12),
      "<a\x01@b.test>",     "<a@b\x7f.test>", "<a\t@b.test>",
      "<\"a\r\nb\"@b.test>"};
  for (auto bad : bad_paths) {
    EXPECT_FALSE(parse_path(bad, true)) << bad;
  }
}

TEST(Address, MalformedPaths) {
  for (auto bad : {"<a@b.test", "a@b.test>", "<<a@b.test>>", "<@>", "<a@>", "<@b.test>", "<a>",
                   "<a@b@c.test>", "<a b@c.test>", "<a@b..test>", "<a@.b.test>", "<a@b.test.>",
                   "<a@b test>", "<a@-_ok>x", "<a@b,c>", "<>x"}) {
    EXPECT_FALSE(parse_path(bad, false)) << bad;
  }
  EXPECT_TRUE(parse_path("<a..b.@x.test>", false));  // liberal dots, as Postfix
}

TEST(Address, Utf8OnlyWhenAllowed) {
  const std::string path = "<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.test>";
  EXPECT_FALSE(parse_path(path, false));
  auto address = parse_path(path, true);
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->utf8);
  EXPECT_FALSE(parse_path("<\xff@x.test>", true));          // not UTF-8
  EXPECT_FALSE(parse_path("<\xc0\xaf@x.test>", true));      // overlong
  EXPECT_FALSE(parse_path("<\xed\xa0\x80@x.test>", true));  // surrogate
  EXPECT_FALSE(parse_path("<\xe7\x94@x.test>", true));      // truncated
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

// Found by address_fuzz: the utf8 flag counted a UTF-8 source route that is not kept.
TEST(Address, Utf8FlagIgnoresTheDroppedSourceRoute) {
  auto address = parse_path("<@\xd2\x9a.test:u@example.com>", true);
  ASSERT_TRUE(address);
  EXPECT_EQ(address->mailbox(), "u@example.com");
  EXPECT_FALSE(address->utf8);
}

TEST(Address, Postmaster) {
  for (auto path : {"<postmaster>", "<Postmaster>", "POSTMASTER"}) {
    auto address = parse_recipient_path(path, false);
    ASSERT_TRUE(address) << path;
    EXPECT_EQ(address->mailbox(), "postmaster");
  }
  EXPECT_FALSE(parse_path("<postmaster>", false));  // not as a sender
  EXPECT_EQ(parse_recipient_path("<postmaster@x.test>", false)->mailbox(), "postmaster@x.test");
}

}  // namespace
}  // namespace sluice::mail
