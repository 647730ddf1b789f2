// dot_stuffed (RFC 5321 4.5.2) and the base64 the AUTH exchanges use (RFC 4648 vectors).

#include <gtest/gtest.h>

#include "delivery/base64.h"
#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {
namespace {

TEST(DotStuffing, BodyWithoutLeadingDotsOnlyGetsTheTerminator) {
  EXPECT_EQ(dot_stuffed("Subject: x\r\n\r\nhello\r\n"), "Subject: x\r\n\r\nhello\r\n.\r\n");
  EXPECT_EQ(dot_stuffed("a.b\r\nc. d\r\n"), "a.b\r\nc. d\r\n.\r\n");
}

TEST(DotStuffing, EveryLeadingDotIsDoubled) {
  EXPECT_EQ(dot_stuffed(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(dot_stuffed(".start\r\nmid\r\n..two\r\n.\r\nend\r\n"),
            "..start\r\nmid\r\n...two\r\n..\r\nend\r\n.\r\n");
  EXPECT_EQ(dot_stuffed("x\r\n.\r\n.\r\n"), "x\r\n..\r\n..\r\n.\r\n");
}

TEST(DotStuffing, MissingFinalCrLfIsAdded) {
  EXPECT_EQ(dot_stuffed("no newline"), "no newline\r\n.\r\n");
  EXPECT_EQ(dot_stuffed("a\r\n."), "a\r\n..\r\n.\r\n");
  EXPECT_EQ(dot_stuffed("ends in CR\r"), "ends in CR\r\r\n.\r\n");
}

TEST(DotStuffing, EmptyBodyIsJustTheTerminator) { EXPECT_EQ(dot_stuffed(""), ".\r\n"); }

TEST(DotStuffing, DotAfterABareLfIsStuffedToo) {
  // Some servers end lines at a bare LF: a dot there must not end the message for them.
  EXPECT_EQ(dot_stuffed("a\n.\r\n"), "a\n..\r\n.\r\n");
}

TEST(DotStuffing, StuffedBodyNeverContainsAnEarlyTerminator) {
  const std::string body = ".\r\n..\r\n.x\r\n\r\n.\r\n";
  const auto out = dot_stuffed(body);
  EXPECT_EQ(out.find("\r\n.\r\n"), out.size() - 5);
  EXPECT_FALSE(out.starts_with(".\r\n"));
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encoded(""), "");
  EXPECT_EQ(base64_encoded("f"), "Zg==");
  EXPECT_EQ(base64_encoded("fo"), "Zm8=");
  EXPECT_EQ(base64_encoded("foo"), "Zm9v");
  EXPECT_EQ(base64_encoded("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encoded("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encoded("foobar"), "Zm9vYmFy");
}

TEST(Base64, BinaryAndHighBytes) {
  EXPECT_EQ(base64_encoded(std::string("\0user\0pass", 10)), "AHVzZXIAcGFzcw==");
  EXPECT_EQ(base64_encoded("\xff\xfe\xfd"), "//79");
  EXPECT_EQ(base64_encoded("\xfb\xef"), "++8=");
}

}  // namespace
}  // namespace sluice::delivery
