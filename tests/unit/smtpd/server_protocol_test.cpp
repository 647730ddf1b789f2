// The server protocol command by command: every reply of the contract.

#include "sluice/smtpd/server_protocol.h"

#include <gtest/gtest.h>

#include "protocol_driver.h"

namespace sluice::smtpd {
namespace {

using testing::ProtocolDriver;
using testing::test_limits;

constexpr std::string_view kEhloReply =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n";

// Sends one command line and returns the replies it caused.
std::string say(ProtocolDriver& d, std::string_view line) {
  d.feed(std::string(line) + "\r\n");
  return d.take();
}

ProtocolDriver in_transaction(ProtocolLimits limits = test_limits()) {
  ProtocolDriver d(std::move(limits));
  say(d, "EHLO client.test");
  say(d, "MAIL FROM:<a@b.test>");
  say(d, "RCPT TO:<r@example.com>");
  return d;
}

TEST(ServerProtocol, GreetingUsesBannerOrDefault) {
  EXPECT_EQ(ServerProtocol(test_limits(), {}).greeting(), "220 mx.test ESMTP sluice\r\n");
  auto limits = test_limits();
  limits.banner = "welcome here";
  EXPECT_EQ(ServerProtocol(limits, {}).greeting(), "220 welcome here\r\n");
}

TEST(ServerProtocol, EhloListsExtensionsLastLineWithSpace) {
  ProtocolDriver d;
  EXPECT_EQ(say(d, "EHLO client.test"), kEhloReply);
  EXPECT_EQ(say(d, "ehlo client.test"), kEhloReply);
}

TEST(ServerProtocol, EhloWithoutSizeLimitOmitsNumber) {
  auto limits = test_limits();
  limits.message_size_limit = 0;
  ProtocolDriver d(limits);
  EXPECT_NE(say(d, "EHLO c").find("250-SIZE\r\n"), std::string::npos);
}

TEST(ServerProtocol, HeloAndMissingNames) {
  ProtocolDriver d;
  EXPECT_EQ(say(d, "HELO client.test"), "250 mx.test\r\n");
  EXPECT_EQ(say(d, "HELO"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(say(d, "EHLO   "), "501 5.5.4 Syntax: EHLO hostname\r\n");
}

TEST(ServerProtocol, HeloResetsTransactionAndSetsProtocol) {
  auto d = in_transaction();
  EXPECT_EQ(say(d, "HELO again.test"), "250 mx.test\r\n");
  EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  say(d, "MAIL FROM:<a@b.test>");
  say(d, "RCPT TO:<r@example.com>");
  say(d, "DATA");
  d.feed("x\r\n.\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].protocol, "SMTP");
  EXPECT_EQ(d.commits[0].helo, "again.test");
}

TEST(ServerProtocol, MailNeedsHelo) {
  ProtocolDriver d;
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
}

TEST(ServerProtocol, MailSyntaxVariantsPostfixAccepts) {
  for (std::string_view line : {"MAIL FROM:<a@b.test>", "mail from:<a@b.test>",
                                "MAIL FROM: <a@b.test>", "MAIL FROM:a@b.test", "MaIl FrOm:<>",
                                "MAIL FROM:<a@b.test> BODY=8BITMIME SIZE=100 SMTPUTF8",
                                "MAIL FROM:<@relay.test,@r2.test:a@b.test>",
                                "MAIL FROM:<\"a b\"@b.test>", "MAIL FROM:<a@[192.0.2.1]>"}) {
    ProtocolDriver d;
    say(d, "EHLO c");
    EXPECT_EQ(say(d, line), "250 2.1.0 Ok\r\n") << line;
  }
}

TEST(ServerProtocol, MailRejections) {
  ProtocolDriver d;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL <a@b.test>"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@@b>"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a\x01@b.test>"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<j\xc3\xbcrg@b.test>"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> BODY=BINARYMIME"),
            "555 5.5.4 Unsupported option: BODY=BINARYMIME\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> XFOO=1"), "555 5.5.4 Unsupported option: XFOO=1\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> SIZE=12x"), "501 5.5.4 Bad message size syntax\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> SIZE=10240001"),
            "552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> SIZE=999999999999999999999999"),
            "552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<j\xc3\xbcrg@b.test> SMTPUTF8"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "503 5.5.1 Error: nested MAIL command\r\n");
}

