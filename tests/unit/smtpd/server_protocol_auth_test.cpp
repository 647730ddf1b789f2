// SMTP AUTH in the server protocol: what EHLO offers, PLAIN and LOGIN exchanges at every split,
// every refusal, the hand-off to the shell, lockout, the error limit and the line limit of
// responses.

#include <gtest/gtest.h>

#include "protocol_driver.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {
namespace {

using namespace std::string_literals;
using testing::ProtocolDriver;
using testing::test_limits;

constexpr std::string_view k235 = "235 2.7.0 Authentication successful\r\n";
constexpr std::string_view k535 = "535 5.7.8 Error: authentication failed\r\n";

std::string base64(std::string_view bytes) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string plain(std::string_view user, std::string_view password) {
  return base64("\0"s + std::string(user) + "\0"s + std::string(password));
}

// AUTH allowed without TLS, so the exchanges can be tested on their own.
ProtocolLimits auth_limits() {
  auto limits = test_limits();
  limits.auth_enabled = true;
  limits.auth_requires_tls = false;
  return limits;
}

ClientInfo outsider() { return ClientInfo{"198.51.100.7", false, false}; }

std::string say(ProtocolDriver& d, std::string_view line) {
  d.feed(std::string(line) + "\r\n");
  return d.take();
}

bool offers_auth(const std::string& ehlo) {
  return ehlo.find("250-AUTH PLAIN LOGIN\r\n") != std::string::npos;
}

TEST(ServerProtocolAuth, EhloOffersAuthWhenAllowedAndNotYetDone) {
  ProtocolDriver d(auth_limits(), outsider());
  const auto ehlo = say(d, "EHLO c");
  EXPECT_NE(ehlo.find("250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME"),
            std::string::npos)
      << ehlo;
  say(d, "AUTH PLAIN " + plain("alice", "secret"));
  EXPECT_FALSE(offers_auth(say(d, "EHLO c")));

  ProtocolDriver disabled;
  EXPECT_FALSE(offers_auth(say(disabled, "EHLO c")));

  auto tls_only = auth_limits();
  tls_only.auth_requires_tls = true;
  tls_only.tls_offered = true;
  ProtocolDriver before_tls(tls_only, outsider());
  EXPECT_FALSE(offers_auth(say(before_tls, "EHLO c")));
  EXPECT_EQ(say(before_tls, "AUTH PLAIN " + plain("alice", "secret")),
            "503 5.5.1 Error: authentication not enabled\r\n");
  say(before_tls, "STARTTLS");
  const auto after_tls = say(before_tls, "EHLO c");
  EXPECT_TRUE(offers_auth(after_tls)) << after_tls;
  EXPECT_EQ(say(before_tls, "AUTH PLAIN " + plain("alice", "secret")),
            "<VERIFY alice>" + std::string(k235));

  ProtocolDriver smtps(tls_only, ClientInfo{"198.51.100.7", false, true});
  EXPECT_TRUE(offers_auth(say(smtps, "EHLO c")));
}

TEST(ServerProtocolAuth, PlainWithInitialResponse) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "secret")), "<VERIFY alice>" + std::string(k235));
  ASSERT_EQ(d.checks.size(), 1u);
  EXPECT_EQ(d.checks[0].user, "alice");
  EXPECT_EQ(d.checks[0].password, "secret");
  EXPECT_EQ(d.protocol.authenticated_user(), "alice");
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "secret")),
            "503 5.5.1 Error: already authenticated\r\n");
  EXPECT_EQ(say(d, "EHLO again"), say(d, "EHLO again"));
  EXPECT_EQ(d.protocol.authenticated_user(), "alice");  // EHLO keeps the authentication
}

TEST(ServerProtocolAuth, PlainWithEmptyChallengeAndAuthzid) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "auth plain"), "334 \r\n");
  EXPECT_EQ(say(d, base64("alice\0alice\0secret"s)), "<VERIFY alice>" + std::string(k235));
}

TEST(ServerProtocolAuth, PlainForAnotherIdentityFailsWithoutACheck) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH PLAIN " + base64("bob\0alice\0secret"s)), k535);
  EXPECT_TRUE(d.checks.empty());
  EXPECT_EQ(d.protocol.authenticated_user(), "");
}

