// ReplyParser: single and multi-line replies, enhanced codes, every split at every byte,
// pipelined batches, limits and malformed input.

#include "sluice/delivery/smtp_reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::delivery {
namespace {

// Every reply in `bytes`, fed in one piece; stops at the first error (which becomes "ERR:").
std::vector<std::string> parse_all(const std::vector<std::string_view>& pieces,
                                   ReplyLimits limits = {}) {
  ReplyParser parser(limits);
  std::vector<std::string> replies;
  for (auto piece : pieces) {
    parser.feed(piece);
    while (auto next = parser.next()) {
      if (!next->ok()) {
        replies.push_back("ERR:" + next->error().message);
        return replies;
      }
      replies.push_back(next->value().enhanced + "|" + next->value().to_string());
    }
  }
  return replies;
}

SmtpReply parse_one(std::string_view bytes) {
  ReplyParser parser;
  parser.feed(bytes);
  auto next = parser.next();
  EXPECT_TRUE(next.has_value());
  EXPECT_TRUE(next->ok()) << next->error().message;
  return next->value();
}

TEST(ReplyParser, SingleLineReply) {
  const auto reply = parse_one("250 2.1.0 Ok sender\r\n");
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.enhanced, "2.1.0");
  ASSERT_EQ(reply.lines.size(), 1u);
  EXPECT_EQ(reply.lines[0], "2.1.0 Ok sender");
  EXPECT_EQ(reply.reply_class(), 2);
  EXPECT_TRUE(reply.positive());
  EXPECT_EQ(reply.to_string(), "250 2.1.0 Ok sender");
}

TEST(ReplyParser, MultiLineEhloReply) {
  const auto reply =
      parse_one("250-mx.example.com Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.enhanced, "");
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"mx.example.com Hello", "PIPELINING",
                                                   "SIZE 1000", "8BITMIME"}));
  EXPECT_EQ(reply.to_string(), "250 mx.example.com Hello; PIPELINING; SIZE 1000; 8BITMIME");
}

TEST(ReplyParser, LineOfOnlyTheCode) {
  const auto reply = parse_one("354\r\n");
  EXPECT_EQ(reply.code, 354);
  EXPECT_EQ(reply.lines, std::vector<std::string>{""});
  EXPECT_EQ(reply.to_string(), "354");
  const auto multi = parse_one("250-\r\n250-x\r\n250\r\n");
  EXPECT_EQ(multi.lines, (std::vector<std::string>{"", "x", ""}));
  EXPECT_EQ(multi.to_string(), "250 x");
}

TEST(ReplyParser, EnhancedCodeOnlyWhenWellFormedAndTheClassMatches) {
  EXPECT_EQ(parse_one("451 4.7.0 Try again later\r\n").enhanced, "4.7.0");
  EXPECT_EQ(parse_one("550 5.1.1\r\n").enhanced, "5.1.1");
  EXPECT_EQ(parse_one("550 5.123.456 x\r\n").enhanced, "5.123.456");
  EXPECT_EQ(parse_one("550 4.1.1 mismatched class\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 5.1234.1 too long\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 5.1.1234 too long\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 5.1.1x glued\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 5..1 empty\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 5.1 short\r\n").enhanced, "");
  EXPECT_EQ(parse_one("354 3.0.0 not a class\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550 User unknown\r\n").enhanced, "");
  // Only the first line counts.
  EXPECT_EQ(parse_one("550-Sorry\r\n550 5.1.1 unknown\r\n").enhanced, "");
  EXPECT_EQ(parse_one("550-5.1.1 The account\r\n550 5.1.1 does not exist\r\n").enhanced, "5.1.1");
}

TEST(ReplyParser, BareLfIsTolerated) {
  EXPECT_EQ(parse_all({"220 mx ready\n250-a\n250 b\r\n"}),
            (std::vector<std::string>{"|220 mx ready", "|250 a; b"}));
}

TEST(ReplyParser, PipelinedBatchInOrder) {
  EXPECT_EQ(parse_all({"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n354 Go\r\n"}),
            (std::vector<std::string>{"2.1.0|250 2.1.0 Ok", "2.1.5|250 2.1.5 Ok",
                                      "5.1.1|550 5.1.1 No such user", "|354 Go"}));
}

TEST(ReplyParser, EverySplitAtEveryByteGivesTheSameReplies) {
  const std::string stream =
      "220 mx.example.com ESMTP\r\n"
      "250-mx.example.com\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000\r\n"
      "334 VXNlcm5hbWU6\r\n235 2.7.0 Authentication successful\r\n"
      "250 2.1.0 Ok\r\n451 4.7.1 Greylisted\n550-5.1.1 No such\r\n550 5.1.1 user\r\n"
      "354\r\n421 4.4.2 closing\r\n";
  const auto whole = parse_all({stream});
  ASSERT_EQ(whole.size(), 9u);
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    const std::string_view s(stream);
    EXPECT_EQ(parse_all({s.substr(0, i), s.substr(i)}), whole) << "split at " << i;
  }
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); j += 7) {
      const std::string_view s(stream);
      EXPECT_EQ(parse_all({s.substr(0, i), s.substr(i, j - i), s.substr(j)}), whole);
    }
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i)
    bytes.push_back(std::string_view(stream).substr(i, 1));
  EXPECT_EQ(parse_all(bytes), whole);
}

