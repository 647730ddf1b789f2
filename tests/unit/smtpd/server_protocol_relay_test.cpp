// Who may relay (mynetworks x AUTH x TLS), the per-user sender restriction, and envelope
// hygiene: CR, LF and NUL in command lines, addresses and parameters.

#include <gtest/gtest.h>

#include "protocol_driver.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {
namespace {

using namespace std::string_literals;
using testing::ProtocolDriver;
using testing::test_limits;

constexpr std::string_view kAlicePlain = "AGFsaWNlAHNlY3JldA==";  // \0alice\0secret
constexpr std::string_view kSyntax = "501 5.5.2 Syntax error: bare CR, LF or NUL\r\n";

std::string say(ProtocolDriver& d, std::string_view line) {
  d.feed(std::string(line) + "\r\n");
  return d.take();
}

struct RelayCase {
  bool may_relay;     // in mynetworks
  bool auth_enabled;  // smtpd_sasl_auth_enable
  bool tls;           // the session is encrypted (SMTPS)
  bool authenticate;  // the client authenticates (when AUTH is on offer)
  std::string_view mail_reply;
  std::string_view rcpt_reply;  // empty: not sent
};

TEST(ServerProtocolRelay, Matrix) {
  constexpr std::string_view kOk = "250 2.1.0 Ok\r\n";
  constexpr std::string_view kRcptOk = "250 2.1.5 Ok\r\n";
  constexpr std::string_view kAuthRequired = "530 5.7.0 Authentication required\r\n";
  constexpr std::string_view kDenied = "554 5.7.1 <r@example.com>: Relay access denied\r\n";
  const RelayCase cases[] = {
      {false, false, false, false, kOk, kDenied},      // outsider, no AUTH: 554 at RCPT
      {false, false, true, false, kOk, kDenied},       // TLS alone lets no one relay
      {true, false, false, false, kOk, kRcptOk},       // mynetworks
      {false, true, false, false, kAuthRequired, {}},  // AUTH only over TLS, not done
      {false, true, false, true, kAuthRequired, {}},   // ... not even on offer without TLS
      {false, true, true, false, kAuthRequired, {}},   // over TLS, not done
      {false, true, true, true, kOk, kRcptOk},         // over TLS, authenticated
      {true, true, false, false, kOk, kRcptOk},        // mynetworks needs no AUTH
      {true, true, true, true, kOk, kRcptOk},
  };
  for (const auto& c : cases) {
    auto limits = test_limits();
    limits.auth_enabled = c.auth_enabled;
    ProtocolDriver d(limits, ClientInfo{"198.51.100.7", c.may_relay, c.tls});
    const auto label = ::testing::Message() << "relay=" << c.may_relay << " auth=" << c.auth_enabled
                                            << " tls=" << c.tls << " login=" << c.authenticate;
    say(d, "EHLO c");
    if (c.authenticate) say(d, "AUTH PLAIN " + std::string(kAlicePlain));
    EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), c.mail_reply) << label;
    if (!c.rcpt_reply.empty()) {
      EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), c.rcpt_reply) << label;
    }
    const bool refused = c.mail_reply != kOk || c.rcpt_reply != kRcptOk;
    EXPECT_EQ(d.rejected.size(), refused ? 1u : 0u) << label;
    if (refused) {
      EXPECT_EQ(d.rejected[0], c.mail_reply != kOk ? 530 : 554) << label;
    }
  }
}

TEST(ServerProtocolRelay, AuthenticatedClientRelaysAndCommits) {
  auto limits = test_limits();
  limits.auth_enabled = true;
  limits.auth_requires_tls = false;
  ProtocolDriver d(limits, ClientInfo{"198.51.100.7", false, false});
  d.feed("EHLO c\r\nAUTH PLAIN " + std::string(kAlicePlain) +
         "\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\nhi\r\n.\r\n");
  ASSERT_EQ(d.commits.size(), 1u);
  EXPECT_EQ(d.commits[0].envelope.recipients, std::vector<std::string>{"r@example.com"});
}