TEST(ServerProtocolAuth, LoginAskedAndWithInitialUser) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(say(d, base64("alice")), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(say(d, base64("secret")), "<VERIFY alice>" + std::string(k235));

  ProtocolDriver e(auth_limits(), outsider());
  say(e, "EHLO c");
  EXPECT_EQ(say(e, "AUTH LOGIN " + base64("alice")), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(say(e, base64("wrong")), "<VERIFY alice>" + std::string(k535));
  EXPECT_EQ(e.protocol.authenticated_user(), "");
  EXPECT_TRUE(offers_auth(say(e, "EHLO c")));  // a failure leaves AUTH on offer
}

TEST(ServerProtocolAuth, Refusals) {
  ProtocolDriver d(auth_limits());
  EXPECT_EQ(say(d, "AUTH PLAIN"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH"), "501 5.5.4 Syntax: AUTH mechanism\r\n");
  EXPECT_EQ(say(d, "AUTH PLAIN abcd efgh"), "501 5.5.4 Syntax: AUTH mechanism\r\n");
  EXPECT_EQ(say(d, "AUTH CRAM-MD5"), "504 5.5.4 Unsupported authentication mechanism\r\n");
  EXPECT_EQ(say(d, "AUTH PLAIN %%%%"), "501 5.5.2 Cannot decode response\r\n");
  EXPECT_EQ(say(d, "AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(say(d, "*"), "501 5.7.0 Authentication aborted\r\n");
  EXPECT_EQ(say(d, "AUTH PLAIN"), "334 \r\n");
  EXPECT_EQ(say(d, "NOOP NOOP"), "501 5.5.2 Cannot decode response\r\n");
  EXPECT_EQ(say(d, "NOOP"), "250 2.0.0 Ok\r\n");  // the exchange is over
  say(d, "MAIL FROM:<a@b.test>");
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "secret")),
            "503 5.5.1 Error: MAIL transaction in progress\r\n");
  EXPECT_TRUE(d.checks.empty());
  EXPECT_TRUE(d.rejected.empty());  // AUTH refusals refuse no transaction step
}

TEST(ServerProtocolAuth, LockedOut) {
  ProtocolDriver d(auth_limits(), outsider());
  d.locked_out = true;
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "secret")),
            "<VERIFY alice>454 4.7.0 Too many failed authentication attempts, try again "
            "later\r\n");
  EXPECT_EQ(d.protocol.authenticated_user(), "");
}

TEST(ServerProtocolAuth, NothingIsProcessedUntilTheCheckEnds) {
  ProtocolDriver d(auth_limits(), outsider());
  d.hold_auth = true;
  say(d, "EHLO c");
  d.feed("AUTH PLAIN " + plain("alice", "secret") + "\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r");
  EXPECT_EQ(d.take(), "<VERIFY alice>");
  d.feed("@example.com>\r\n");
  EXPECT_EQ(d.take(), "");
  EXPECT_GT(d.protocol.buffered_bytes(), 0u);
  d.finish_auth(AuthOutcome{true, false});
  EXPECT_EQ(d.take(), std::string(k235) + "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
  d.finish_auth(AuthOutcome{false, false});  // a second report is ignored
  EXPECT_EQ(d.take(), "");
  EXPECT_EQ(d.protocol.authenticated_user(), "alice");
}

TEST(ServerProtocolAuth, FailuresCountTowardTheHardErrorLimit) {
  auto limits = auth_limits();
  limits.hard_error_limit = 3;
  ProtocolDriver d(limits, outsider());
  say(d, "EHLO c");
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "guess1")), "<VERIFY alice>" + std::string(k535));
  EXPECT_EQ(say(d, "AUTH PLAIN " + plain("alice", "guess2")), "<VERIFY alice>" + std::string(k535));
  EXPECT_EQ(
      say(d, "AUTH PLAIN " + plain("alice", "guess3")),
      "<VERIFY alice>" + std::string(k535) + "421 4.7.0 mx.test Error: too many errors\r\n<CLOSE>");
  EXPECT_TRUE(d.protocol.closed());
}

