// The server protocol's framing: input split at every byte, pipelining, smuggling, dot
// stuffing, BDAT chunks, size, hop and line limits, bounded buffering.

#include <gtest/gtest.h>

#include "protocol_driver.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {
namespace {

using testing::ProtocolDriver;
using testing::run_pieces;
using testing::test_limits;

constexpr std::string_view kEhlo = "EHLO client.test\r\n";
constexpr std::string_view kEnvelope =
    "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\n";
constexpr std::string_view k354 = "354 End data with <CR><LF>.<CR><LF>\r\n";

// A realistic pipelined session: DATA with dot stuffing and folded campaign headers, an error
// in between, then a BDAT transaction whose last chunk hides a bare CR.
std::string realistic_session() {
  std::string s;
  s += "EHLO client.test\r\n";
  s += "MAIL FROM:<a@b.test> SIZE=300 BODY=8BITMIME\r\nRCPT TO:<r1@example.com>\r\n";
  s += "RCPT TO:<r2@example.com>\r\nRCPT TO:<>\r\nDATA\r\n";
  s += "Received: from x\r\nX-Campaign-ID: spring\r\n\tsale\r\nX-Campaign-Group:  g \r\n";
  s += "Subject: test\r\n\r\n..dotted\r\n.\r\n";
  s += "NOOP\r\nMAIL FROM:<c@d.test>\r\nRCPT TO:<r3@example.com>\r\n";
  s += "BDAT 9\r\nSubject: ";
  s += "BDAT 12 LAST\r\nx\r\n\r\nbo\rdy..";  // a bare CR inside the last chunk
  s += "NOOP\r\nQUIT\r\n";                   // never read: the connection closes
  return s;
}

TEST(ServerProtocolFraming, RealisticSessionReference) {
  const auto transcript = run_pieces({realistic_session()});
  EXPECT_NE(transcript.find("<COMMIT from=a@b.test to=r1@example.com,r2@example.com, utf8=0 "
                            "8bit=1 campaign=spring\tsale group=g helo=client.test proto=ESMTP "
                            "data=[Received: from x\r\n"),
            std::string::npos)
      << transcript;
  EXPECT_NE(transcript.find("250 2.0.0 Ok: 9 octets received\r\n"), std::string::npos);
  EXPECT_NE(transcript.find("550 5.5.2 Error: bare <CR> received\r\n<CLOSE>"), std::string::npos)
      << transcript;
}

std::string clean_bdat_session() {
  std::string s(kEnvelope);
  s += "BDAT 11\r\nSubject: a\r";
  s += "BDAT 12 LAST\r\n\n\r\nbody\r\n.\r\n";  // the chunk boundary splits the CRLF
  s += "MAIL FROM:<x@b.test>\r\nRCPT TO:<y@example.com>\r\nDATA\r\nhello\r\n..\r\n.\r\n";
  s += "QUIT\r\n";
  return s;
}

TEST(ServerProtocolFraming, BdatCrLfAcrossChunksIsFine) {
  const auto transcript = run_pieces({clean_bdat_session()});
  EXPECT_NE(transcript.find("250 2.0.0 Ok: 11 octets received\r\n<COMMIT from=a@b.test "
                            "to=r@example.com, utf8=0 8bit=0 campaign= group= helo=client.test "
                            "proto=ESMTP data=[Subject: a\r\n\r\nbody\r\n.\r\n]>250 2.0.0 Ok: "
                            "queued as Q1\r\n"),
            std::string::npos)
      << transcript;
  EXPECT_NE(transcript.find("data=[hello\r\n.\r\n]>250 2.0.0 Ok: queued as Q2\r\n221 2.0.0 "
                            "Bye\r\n<CLOSE>"),
            std::string::npos)
      << transcript;
}

void expect_same_for_every_split(const std::string& input, const ProtocolLimits& limits) {
  const auto reference = run_pieces({input}, limits);
  // One byte at a time.
  {
    ProtocolDriver d(limits);
    for (char c : input) d.feed(std::string_view(&c, 1));
    EXPECT_EQ(d.take(), reference) << "byte by byte";
  }
  // Every 2-way split.
  for (std::size_t i = 1; i < input.size(); ++i) {
    const std::string_view all(input);
    ASSERT_EQ(run_pieces({all.substr(0, i), all.substr(i)}, limits), reference) << "split at " << i;
  }
}

TEST(ServerProtocolFraming, EverySplitOfRealisticSessions) {
  expect_same_for_every_split(realistic_session(), test_limits());
  expect_same_for_every_split(clean_bdat_session(), test_limits());
}

TEST(ServerProtocolFraming, EverySplitWithLimitsHit) {
  auto limits = test_limits();
  limits.line_length_limit = 32;
  limits.message_size_limit = 40;
  limits.hopcount_limit = 1;
  std::string s(kEnvelope);
  s += "NOOP " + std::string(100, 'n') + "\r\nNOOP\r\n";
  s += "DATA\r\n" + std::string(60, 'y') + "\r\n.\r\n";  // too big
  s += "MAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nBDAT 50\r\n" + std::string(50, 'z');
  s += "BDAT 0 LAST\r\n";  // too big
  s += "MAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n";
  s += "Received: a\r\nReceived: b\r\n\r\n.\r\n";  // hops
  s += "NOOP\nQUIT\r\n";
  const auto reference = run_pieces({s}, limits);
  EXPECT_EQ(reference,
            "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 40\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
            "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n" +
                std::string(k354) +
                "552 5.3.4 Message size exceeds fixed limit\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
                "250 2.0.0 Ok: 50 octets received\r\n552 5.3.4 Message size exceeds fixed limit\r\n"
                "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" +
                std::string(k354) +
                "554 5.4.6 Too many hops\r\n500 5.5.2 Error: bare <LF> received\r\n"
                "221 2.0.0 Bye\r\n<CLOSE>");
  expect_same_for_every_split(s, limits);
}

// <LF>.<LF>, <CR>.<CR>, <LF>.<CRLF>, <CRLF>.<LF>: none ends the data; what follows is data
// up to the real <CRLF>.<CRLF>, then the message is refused and the connection closed.
TEST(ServerProtocolFraming, SmugglingVariantsAreNotEndOfData) {
  const std::pair<std::string_view, std::string_view> variants[] = {
      {"\n.\n", "<LF>"}, {"\r.\r", "<CR>"}, {"\n.\r\n", "<LF>"}, {"\r\n.\n", "<LF>"}};
  for (auto [variant, kind] : variants) {
    std::string s(kEnvelope);
    s += "DATA\r\nSubject: s\r\n\r\nfirst";
    s += variant;
    s += "MAIL FROM:<evil@b.test>\r\nRCPT TO:<smuggled@example.com>\r\nDATA\r\nsmuggled";
    ProtocolDriver d;
    d.feed(s);
    const auto before_end = d.take();
    EXPECT_TRUE(before_end.ends_with(k354));  // the smuggled commands were taken as data
    EXPECT_EQ(before_end.find("250 2.1.0 Ok"), before_end.rfind("250 2.1.0 Ok"));
    d.feed("\r\n.\r\nNOOP\r\n");
    EXPECT_EQ(d.take(), "550 5.5.2 Error: bare " + std::string(kind) + " received\r\n<CLOSE>");
    EXPECT_TRUE(d.commits.empty());
    expect_same_for_every_split(s + "\r\n.\r\nNOOP\r\n", test_limits());
  }
}

TEST(ServerProtocolFraming, BareCrOrLfAnywhereInDataRefusesMessage) {
  for (std::string_view body :
       {"a\rb\r\n", "a\nb\r\n", "a\r\r\n", "\n", "x\r\n.\rx\r\n", "x\r\n.x\ny\r\n"}) {
    ProtocolDriver d;
    d.feed(std::string(kEnvelope) + "DATA\r\n" + std::string(body) + "\r\n.\r\n");
    const auto transcript = d.take();
    EXPECT_NE(transcript.find("550 5.5.2 Error: bare"), std::string::npos) << body;
    EXPECT_TRUE(d.commits.empty());
  }
}

TEST(ServerProtocolFraming, DotUnstuffing) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {".\r\n", ""},
      {"..\r\n.\r\n", ".\r\n"},
      {"...\r\n.\r\n", "..\r\n"},
      {"..x\r\n.\r\n", ".x\r\n"},
      {".x\r\n.\r\n", "x\r\n"},
      {"a.\r\n.b\r\n\r\n.\r\n", "a.\r\nb\r\n\r\n"},
      {"a\r\n. \r\n.\r\n", "a\r\n \r\n"},
  };
  for (auto [input, expected] : cases) {
    ProtocolDriver d;
    d.feed(std::string(kEnvelope) + "DATA\r\n" + std::string(input));
    ASSERT_EQ(d.commits.size(), 1u) << input;
    EXPECT_EQ(d.commits[0].data, expected) << input;
  }
}

