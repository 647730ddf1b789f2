// SaslExchange and its base64 decoder on their own: every reply of PLAIN and LOGIN.

#include "smtpd/sasl_exchange.h"

#include <gtest/gtest.h>

namespace sluice::smtpd {
namespace {

using namespace std::string_literals;

std::string describe(const SaslExchange::Step& step) {
  if (const auto* c = std::get_if<SaslExchange::Challenge>(&step)) return std::string(c->reply);
  if (const auto* r = std::get_if<SaslExchange::Refusal>(&step)) return std::string(r->reply);
  const auto& credentials = std::get<SaslExchange::Credentials>(step);
  return "user=" + credentials.user + " password=" + credentials.password;
}

TEST(DecodeBase64, Valid) {
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("YQ=="), "a");
  EXPECT_EQ(decode_base64("YWI="), "ab");
  EXPECT_EQ(decode_base64("YWJj"), "abc");
  EXPECT_EQ(decode_base64("AGFsaWNlAHNlY3JldA=="), "\0alice\0secret"s);
  EXPECT_EQ(decode_base64("+/+/"), "\xfb\xff\xbf");
}

TEST(DecodeBase64, Malformed) {
  for (std::string_view text : {"Y", "YQ", "YQ=", "Y===", "====", "YQ==YQ==", "YW=j", "YW J",
                                "YWJ\n", "YW-_", "*", "=", "QUJD\r\n"}) {
    EXPECT_FALSE(decode_base64(text)) << text;
  }
  EXPECT_FALSE(decode_base64("YW\0j"s));
}

TEST(SaslExchange, PlainWithAndWithoutInitialResponse) {
  SaslExchange a;
  EXPECT_EQ(describe(a.start("PLAIN", "AGFsaWNlAHNlY3JldA==")), "user=alice password=secret");
  SaslExchange b;
  EXPECT_EQ(describe(b.start("plain", std::nullopt)), "334 ");
  EXPECT_EQ(describe(b.respond("YWxpY2UAYWxpY2UAc2VjcmV0")),  // authzid = authcid
            "user=alice password=secret");
}

TEST(SaslExchange, PlainMalformedMessagesFail) {
  constexpr std::string_view kFailed = "535 5.7.8 Error: authentication failed";
  for (std::string_view encoded : {
           "Ym9iAGFsaWNlAHNlY3JldA==",  // bob\0alice\0secret: acting for another user
           "AGFsaWNlc2VjcmV0",          // \0alicesecret: one NUL
           "AGFsaWNlAA==",              // \0alice\0: no password
           "AABzZWNyZXQ=",              // \0\0secret: no user
           "AGFsaWNlAHNlYwByZXQ=",      // a third NUL
           "AGFsCWljZQBzZWNyZXQ=",      // a TAB in the user name
           "=",                         // the empty initial response
       }) {
    SaslExchange exchange;
    EXPECT_EQ(describe(exchange.start("PLAIN", encoded)), kFailed) << encoded;
  }
}

TEST(SaslExchange, LoginAskedAndWithInitialUser) {
  SaslExchange a;
  EXPECT_EQ(describe(a.start("LOGIN", std::nullopt)), "334 VXNlcm5hbWU6");
  EXPECT_EQ(describe(a.respond("YWxpY2U=")), "334 UGFzc3dvcmQ6");
  EXPECT_EQ(describe(a.respond("c2VjcmV0")), "user=alice password=secret");
  SaslExchange b;
  EXPECT_EQ(describe(b.start("Login", "YWxpY2U=")), "334 UGFzc3dvcmQ6");
  EXPECT_EQ(describe(b.respond("")), "535 5.7.8 Error: authentication failed");  // no password
  SaslExchange c;
  EXPECT_EQ(describe(c.start("LOGIN", std::nullopt)), "334 VXNlcm5hbWU6");
  EXPECT_EQ(describe(c.respond("")), "535 5.7.8 Error: authentication failed");  // no user
}

TEST(SaslExchange, CancelBadBase64AndUnknownMechanism) {
  SaslExchange a;
  a.start("LOGIN", std::nullopt);
  EXPECT_EQ(describe(a.respond("*")), "501 5.7.0 Authentication aborted");
  SaslExchange b;
  b.start("LOGIN", std::nullopt);
  b.respond("YWxpY2U=");
  EXPECT_EQ(describe(b.respond("*")), "501 5.7.0 Authentication aborted");
  SaslExchange c;
  c.start("PLAIN", std::nullopt);
  EXPECT_EQ(describe(c.respond("not base64!")), "501 5.5.2 Cannot decode response");
  SaslExchange d;
  EXPECT_EQ(describe(d.start("PLAIN", "%%%%")), "501 5.5.2 Cannot decode response");
  for (std::string_view mechanism : {"CRAM-MD5", "XOAUTH2", "PLAINX", "LOGI"}) {
    SaslExchange e;
    EXPECT_EQ(describe(e.start(mechanism, std::nullopt)),
              "504 5.5.4 Unsupported authentication mechanism");
  }
}

}  // namespace
}  // namespace sluice::smtpd