TEST(ServerProtocolAuth, PasswordNeverInAReply) {
  const std::string password = "hunter2-Pa55word";
  for (std::string_view mechanism : {"PLAIN", "LOGIN"}) {
    for (bool ok : {true, false}) {
      ProtocolDriver d(auth_limits(), outsider());
      d.good_password = ok ? password : "other";
      std::string session = "EHLO c\r\nAUTH " + std::string(mechanism) + "\r\n";
      session += mechanism == "PLAIN" ? plain("alice", password) + "\r\n"
                                      : base64("alice") + "\r\n" + base64(password) + "\r\n";
      session += "MAIL FROM:<" + password + "@b.test>\r\nQUIT\r\n";
      d.feed(session);
      const auto transcript = d.take();
      EXPECT_NE(transcript.find(ok ? k235 : k535), std::string::npos) << transcript;
      EXPECT_EQ(transcript.find(password), std::string::npos) << transcript;
      EXPECT_EQ(transcript.find(base64(password)), std::string::npos) << transcript;
    }
  }
}

// The same exchanges fed in every two pieces and byte by byte behave as fed whole.
TEST(ServerProtocolAuth, ExchangesAtEverySplit) {
  const std::vector<std::string> sessions = {
      "EHLO c\r\nAUTH LOGIN\r\n" + base64("alice") + "\r\n" + base64("secret") +
          "\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nQUIT\r\n",
      "EHLO c\r\nAUTH PLAIN\r\n" + plain("alice", "wrong") + "\r\nAUTH PLAIN " +
          plain("alice", "secret") + "\r\nMAIL FROM:<a@b.test>\r\nQUIT\r\n",
      "EHLO c\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN\r\nbad!\r\nAUTH PLAIN =\r\nQUIT\r\n",
  };
  for (const auto& session : sessions) {
    ProtocolDriver whole(auth_limits(), outsider());
    whole.feed(session);
    const auto expected = whole.take();
    ASSERT_TRUE(expected.ends_with("221 2.0.0 Bye\r\n<CLOSE>")) << expected;
    ProtocolDriver bytes(auth_limits(), outsider());
    for (const char c : session) bytes.feed(std::string_view(&c, 1));
    EXPECT_EQ(bytes.take(), expected);
    for (std::size_t split = 1; split < session.size(); ++split) {
      ProtocolDriver d(auth_limits(), outsider());
      d.feed(std::string_view(session).substr(0, split));
      d.feed(std::string_view(session).substr(split));
      ASSERT_EQ(d.take(), expected) << split;
    }
  }
}

TEST(ServerProtocolAuth, ResponsesMayExceedTheCommandLineLimit) {
  ProtocolDriver d(auth_limits(), outsider());
  const std::string password(3000, 'p');  // base64: 4000 bytes, above the 2048 of commands
  d.good_password = password;
  say(d, "EHLO c");
  say(d, "AUTH PLAIN");
  EXPECT_EQ(say(d, plain("alice", password)), "<VERIFY alice>" + std::string(k235));
}

TEST(ServerProtocolAuth, EndlessResponseStaysBounded) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  say(d, "AUTH PLAIN");
  const std::string piece(1000, 'A');
  for (int i = 0; i < 100; ++i) {
    d.feed(piece);
    ASSERT_LT(d.protocol.buffered_bytes(), 12288u);
  }
  EXPECT_EQ(d.take(), "");
  d.feed("\r\nNOOP\r\n");
  EXPECT_EQ(d.take(), "500 5.5.6 Authentication exchange line is too long\r\n250 2.0.0 Ok\r\n");
}

TEST(ServerProtocolAuth, ResponseAtTheLimit) {
  ProtocolDriver d(auth_limits(), outsider());
  say(d, "EHLO c");
  say(d, "AUTH PLAIN");
  EXPECT_EQ(say(d, std::string(12286, 'A')), "501 5.5.2 Cannot decode response\r\n");
  say(d, "AUTH PLAIN");
  EXPECT_EQ(say(d, std::string(12287, 'A')),
            "500 5.5.6 Authentication exchange line is too long\r\n");
  say(d, "AUTH PLAIN");
  EXPECT_EQ(say(d, std::string(12, 'A') + "\r\n"s.substr(0, 1) + "x"),
            "501 5.5.2 Cannot decode response\r\n");  // a bare CR inside
  say(d, "AUTH LOGIN");
  d.feed(base64("alice") + "\n");
  EXPECT_EQ(d.take(), "500 5.5.2 Error: bare <LF> received\r\n");
  EXPECT_EQ(say(d, "NOOP"), "250 2.0.0 Ok\r\n");
}

}  // namespace
}  // namespace sluice::smtpd
