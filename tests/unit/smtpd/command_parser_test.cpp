#include "sluice/smtpd/command_parser.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice::smtpd {
namespace {

TEST(CommandParser, Verbs) {
  EXPECT_EQ(parse_command_line("EHLO x").verb, Verb::ehlo);
  EXPECT_EQ(parse_command_line("ehlo x").verb, Verb::ehlo);
  EXPECT_EQ(parse_command_line("StartTLS").verb, Verb::starttls);
  EXPECT_EQ(parse_command_line("BDAT 1").verb, Verb::bdat);
  EXPECT_EQ(parse_command_line("MAILX FROM:<>").verb, Verb::unknown);
  EXPECT_EQ(parse_command_line("").verb, Verb::empty);
  EXPECT_EQ(parse_command_line("   ").verb, Verb::empty);
  const auto c = parse_command_line("  HELO   some name  ");
  EXPECT_EQ(c.verb, Verb::helo);
  EXPECT_EQ(c.argument, "some name");
  EXPECT_EQ(parse_command_line("DATA").argument, "");
}

TEST(CommandParser, SplitPathArgument) {
  auto s = split_path_argument("FROM:<a@b> SIZE=1 BODY=8BITMIME", "FROM");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "<a@b>");
  EXPECT_EQ(s->parameters, "SIZE=1 BODY=8BITMIME");
  s = split_path_argument("to: <\"a> b\"@c>  X=1 ", "TO");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "<\"a> b\"@c>");
  EXPECT_EQ(s->parameters, "X=1");
  s = split_path_argument("FROM:a@b SIZE=1", "FROM");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "a@b");
  EXPECT_EQ(s->parameters, "SIZE=1");
  EXPECT_FALSE(split_path_argument("FROM <a@b>", "FROM"));
  EXPECT_FALSE(split_path_argument("TO:<a@b>", "FROM"));
  EXPECT_FALSE(split_path_argument("FROM:<a@b", "FROM"));
  EXPECT_FALSE(split_path_argument("FROM:<a@b>SIZE=1", "FROM"));
  EXPECT_FALSE(split_path_argument("FROM:", "FROM"));
}

TEST(CommandParser, MailParameters) {
  auto p = parse_mail_parameters("size=100 BODY=8bitmime smtputf8");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->size_given);
  EXPECT_EQ(p->size, 100u);
  EXPECT_EQ(p->body, Body::eight_bit_mime);
  EXPECT_TRUE(p->smtputf8);
  EXPECT_EQ(parse_mail_parameters("BODY=7BIT")->body, Body::seven_bit);
  EXPECT_EQ(parse_mail_parameters("SIZE=99999999999999999999999")->size,
            std::numeric_limits<std::uint64_t>::max());
  auto bad = parse_mail_parameters("SIZE=1x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid);
  bad = parse_mail_parameters("SIZE=1 BODY=BINARYMIME");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::failed);
  EXPECT_EQ(bad.error().message, "BODY=BINARYMIME");
  EXPECT_EQ(parse_mail_parameters("SMTPUTF8=yes").error().message, "SMTPUTF8=yes");
  EXPECT_EQ(parse_mail_parameters("AUTH=<>").error().message, "AUTH=<>");
  EXPECT_EQ(parse_mail_parameters("SIZE").error().message, "SIZE");
}

TEST(CommandParser, RcptParameters) {
  EXPECT_TRUE(parse_rcpt_parameters(""));
  EXPECT_EQ(parse_rcpt_parameters("NOTIFY=NEVER").error().message, "NOTIFY=NEVER");
}

TEST(CommandParser, Bdat) {
  auto b = parse_bdat_argument("1024");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size, 1024u);
  EXPECT_FALSE(b->last);
  b = parse_bdat_argument("0 last");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->last);
  EXPECT_EQ(parse_bdat_argument("18446744073709551615")->size,
            std::numeric_limits<std::uint64_t>::max());
  for (auto bad : {"", "x", "-1", "1 2", "1 LAST x", "18446744073709551616",
                   "000000000000000000001", "1 FIRST"}) {
    EXPECT_FALSE(parse_bdat_argument(bad)) << bad;
  }
}

}  // namespace
}  // namespace sluice::smtpd