TEST(ServerProtocol, RcptChecks) {
  ProtocolDriver d;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
  say(d, "MAIL FROM:<>");
  EXPECT_EQ(say(d, "RCPT TO:<>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<no-domain>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(d, "RCPT <r@example.com>"), "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com> NOTIFY=NEVER"),
            "555 5.5.4 Unsupported option: NOTIFY=NEVER\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<Postmaster>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "rcpt to: <r@example.com>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), "250 2.1.5 Ok\r\n");  // duplicate, kept once
  say(d, "DATA");
  d.feed(".\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].envelope.sender, "");
  EXPECT_EQ(d.commits[0].envelope.recipients,
            (std::vector<std::string>{"postmaster", "r@example.com"}));
}

TEST(ServerProtocol, RelayDeniedForOutsiders) {
  ProtocolDriver d(test_limits(), ClientInfo{"198.51.100.7", false});
  say(d, "EHLO c");
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "RCPT TO:<victim@example.com>"),
            "554 5.7.1 <victim@example.com>: Relay access denied\r\n");
  EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
}

TEST(ServerProtocol, RecipientLimit) {
  auto limits = test_limits();
  limits.recipient_limit = 2;
  ProtocolDriver d(limits);
  say(d, "EHLO c");
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "RCPT TO:<1@x.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<2@x.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<3@x.test>"), "452 4.5.3 Error: too many recipients\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<1@x.test>"), "250 2.1.5 Ok\r\n");
}

TEST(ServerProtocol, DataChecks) {
  ProtocolDriver d;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  say(d, "RCPT TO:<r@example.com>");
  EXPECT_EQ(say(d, "DATA now"), "501 5.5.4 Syntax: DATA\r\n");
  EXPECT_EQ(say(d, "DATA"), "354 End data with <CR><LF>.<CR><LF>\r\n");
}

TEST(ServerProtocol, MessageIsCommittedAndQueued) {
  auto d = in_transaction();
  say(d, "DATA");
  d.feed(
      "Subject: hi\r\nX-Campaign-ID:  spring\r\n  sale \r\nx-campaign-group: g1\r\n\r\n"
      "..dot\r\nbody\r\n.\r\n");
  EXPECT_EQ(
      d.take(),
      "<COMMIT from=a@b.test to=r@example.com, utf8=0 8bit=0 campaign=spring  sale "
      "group=g1 helo=client.test proto=ESMTP data=[Subject: hi\r\nX-Campaign-ID:  spring\r\n"
      "  sale \r\nx-campaign-group: g1\r\n\r\n.dot\r\nbody\r\n]>250 2.0.0 Ok: queued as Q1\r\n");
  EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");  // transaction over
}