TEST(ServerProtocolRelay, SenderRestrictionForAuthenticatedUsers) {
  auto limits = test_limits();
  limits.auth_enabled = true;
  limits.auth_requires_tls = false;
  std::vector<std::pair<std::string, std::string>> asked;
  limits.sender_allowed = [&asked](std::string_view user, std::string_view sender) {
    asked.emplace_back(user, sender);
    return sender == "alice@b.test";
  };
  ProtocolDriver d(limits, ClientInfo{"192.0.2.1", true, false});
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL FROM:<bob@b.test>"), "250 2.1.0 Ok\r\n");  // not authenticated
  EXPECT_TRUE(asked.empty());
  say(d, "RSET");
  say(d, "AUTH PLAIN " + std::string(kAlicePlain));
  EXPECT_EQ(say(d, "MAIL FROM:<bob@b.test>"),
            "553 5.7.1 <bob@b.test>: Sender address rejected: not owned by user alice\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<>"),
            "553 5.7.1 <>: Sender address rejected: not owned by user alice\r\n");
  EXPECT_EQ(say(d, "MAIL FROM:<alice@b.test>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(asked, (std::vector<std::pair<std::string, std::string>>{
                       {"alice", "bob@b.test"}, {"alice", ""}, {"alice", "alice@b.test"}}));
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{553, 553}));
}

TEST(ServerProtocolRelay, StartTlsForgetsTheAuthentication) {
  auto limits = test_limits();
  limits.auth_enabled = true;
  limits.auth_requires_tls = false;
  limits.tls_offered = true;
  ProtocolDriver d(limits, ClientInfo{"198.51.100.7", false, false});
  say(d, "EHLO c");
  say(d, "AUTH PLAIN " + std::string(kAlicePlain));
  EXPECT_EQ(d.protocol.authenticated_user(), "alice");
  say(d, "STARTTLS");
  EXPECT_EQ(d.protocol.authenticated_user(), "");
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "530 5.7.0 Authentication required\r\n");
}

TEST(ServerProtocolHygiene, CrLfNulInCommandLines) {
  ProtocolDriver d;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL FROM:<a\0b@b.test>"s), kSyntax);
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test> SIZE=1\0"s), kSyntax);
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>\rRCPT TO:<x@example.com>"), kSyntax);
  EXPECT_EQ(say(d, "MAIL FROM:<a@b.test>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<r@exa\rmple.com>"), kSyntax);
  EXPECT_EQ(say(d, "RCPT TO:<\"r\0\"@example.com>"s), kSyntax);
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com> \0"s), kSyntax);
  d.feed("RCPT TO:<r@exa\nmple.com>\r\n");  // the LF ends the line: a bare LF
  EXPECT_EQ(d.take(),
            "500 5.5.2 Error: bare <LF> received\r\n500 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(d.rejected, (std::vector<std::uint16_t>{501, 501, 501, 501, 501, 501}));
  EXPECT_EQ(say(d, "NOOP\0"s), kSyntax);
  EXPECT_EQ(say(d, "\r"), kSyntax);
  EXPECT_EQ(d.rejected.size(), 6u);                                  // not transaction steps
  EXPECT_EQ(say(d, "RCPT TO:<r@example.com>"), "250 2.1.5 Ok\r\n");  // the session goes on
}

TEST(ServerProtocolHygiene, BdatLineWithNulCloses) {
  ProtocolDriver d;
  d.feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\n");
  d.take();
  d.feed("BDAT 5\0 LAST\r\nQUIT\r\n"s);
  EXPECT_EQ(d.take(), std::string(kSyntax) + "<CLOSE>");
}

TEST(ServerProtocolHygiene, QuotedAndUtf8Addresses) {
  ProtocolDriver d;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "MAIL FROM:<\"a b\\\"c\"@b.test>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\"x>y\"@example.com>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\"unterminated@example.com>"),
            "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\"a\tb\"@example.com>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\xe7\x94\xa8@example.com>"),  // no SMTPUTF8 on MAIL
            "501 5.1.3 Bad recipient address syntax\r\n");
  say(d, "RSET");
  EXPECT_EQ(say(d, "MAIL FROM:<\xe7\x94\xa8@b.test> SMTPUTF8"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\xe7\x94\xa8@\xe4\xbe\x8b.example>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\xe7\x94@example.com>"),  // truncated UTF-8
            "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<\xc0\xaf@example.com>"),  // overlong UTF-8
            "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(d, "RCPT TO:<" + std::string(65, 'a') + "@example.com>"),
            "501 5.1.3 Bad recipient address syntax\r\n");
}

}  // namespace
}  // namespace sluice::smtpd
