// STARTTLS in the server protocol: what EHLO offers, every refusal, the hand-off to the shell,
// the plaintext-injection class (CVE-2011-0411) and the clean state after the handshake, and
// smtpd_tls_security_level = encrypt.

#include <gtest/gtest.h>

#include "protocol_driver.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {
namespace {

using testing::ProtocolDriver;
using testing::test_limits;

constexpr std::string_view kReady = "220 2.0.0 Ready to start TLS\r\n";

ProtocolLimits tls_limits() {
  auto limits = test_limits();
  limits.tls_offered = true;
  return limits;
}

std::string say(ProtocolDriver& d, std::string_view line) {
  d.feed(std::string(line) + "\r\n");
  return d.take();
}

bool offers(const std::string& ehlo, std::string_view keyword) {
  return ehlo.find("250-" + std::string(keyword) + "\r\n") != std::string::npos ||
         ehlo.find("250 " + std::string(keyword) + "\r\n") != std::string::npos;
}

TEST(ServerProtocolTls, EhloOffersStartTlsOnlyWhenConfiguredAndNotActive) {
  ProtocolDriver offered(tls_limits());
  const auto ehlo = say(offered, "EHLO c");
  EXPECT_TRUE(offers(ehlo, "STARTTLS")) << ehlo;
  EXPECT_NE(ehlo.find("250-SIZE 10240000\r\n250-STARTTLS\r\n250-8BITMIME"), std::string::npos);
  ProtocolDriver plain;
  EXPECT_FALSE(offers(say(plain, "EHLO c"), "STARTTLS"));
  ProtocolDriver wrapped(tls_limits(), ClientInfo{"192.0.2.1", true, true});  // SMTPS
  EXPECT_TRUE(wrapped.protocol.tls_active());
  EXPECT_FALSE(offers(say(wrapped, "EHLO c"), "STARTTLS"));
}

TEST(ServerProtocolTls, EncryptLevelOffersAuthOnlyAfterTlsEvenWithoutAuthOnly) {
  auto limits = tls_limits();
  limits.require_tls = true;
  limits.auth_enabled = true;
  limits.auth_requires_tls = false;  // smtpd_tls_auth_only = no
  ProtocolDriver d(limits);
  const auto before = say(d, "EHLO c");
  EXPECT_FALSE(offers(before, "AUTH PLAIN LOGIN")) << before;  // AUTH would get 530 now
  EXPECT_TRUE(offers(before, "STARTTLS"));
  ProtocolDriver wrapped(limits, ClientInfo{"192.0.2.1", false, true});
  EXPECT_TRUE(offers(say(wrapped, "EHLO c"), "AUTH PLAIN LOGIN"));
}

TEST(ServerProtocolTls, Refusals) {
  ProtocolDriver d(tls_limits());
  EXPECT_EQ(say(d, "STARTTLS now"), "501 5.5.4 Syntax: STARTTLS\r\n");
  say(d, "EHLO c");
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "STARTTLS"), "503 5.5.1 Error: MAIL transaction in progress\r\n");
  ProtocolDriver plain;
  EXPECT_EQ(say(plain, "STARTTLS"), "502 5.5.1 Error: command not implemented\r\n");
  ProtocolDriver wrapped(tls_limits(), ClientInfo{"192.0.2.1", true, true});
  EXPECT_EQ(say(wrapped, "STARTTLS"), "554 5.5.1 Error: TLS already active\r\n");
  EXPECT_TRUE(d.rejected.empty());
}

TEST(ServerProtocolTls, AcceptedHandsOffThenStartsOver) {
  ProtocolDriver d(tls_limits());
  d.hold_tls = true;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "STARTTLS"), std::string(kReady) + "<STARTTLS>");
  ASSERT_EQ(d.last_actions.size(), 2u);  // the 220 is sent before the handshake starts
  EXPECT_TRUE(std::holds_alternative<SendReply>(d.last_actions[0]));
  EXPECT_TRUE(std::holds_alternative<StartTls>(d.last_actions[1]));
  EXPECT_FALSE(d.protocol.tls_active());
  d.finish_tls(true);
  EXPECT_EQ(d.take(), "");  // the client speaks first after the handshake
  EXPECT_TRUE(d.protocol.tls_active());
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  const auto ehlo = say(d, "EHLO c");
  EXPECT_FALSE(offers(ehlo, "STARTTLS"));
  EXPECT_EQ(say(d, "STARTTLS"), "554 5.5.1 Error: TLS already active\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "250 2.1.0 Ok\r\n");
}

TEST(ServerProtocolTls, FailedHandshakeCloses) {
  ProtocolDriver d(tls_limits());
  d.tls_ok = false;
  EXPECT_EQ(say(d, "STARTTLS"), std::string(kReady) + "<STARTTLS><CLOSE>");
  EXPECT_TRUE(d.protocol.closed());
  EXPECT_FALSE(d.protocol.tls_active());
}