TEST(ServerProtocolFraming, BdatChecks) {
  ProtocolDriver d;
  d.feed(std::string(kEhlo) + "BDAT 5\r\nhello");
  EXPECT_NE(d.take().find("503 5.5.1 Error: need RCPT command\r\n"), std::string::npos);
  d.feed("MAIL FROM:<a@b.test>\r\nBDAT 3 LAST\r\nabcNOOP\r\n");
  EXPECT_EQ(d.take(), "250 2.1.0 Ok\r\n503 5.5.1 Error: need RCPT command\r\n250 2.0.0 Ok\r\n");
  d.feed("RCPT TO:<r@example.com>\r\nBDAT 2\r\nabDATA\r\n");
  EXPECT_EQ(d.take(),
            "250 2.1.5 Ok\r\n250 2.0.0 Ok: 2 octets received\r\n503 5.5.1 Error: "
            "DATA after BDAT\r\n");
  d.feed("bdat 0 last\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].data, "ab");
  EXPECT_EQ(d.take().find("250 2.0.0 Ok: queued as Q1\r\n") != std::string::npos, true);
}

TEST(ServerProtocolFraming, BdatZeroLastIsEmptyMessage) {
  ProtocolDriver d;
  d.feed(std::string(kEnvelope) + "BDAT 0 LAST\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].data, "");
}

TEST(ServerProtocolFraming, BdatBadSizeCloses) {
  for (std::string_view line : {"BDAT x\r\n", "BDAT\r\n", "BDAT 123456789012345678901\r\n",
                                "BDAT 99999999999999999999\r\n", "BDAT 5 NOTLAST\r\n"}) {
    ProtocolDriver d;
    d.feed(std::string(kEnvelope) + std::string(line) + "NOOP\r\n");
    const auto transcript = d.take();
    EXPECT_TRUE(transcript.ends_with("501 5.5.4 Syntax: BDAT size [LAST]\r\n<CLOSE>")) << line;
  }
}

TEST(ServerProtocolFraming, BdatBareLineEndsRefused) {
  for (std::pair<std::string_view, std::string_view> c :
       {std::pair<std::string_view, std::string_view>{"BDAT 2\r\na\rBDAT 2 LAST\r\nb\n", "<LF>"},
        {"BDAT 2\r\na\rBDAT 2 LAST\r\nbc", "<CR>"},
        {"BDAT 2 LAST\r\na\r", "<CR>"}}) {
    ProtocolDriver d;
    d.feed(std::string(kEnvelope) + std::string(c.first));
    EXPECT_TRUE(d.take().ends_with("550 5.5.2 Error: bare " + std::string(c.second) +
                                   " received\r\n<CLOSE>"))
        << c.first;
    EXPECT_TRUE(d.commits.empty());
  }
}

TEST(ServerProtocolFraming, SizeLimitDuringDataKeepsReadingToTheEnd) {
  auto limits = test_limits();
  limits.message_size_limit = 2000;
  ProtocolDriver d(limits);
  d.feed(std::string(kEnvelope) + "DATA\r\nSubject: big\r\n\r\n");
  for (int i = 0; i < 100; ++i) d.feed(std::string(99, 'y') + "\r\n");
  d.take();
  d.feed(".\r\nNOOP\r\n");
  EXPECT_EQ(d.take(), "552 5.3.4 Message size exceeds fixed limit\r\n250 2.0.0 Ok\r\n");
  EXPECT_TRUE(d.commits.empty());
}

TEST(ServerProtocolFraming, MessageExactlyAtSizeLimitPasses) {
  auto limits = test_limits();
  limits.message_size_limit = 5;
  ProtocolDriver d(limits);
  d.feed(std::string(kEnvelope) + "DATA\r\nabc\r\n.\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].data, "abc\r\n");
}

TEST(ServerProtocolFraming, HopLimit) {
  auto limits = test_limits();
  limits.hopcount_limit = 2;
  std::string two = "Received: a\r\nreceived: b\r\n\r\nbody\r\nReceived: not a header\r\n.\r\n";
  ProtocolDriver d(limits);
  d.feed(std::string(kEnvelope) + "DATA\r\n" + two);
  EXPECT_EQ(d.commits.size(), 1u);
  ProtocolDriver e(limits);
  e.feed(std::string(kEnvelope) + "DATA\r\nReceived: a\r\nReceived: b\r\nRECEIVED: c\r\n\r\n.\r\n");
  EXPECT_TRUE(e.take().ends_with(std::string(k354) + "554 5.4.6 Too many hops\r\n"));
  EXPECT_TRUE(e.commits.empty());
}

TEST(ServerProtocolFraming, LineTooLongWithExactBoundary) {
  auto limits = test_limits();
  limits.line_length_limit = 10;  // CRLF included
  ProtocolDriver d(limits);
  d.feed("NOOP    \r\n");  // exactly 10
  EXPECT_EQ(d.take(), "250 2.0.0 Ok\r\n");
  d.feed("NOOP     \r\nNOOP\r\n");  // 11
  EXPECT_EQ(d.take(), "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
}

TEST(ServerProtocolFraming, EndlessLineStaysBounded) {
  ProtocolDriver d;
  d.feed(kEhlo);
  d.take();
  const std::string chunk(65536, 'A');
  for (int i = 0; i < 160; ++i) {  // 10 MB without a line end
    d.feed(chunk);
    ASSERT_LT(d.protocol.buffered_bytes(), 2048u);
  }
  for (char c : std::string(1000, 'B')) {  // and trickled
    d.feed(std::string_view(&c, 1));
    ASSERT_LT(d.protocol.buffered_bytes(), 2048u);
  }
  EXPECT_EQ(d.take(), "");
  d.feed("\r\nNOOP\r\n");
  EXPECT_EQ(d.take(), "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
}

TEST(ServerProtocolFraming, PartialLineIsBuffered) {
  ProtocolDriver d;
  d.feed("NOO");
  EXPECT_EQ(d.protocol.buffered_bytes(), 3u);
  d.feed("P\r");
  EXPECT_EQ(d.take(), "");
  d.feed("\n");
  EXPECT_EQ(d.take(), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.protocol.buffered_bytes(), 0u);
}

TEST(ServerProtocolFraming, NothingProcessedAfterClose) {
  ProtocolDriver d;
  d.feed("QUIT\r\nNOOP\r\n");
  EXPECT_EQ(d.take(), "221 2.0.0 Bye\r\n<CLOSE>");
  d.feed("NOOP\r\n");
  EXPECT_EQ(d.take(), "");
  EXPECT_EQ(d.protocol.buffered_bytes(), 0u);
}

TEST(ServerProtocolFraming, ManyMessagesPipelinedInOneBuffer) {
  std::string s(kEhlo);
  for (int i = 0; i < 50; ++i) {
    s += "MAIL FROM:<a@b.test>\r\nRCPT TO:<r" + std::to_string(i) + "@example.com>\r\nDATA\r\n";
    s += "n " + std::to_string(i) + "\r\n.\r\n";
  }
  s += "QUIT\r\n";
  ProtocolDriver d;
  d.feed(s);
  ASSERT_EQ(d.commits.size(), 50u);
  EXPECT_EQ(d.commits[49].data, "n 49\r\n");
  EXPECT_EQ(d.commits[49].envelope.recipients[0], "r49@example.com");
  EXPECT_TRUE(d.take().ends_with("250 2.0.0 Ok: queued as Q50\r\n221 2.0.0 Bye\r\n<CLOSE>"));
}

}  // namespace
}  // namespace sluice::smtpd