TEST(ReplyParser, IncompleteReplyWaitsAndCountsAsBuffered) {
  ReplyParser parser;
  parser.feed("250-mx\r\n250-PIPE");
  EXPECT_FALSE(parser.next().has_value());
  EXPECT_EQ(parser.buffered(), 16u);  // the finished first line is not a reply yet
  parser.feed("LINING\r\n250 SIZE\r\n220 ");
  auto next = parser.next();
  ASSERT_TRUE(next && next->ok());
  EXPECT_EQ(next->value().lines.size(), 3u);
  EXPECT_EQ(parser.buffered(), 4u);  // "220 " is left: after STARTTLS the shell must refuse it
  EXPECT_FALSE(parser.next().has_value());
  parser.feed("go\r\n");
  ASSERT_TRUE(parser.next());
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(ReplyParser, MalformedLinesAreErrors) {
  using namespace std::string_view_literals;
  const std::string_view malformed[] = {"\r\n"sv,        "25\r\n",    "2500 x\r\n", "250x\r\n",
                                        "abc def\r\n",   "099 x\r\n", "150 x\r\n",  "600 x\r\n",
                                        "25a x\r\n",     "250_x\r\n", " 250 x\r\n", "250 a\rb\r\n",
                                        "250 a\0b\r\n"sv};
  for (std::string_view bad : malformed) {
    const auto replies = parse_all({bad});
    ASSERT_EQ(replies.size(), 1u) << bad;
    EXPECT_TRUE(replies[0].starts_with("ERR:malformed reply line")) << bad << " -> " << replies[0];
  }
}

TEST(ReplyParser, CodeChangingWithinAMultiLineReplyIsAnError) {
  EXPECT_EQ(parse_all({"250-a\r\n251 b\r\n"}),
            std::vector<std::string>{"ERR:reply code changed within a multi-line reply"});
}

TEST(ReplyParser, ErrorsAreStickyAndLaterBytesIgnored) {
  ReplyParser parser;
  parser.feed("garbage\r\n250 ok\r\n");
  auto first = parser.next();
  ASSERT_TRUE(first && !first->ok());
  parser.feed("250 more\r\n");
  auto second = parser.next();
  ASSERT_TRUE(second && !second->ok());
  EXPECT_EQ(second->error().message, first->error().message);
  EXPECT_EQ(first->error().code, ErrorCode::invalid);
}

TEST(ReplyParser, LineLimitIncludesCrLf) {
  const ReplyLimits limits{12, 10};
  EXPECT_EQ(parse_all({"250 abcdef\r\n"}, limits), std::vector<std::string>{"|250 abcdef"});
  EXPECT_EQ(parse_all({"250 abcdefgh\r\n"}, limits),
            std::vector<std::string>{"ERR:reply line longer than the limit"});
  // An endless line is refused once it cannot fit, without waiting for its LF.
  ReplyParser parser(limits);
  parser.feed("250 abcdef\r");
  EXPECT_FALSE(parser.next().has_value());
  parser.feed("x");
  auto next = parser.next();
  ASSERT_TRUE(next && !next->ok());
}

TEST(ReplyParser, LineCountLimit) {
  const ReplyLimits limits{100, 3};
  EXPECT_EQ(parse_all({"250-a\r\n250-b\r\n250 c\r\n"}, limits),
            std::vector<std::string>{"|250 a; b; c"});
  EXPECT_EQ(parse_all({"250-a\r\n250-b\r\n250-c\r\n250 d\r\n"}, limits),
            std::vector<std::string>{"ERR:reply has too many lines"});
}

TEST(ReplyParser, LongConversationKeepsTheBufferSmall) {
  ReplyParser parser;
  for (int i = 0; i < 10000; ++i) {
    parser.feed("250 2.1.5 Ok\r\n");
    auto next = parser.next();
    ASSERT_TRUE(next && next->ok());
    EXPECT_EQ(parser.buffered(), 0u);
  }
}

TEST(SmtpReply, ToStringSkipsEmptyLines) {
  SmtpReply reply{550, "", {"", "first", "", "second"}};
  EXPECT_EQ(reply.to_string(), "550 first; second");
  EXPECT_EQ((SmtpReply{421, "", {}}).to_string(), "421");
}

}  // namespace
}  // namespace sluice::delivery