TEST(ServerProtocolTls, TlsStartedOutsideAHandshakeIsIgnored) {
  ProtocolDriver d(tls_limits());
  d.finish_tls(true);
  EXPECT_FALSE(d.protocol.tls_active());
  EXPECT_EQ(d.take(), "");
}

// CVE-2011-0411: commands pipelined behind STARTTLS in plaintext must never be answered, at
// whatever byte the client's writes were split.
TEST(ServerProtocolTls, PipelinedPlaintextAfterStartTlsIsDiscardedAtEverySplit) {
  const std::string input =
      "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n";
  const std::string expected =
      "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-8BITMIME\r\n"
      "250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n" +
      std::string(kReady) + "<STARTTLS>";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    ProtocolDriver d(tls_limits());
    d.hold_tls = true;  // the handshake is under way while the rest arrives
    d.feed(std::string_view(input).substr(0, split));
    d.feed(std::string_view(input).substr(split));
    ASSERT_EQ(d.take(), expected) << split;
    EXPECT_EQ(d.protocol.buffered_bytes(), 0u);
    d.finish_tls(true);
    EXPECT_EQ(d.take(), "");
    EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
  }
}

TEST(ServerProtocolTls, InputFedDuringTheHandshakeIsDropped) {
  ProtocolDriver d(tls_limits());
  d.hold_tls = true;
  d.feed("EHLO c\r\nSTARTTLS\r\n");
  d.take();
  d.feed("MAIL FROM:<a@b.test>\r\nQUIT\r\n");
  EXPECT_EQ(d.take(), "");
  EXPECT_EQ(d.protocol.buffered_bytes(), 0u);
  d.finish_tls(true);
  EXPECT_EQ(d.take(), "");
  EXPECT_FALSE(d.protocol.closed());
}

// STARTTLS read from the input held behind a commit: the rest of that input goes too.
TEST(ServerProtocolTls, StartTlsBehindACommitDiscardsTheRest) {
  ProtocolDriver d(tls_limits());
  d.hold_commits = true;
  d.hold_tls = true;
  d.feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n");
  d.take();
  d.feed("x\r\n.\r\nSTARTTLS\r\nMAIL FROM:<evil@b.test>\r\n");
  d.take();
  d.finish_commit({true, "ID1", false});
  EXPECT_EQ(d.take(), "250 2.0.0 Ok: queued as ID1\r\n" + std::string(kReady) + "<STARTTLS>");
  EXPECT_EQ(d.protocol.buffered_bytes(), 0u);
  d.finish_tls(true);
  EXPECT_EQ(say(d, "RSET"), "250 2.0.0 Ok\r\n");
}

TEST(ServerProtocolTls, RequireTlsRefusesAllButTheSessionCommands) {
  auto limits = tls_limits();
  limits.require_tls = true;
  ProtocolDriver d(limits);
  constexpr std::string_view k530 = "530 5.7.0 Must issue a STARTTLS command first\r\n";
  EXPECT_TRUE(say(d, "EHLO c").starts_with("250-mx.test"));
  EXPECT_EQ(say(d, "HELO c"), "250 mx.test\r\n");
  EXPECT_EQ(say(d, "NOOP"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(d, "RSET"), "250 2.0.0 Ok\r\n");
  for (std::string_view line : {"MAIL FROM:<a@b.test>", "RCPT TO:<r@example.com>", "DATA",
                                "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "VRFY x", "HELP", "ETRN x"}) {
    EXPECT_EQ(say(d, line), k530) << line;
  }
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{530, 530, 530}));
  EXPECT_EQ(say(d, "FOO"), "500 5.5.2 Error: command not recognized\r\n");
  // BDAT's chunk is still read, so that its bytes are not taken for commands.
  EXPECT_EQ(say(d, "BDAT 6 LAST\r\nQUIT\r\n"),
            std::string(k530) + "500 5.5.2 Error: bad syntax\r\n");
  EXPECT_FALSE(d.protocol.closed());
  EXPECT_EQ(say(d, "STARTTLS"), std::string(kReady) + "<STARTTLS>");
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "250 2.1.0 Ok\r\n");
}

TEST(ServerProtocolTls, RequireTlsRefusalsCountTowardTheErrorLimit) {
  auto limits = tls_limits();
  limits.require_tls = true;
  limits.hard_error_limit = 2;
  ProtocolDriver d(limits);
  say(d, "EHLO c");
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"),
            "530 5.7.0 Must issue a STARTTLS command first\r\n421 4.7.0 mx.test Error: too many "
            "errors\r\n<CLOSE>");
}

}  // namespace
}  // namespace sluice::smtpd