TEST(ServerProtocol, EnvelopeFlags) {
  ProtocolDriver d;
  say(d, "EHLO c");
  say(d, "MAIL FROM:<a@b.test> BODY=8BITMIME SMTPUTF8");
  say(d, "RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@example.com>");
  say(d, "DATA");
  d.feed(".\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_TRUE(d.commits[0].envelope.smtputf8);
  EXPECT_TRUE(d.commits[0].envelope.eight_bit);
  EXPECT_EQ(d.commits[0].data, "");
}

TEST(ServerProtocol, CommitOutcomes) {
  for (auto [outcome, reply] :
       {std::pair{CommitOutcome{true, "0123456789ABCDEF", false},
                  "250 2.0.0 Ok: queued as 0123456789ABCDEF\r\n"},
        std::pair{CommitOutcome{false, "", true}, "452 4.3.1 Insufficient system storage\r\n"},
        std::pair{CommitOutcome{false, "", false},
                  "451 4.3.0 Error: queue file write error\r\n"}}) {
    auto d = in_transaction();
    d.hold_commits = true;
    say(d, "DATA");
    d.feed("x\r\n.\r\nNOOP\r\n");
    EXPECT_TRUE(d.protocol.awaiting_commit());
    EXPECT_EQ(d.take().rfind("<COMMIT", 0), 0u);
    EXPECT_EQ(d.protocol.buffered_bytes(), 6u);  // NOOP waits for the commit
    d.finish_commit(outcome);
    EXPECT_EQ(d.take(), std::string(reply) + "250 2.0.0 Ok\r\n");
    EXPECT_FALSE(d.protocol.awaiting_commit());
    EXPECT_EQ(say(d, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  }
}

TEST(ServerProtocol, InputDuringCommitIsBufferedThenProcessed) {
  auto d = in_transaction();
  d.hold_commits = true;
  say(d, "DATA");
  d.feed("x\r\n.\r\nMAIL FROM:<b@b.test>\r\nRCPT TO:<s@example.com>\r\nDA");
  d.take();
  d.feed("TA\r\ny\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(d.take(), "");  // nothing while the commit is under way
  d.finish_commit({true, "ID1", false});
  EXPECT_EQ(d.take(),
            "250 2.0.0 Ok: queued as ID1\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with "
            "<CR><LF>.<CR><LF>\r\n<COMMIT from=b@b.test to=s@example.com, utf8=0 8bit=0 "
            "campaign= group= helo=client.test proto=ESMTP data=[y\r\n]>");
  d.finish_commit({true, "ID2", false});
  EXPECT_EQ(d.take(), "250 2.0.0 Ok: queued as ID2\r\n221 2.0.0 Bye\r\n<CLOSE>");
  EXPECT_TRUE(d.protocol.closed());
}

TEST(ServerProtocol, SimpleCommands) {
  ProtocolDriver d;
  EXPECT_EQ(say(d, "NOOP"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(d, "RSET"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(d, "VRFY someone"), "252 2.0.0 Send some mail, I'll try my best\r\n");
  EXPECT_EQ(say(d, "HELP"), "214 2.0.0 See RFC 5321\r\n");
  for (auto verb : {"STARTTLS", "ETRN x", "EXPN list"}) {
    EXPECT_EQ(say(d, verb), "502 5.5.1 Error: command not implemented\r\n") << verb;
  }
  EXPECT_EQ(say(d, "AUTH PLAIN AAAA"), "503 5.5.1 Error: authentication not enabled\r\n");
  EXPECT_EQ(say(d, "FOO"), "500 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(say(d, ""), "500 5.5.2 Error: bad syntax\r\n");
  EXPECT_EQ(say(d, std::string_view("NO\0OP", 5)),
            "501 5.5.2 Syntax error: bare CR, LF or NUL\r\n");
  EXPECT_EQ(say(d, "NOOP\rX"), "501 5.5.2 Syntax error: bare CR, LF or NUL\r\n");
  EXPECT_EQ(say(d, "QUIT"), "221 2.0.0 Bye\r\n<CLOSE>");
  EXPECT_EQ(say(d, "NOOP"), "");  // nothing after close
}

TEST(ServerProtocol, RsetEndsTransaction) {
  auto d = in_transaction();
  EXPECT_EQ(say(d, "RSET"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(ServerProtocol, BareLfTerminatedCommandIsRejected) {
  ProtocolDriver d;
  d.feed("NOOP\nNOOP\r\n");
  EXPECT_EQ(d.take(), "500 5.5.2 Error: bare <LF> received\r\n250 2.0.0 Ok\r\n");
}

TEST(ServerProtocol, TimeoutAndShutdownReplies) {
  ServerProtocol p(test_limits(), {});
  EXPECT_EQ(p.timeout_reply(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_EQ(p.shutdown_reply(), "421 4.3.2 mx.test Service shutting down\r\n");
}

TEST(ServerProtocol, HardErrorLimitDisconnects) {
  auto limits = test_limits();
  limits.hard_error_limit = 3;
  ProtocolDriver d(limits);
  EXPECT_EQ(say(d, "FOO"), "500 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(say(d, "NOOP"), "250 2.0.0 Ok\r\n");  // successes do not reset the count
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  EXPECT_EQ(say(d, "BAR"),
            "500 5.5.2 Error: command not recognized\r\n421 4.7.0 mx.test Error: too many "
            "errors\r\n<CLOSE>");
  EXPECT_TRUE(d.protocol.closed());
}

TEST(ServerProtocol, HardErrorLimitAppliesToPipelinedBatch) {
  ProtocolDriver d;
  std::string batch;
  for (int i = 0; i < 30; ++i) batch += "XYZZY\r\n";
  d.feed(batch);
  const auto transcript = d.take();
  std::size_t errors = 0;
  for (auto pos = transcript.find("500 "); pos != std::string::npos;
       pos = transcript.find("500 ", pos + 1)) {
    ++errors;
  }
  EXPECT_EQ(errors, 20u);
  EXPECT_TRUE(transcript.ends_with("421 4.7.0 mx.test Error: too many errors\r\n<CLOSE>"));
}

TEST(ServerProtocol, LinesReceivedCountsCommandAndDataLines) {
  auto d = in_transaction();
  EXPECT_EQ(d.protocol.lines_received(), 3u);
  d.feed("DATA\r\na\r\nb");
  EXPECT_EQ(d.protocol.lines_received(), 5u);
  d.feed("\r\n.\r\n");
  EXPECT_EQ(d.protocol.lines_received(), 7u);
}

TEST(ServerProtocol, PipelinedBatchRepliesInOrderInOneSend) {
  ProtocolDriver d;
  d.feed(
      "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r1@example.com>\r\nFOO\r\n"
      "RCPT TO:<r2@example.com>\r\nDATA\r\n");
  ASSERT_EQ(d.last_actions.size(), 1u);
  EXPECT_EQ(d.take(), std::string(kEhloReply) +
                          "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n500 5.5.2 Error: command not "
                          "recognized\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_TRUE(d.rejected.empty());  // a 500 refuses no step of the transaction
}

// Each refusal of a transaction step is a SendReply of its own, carrying its code; the
// replies around it stay in order.
TEST(ServerProtocol, RefusedTransactionStepsCarryTheirCode) {
  ProtocolDriver d(test_limits(), ClientInfo{"198.51.100.7", false});
  d.feed(
      "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r1@example.com>\r\nRCPT TO:<bad>\r\n"
      "DATA\r\nNOOP\r\n");
  EXPECT_EQ(d.take(), std::string(kEhloReply) +
                          "250 2.1.0 Ok\r\n554 5.7.1 <r1@example.com>: Relay access denied\r\n"
                          "501 5.1.3 Bad recipient address syntax\r\n503 5.5.1 Error: need RCPT "
                          "command\r\n250 2.0.0 Ok\r\n");
  ASSERT_EQ(d.last_actions.size(), 5u);
  EXPECT_EQ(std::get<SendReply>(d.last_actions[0]).rejected, 0);  // EHLO and MAIL
  EXPECT_EQ(std::get<SendReply>(d.last_actions[1]).rejected, 554);
  EXPECT_EQ(std::get<SendReply>(d.last_actions[4]).rejected, 0);  // NOOP
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{554, 501, 503}));
}

TEST(ServerProtocol, RejectedCodesOfMessageAndCommitRefusals) {
  auto limits = test_limits();
  limits.hopcount_limit = 1;
  auto d = in_transaction(limits);
  say(d, "DATA");
  d.feed("Received: a\r\nReceived: b\r\n\r\n.\r\n");
  EXPECT_EQ(d.take(), "554 5.4.6 Too many hops\r\n");
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{554}));
  d.outcome = CommitOutcome{false, "", true};
  say(d, "MAIL FROM:<a@b.test>");
  say(d, "RCPT TO:<r@example.com>");
  say(d, "BDAT 0 LAST");
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{554, 452}));
  say(d, "BDAT 3 LAST\r\nabc");  // no transaction: the chunk is read, then refused
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{554, 452, 503}));
  say(d, "MAIL FROM:<a@b.test> XFOO");
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{554, 452, 503, 555}));
}

}  // namespace
}  // namespace sluice::smtpd
