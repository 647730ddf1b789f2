// ClientProtocol's session set-up and idle states: greeting, EHLO capabilities, HELO fallback,
// STARTTLS, AUTH PLAIN/LOGIN, probe, quit, unexpected replies and I/O errors.

#include "sluice/delivery/client_protocol.h"

#include <gtest/gtest.h>

#include "scripted_upstream.h"

namespace sluice::delivery {
namespace {

using testing::plain_options;
using testing::ScriptedUpstream;

ClientOptions options_with(ClientTls tls, bool credentials, bool allow_plaintext = false) {
  auto options = plain_options();
  options.tls = tls;
  if (credentials) {
    options.username = "user";
    options.password = "s3cret-pw";
  }
  options.allow_plaintext_auth = allow_plaintext;
  return options;
}

TEST(ClientProtocolSetup, GreetingThenEhloThenReady) {
  ScriptedUpstream up;
  EXPECT_EQ(up.protocol.phase(), ClientPhase::greeting);
  EXPECT_EQ(up.take_sent(), "");  // the upstream speaks first
  up.reply("220 mx.upstream.test ESMTP\r\n");
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::hello);
  up.reply("250 mx.upstream.test\r\n");
  EXPECT_EQ(up.take_events(), "<READY>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
  EXPECT_TRUE(up.protocol.capabilities().esmtp);
  EXPECT_FALSE(up.protocol.tls_active());
}

TEST(ClientProtocolSetup, GreetingOtherThan220Fails) {
  for (std::string_view greeting : {"421 4.3.2 Too busy\r\n", "554 5.7.1 No SMTP service here\r\n",
                                    "250 what\r\n", "220-first line\r\n221 different code\r\n"}) {
    ScriptedUpstream up;
    up.reply(greeting);
    EXPECT_EQ(up.take_events(), "<FAILED>") << greeting;
    EXPECT_EQ(up.take_sent(), "");
    ASSERT_EQ(up.failed.size(), 1u);
    EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
    EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
  }
  ScriptedUpstream up;
  up.reply("554 5.7.1 No SMTP service here\r\n");
  EXPECT_EQ(up.failed[0].fault.reason, "554 5.7.1 No SMTP service here");
}

TEST(ClientProtocolSetup, MultiLineEhloCapabilitiesAnyCase) {
  ScriptedUpstream up;
  up.greet({"pipelining", "Size 35882577", "8bitmime", "SMTPUTF8", "EnhancedStatusCodes",
            "STARTTLS", "AUTH CRAM-MD5 login", "X-UNKNOWN stuff", "CHUNKING"});
  const auto& caps = up.protocol.capabilities();
  EXPECT_TRUE(caps.esmtp);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.size);
  EXPECT_EQ(caps.size_limit, 35882577u);
  EXPECT_TRUE(caps.eight_bit_mime);
  EXPECT_TRUE(caps.smtputf8);
  EXPECT_TRUE(caps.enhanced_status_codes);
  EXPECT_TRUE(caps.starttls);
  EXPECT_TRUE(caps.auth_login);
  EXPECT_FALSE(caps.auth_plain);
  EXPECT_EQ(up.take_events(), "<READY>");
}

TEST(ClientProtocolSetup, FirstEhloLineIsTheNameNotAKeyword) {
  ScriptedUpstream up;
  up.reply("220 PIPELINING\r\n");
  up.reply("250 PIPELINING\r\n");
  EXPECT_FALSE(up.protocol.capabilities().pipelining);
}

TEST(ClientProtocolSetup, OldAuthEqualsForm) {
  ScriptedUpstream up;
  up.greet({"AUTH=PLAIN LOGIN"});
  EXPECT_TRUE(up.protocol.capabilities().auth_plain);
  EXPECT_TRUE(up.protocol.capabilities().auth_login);
}

TEST(ClientProtocolSetup, SizeWithoutALimit) {
  for (const char* keyword : {"SIZE", "SIZE 0", "SIZE lots", "SIZE 99999999999999999999999"}) {
    ScriptedUpstream up;
    up.greet({keyword});
    EXPECT_TRUE(up.protocol.capabilities().size) << keyword;
    EXPECT_FALSE(up.protocol.capabilities().size_limit) << keyword;
  }
}

TEST(ClientProtocolSetup, HeloFallbackWhenEhloIsUnknown) {
  for (int code : {500, 501, 502, 504, 550}) {
    ScriptedUpstream up;
    up.reply("220 old.upstream.test\r\n");
    up.take_sent();
    up.reply(std::to_string(code) + " Command unrecognized\r\n");
    EXPECT_EQ(up.take_sent(), "HELO relay.test\r\n") << code;
    EXPECT_EQ(up.take_events(), "");
    up.reply("250 old.upstream.test\r\n");
    EXPECT_EQ(up.take_events(), "<READY>");
    EXPECT_FALSE(up.protocol.capabilities().esmtp);
    EXPECT_FALSE(up.protocol.capabilities().pipelining);
  }
}

TEST(ClientProtocolSetup, OtherEhloFailuresAndHeloRefusalFail) {
  for (std::string_view reply : {"421 4.3.2 Shutting down\r\n", "451 4.3.0 Later\r\n",
                                 "554 5.7.1 Go away\r\n", "354 what\r\n"}) {
    ScriptedUpstream up;
    up.reply("220 mx\r\n");
    up.reply(reply);
    EXPECT_EQ(up.take_events(), "<FAILED>") << reply;
    EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
  }
  ScriptedUpstream up;
  up.reply("220 mx\r\n502 no EHLO\r\n554 no HELO either\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.reason, "554 no HELO either");
}

TEST(ClientProtocolSetup, StartTlsThenEhloAgainWithCapabilitiesForgotten) {
  ScriptedUpstream up(options_with(ClientTls::starttls, false));
  up.hold_tls = true;
  up.greet({"PIPELINING", "SIZE 1000", "STARTTLS"});
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\nSTARTTLS\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::starttls);
  EXPECT_EQ(up.take_events(), "");
  up.reply("220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(up.take_events(), "<STARTTLS>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::starttls);
  EXPECT_FALSE(up.protocol.tls_active());

  up.perform(up.protocol.on_tls_ready());
  EXPECT_TRUE(up.protocol.tls_active());
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::hello);
  EXPECT_FALSE(up.protocol.capabilities().pipelining);  // forgotten until the new EHLO
  EXPECT_FALSE(up.protocol.capabilities().size_limit);
  up.reply("250-mx\r\n250 AUTH PLAIN\r\n");
  EXPECT_EQ(up.take_events(), "<READY>");
  EXPECT_EQ(up.take_sent(), "");  // no second STARTTLS, no AUTH without credentials
  EXPECT_TRUE(up.protocol.capabilities().auth_plain);
  EXPECT_FALSE(up.protocol.capabilities().pipelining);
}

TEST(ClientProtocolSetup, StartTlsNotOfferedIsNoSilentDowngrade) {
  ScriptedUpstream up(options_with(ClientTls::starttls, true));
  up.greet({"PIPELINING", "AUTH PLAIN"});
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
  EXPECT_NE(up.failed[0].fault.reason.find("does not offer STARTTLS"), std::string::npos);
}

TEST(ClientProtocolSetup, StartTlsRefusedFails) {
  ScriptedUpstream up(options_with(ClientTls::starttls, false));
  up.greet({"STARTTLS"});
  up.reply("454 4.7.0 TLS not available due to temporary reason\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
  EXPECT_NE(up.failed[0].fault.reason.find("454 4.7.0"), std::string::npos);
}

TEST(ClientProtocolSetup, ReplyBeforeTheHandshakeIsRefused) {
  // A man in the middle appending plain-text replies after 220 (CVE-2011-0411 style).
  ScriptedUpstream up(options_with(ClientTls::starttls, false));
  up.hold_tls = true;
  up.greet({"STARTTLS"});
  up.reply("220 go ahead\r\n250 injected\r\n");
  EXPECT_EQ(up.take_events(), "<STARTTLS><FAILED>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
  EXPECT_TRUE(up.protocol.on_tls_ready().empty());
}

TEST(ClientProtocolSetup, TlsReadyWithoutStartTlsFails) {
  ScriptedUpstream up;
  up.greet({});
  up.perform(up.protocol.on_tls_ready());
  EXPECT_EQ(up.take_events(), "<READY><FAILED>");
}

TEST(ClientProtocolSetup, ImplicitTlsNeverSendsStartTls) {
  ScriptedUpstream up(options_with(ClientTls::implicit, true));
  EXPECT_TRUE(up.protocol.tls_active());
  up.greet({"STARTTLS", "AUTH PLAIN"});
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\nAUTH PLAIN AHVzZXIAczNjcmV0LXB3\r\n");
}

TEST(ClientProtocolSetup, AuthPlainAfterStartTls) {
  ScriptedUpstream up(options_with(ClientTls::starttls, true));
  up.greet({"STARTTLS", "AUTH LOGIN PLAIN"});
  up.reply("220 ready\r\n");
  up.reply("250-mx\r\n250 AUTH LOGIN PLAIN\r\n");
  EXPECT_EQ(
      up.take_sent(),
      "EHLO relay.test\r\nSTARTTLS\r\nEHLO relay.test\r\nAUTH PLAIN AHVzZXIAczNjcmV0LXB3\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::auth);
  up.reply("235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(up.take_events(), "<STARTTLS><READY>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
}

TEST(ClientProtocolSetup, AuthLoginWhenPlainIsNotOffered) {
  ScriptedUpstream up(options_with(ClientTls::implicit, true));
  up.greet({"AUTH LOGIN"});
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\nAUTH LOGIN\r\n");
  up.reply("334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(up.take_sent(), "dXNlcg==\r\n");
  up.reply("334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(up.take_sent(), "czNjcmV0LXB3\r\n");
  EXPECT_EQ(up.take_events(), "");
  up.reply("235 2.7.0 Accepted\r\n");
  EXPECT_EQ(up.take_events(), "<READY>");
}

TEST(ClientProtocolSetup, AuthRefusedIsAnAuthFaultWithoutTheCredentials) {
  for (std::string_view refusal : {"535 5.7.8 Username and Password not accepted\r\n",
                                   "534 5.7.9 Application-specific password required\r\n",
                                   "504 5.5.4 Unrecognized authentication type\r\n"}) {
    ScriptedUpstream up(options_with(ClientTls::implicit, true));
    up.greet({"AUTH PLAIN"});
    up.reply(refusal);
    EXPECT_EQ(up.take_events(), "<FAILED>");
    const auto& fault = up.failed[0].fault;
    EXPECT_EQ(fault.kind, AccountFaultKind::auth) << refusal;
    EXPECT_EQ(fault.reason + "\r\n", refusal);
    EXPECT_EQ(fault.reason.find("s3cret"), std::string::npos);
    EXPECT_EQ(fault.reason.find("czNjcmV0"), std::string::npos);
  }
}

TEST(ClientProtocolSetup, AuthTemporaryFailureIsUnavailable) {
  ScriptedUpstream up(options_with(ClientTls::implicit, true));
  up.greet({"AUTH PLAIN"});
  up.reply("454 4.7.0 Temporary authentication failure\r\n");
  EXPECT_EQ(up.failed.at(0).fault.kind, AccountFaultKind::unavailable);
  EXPECT_EQ(up.failed.at(0).fault.reason, "454 4.7.0 Temporary authentication failure");
}

TEST(ClientProtocolSetup, AuthLoginRefusedAtAPrompt) {
  ScriptedUpstream up(options_with(ClientTls::implicit, true));
  up.greet({"AUTH LOGIN"});
  up.reply("334 VXNlcm5hbWU6\r\n535 5.7.8 bad user\r\n");
  EXPECT_EQ(up.failed.at(0).fault.kind, AccountFaultKind::auth);
  ScriptedUpstream early(options_with(ClientTls::implicit, true));
  early.greet({"AUTH LOGIN"});
  early.reply("235 too early\r\n");  // success before any credential makes no sense
  EXPECT_EQ(early.failed.at(0).fault.kind, AccountFaultKind::auth);
}

TEST(ClientProtocolSetup, NoCredentialsWithoutTls) {
  ScriptedUpstream up(options_with(ClientTls::none, true));
  up.greet({"AUTH PLAIN LOGIN"});
  EXPECT_EQ(up.take_sent(), "EHLO relay.test\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::auth);
  EXPECT_EQ(up.failed[0].fault.reason, "refusing to send credentials without TLS");

  ScriptedUpstream allowed(options_with(ClientTls::none, true, true));
  allowed.greet({"AUTH PLAIN LOGIN"});
  EXPECT_EQ(allowed.take_sent(), "EHLO relay.test\r\nAUTH PLAIN AHVzZXIAczNjcmV0LXB3\r\n");
}

TEST(ClientProtocolSetup, AuthNotOfferedFails) {
  ScriptedUpstream up(options_with(ClientTls::implicit, true));
  up.greet({"AUTH CRAM-MD5 XOAUTH2"});
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::auth);
  // After a HELO fallback nothing is offered either.
  ScriptedUpstream helo(options_with(ClientTls::implicit, true));
  helo.reply("220 mx\r\n500 no\r\n250 mx\r\n");
  EXPECT_EQ(helo.failed.at(0).fault.kind, AccountFaultKind::auth);
}

TEST(ClientProtocolIdle, ProbeAnswered) {
  ScriptedUpstream up;
  up.greet({});
  up.take_sent();
  up.take_events();
  up.perform(up.protocol.probe());
  EXPECT_EQ(up.take_sent(), "NOOP\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::probing);
  EXPECT_TRUE(up.protocol.probe().empty());  // one at a time
  up.reply("250 2.0.0 Ok\r\n");
  EXPECT_EQ(up.take_events(), "<PROBE-OK><READY>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
}

TEST(ClientProtocolIdle, ProbeRefusedFails) {
  ScriptedUpstream up;
  up.greet({});
  up.take_events();
  up.perform(up.protocol.probe());
  up.reply("421 4.4.2 Idle timeout\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.reason, "421 4.4.2 Idle timeout");
}

TEST(ClientProtocolIdle, ProbeBeforeReadyIsIgnored) {
  ScriptedUpstream up;
  EXPECT_TRUE(up.protocol.probe().empty());
  EXPECT_EQ(up.protocol.phase(), ClientPhase::greeting);
}

TEST(ClientProtocolIdle, QuitAnsweredByAnythingCloses) {
  for (std::string_view answer : {"221 2.0.0 Bye\r\n", "500 what\r\n"}) {
    ScriptedUpstream up;
    up.greet({});
    up.take_sent();
    up.take_events();
    up.perform(up.protocol.quit());
    EXPECT_EQ(up.take_sent(), "QUIT\r\n");
    EXPECT_EQ(up.protocol.phase(), ClientPhase::quitting);
    up.reply(answer);
    EXPECT_EQ(up.take_events(), "<CLOSE>");
    EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
  }
}

TEST(ClientProtocolIdle, HangUpAfterQuitJustCloses) {
  ScriptedUpstream up;
  up.greet({});
  up.take_events();
  up.perform(up.protocol.quit());
  up.perform(up.protocol.on_io_error("connection closed"));
  EXPECT_EQ(up.take_events(), "<CLOSE>");
  EXPECT_TRUE(up.failed.empty());
}

TEST(ClientProtocolIdle, QuitBeforeReadyJustCloses) {
  ScriptedUpstream up;
  up.reply("220 mx\r\n");
  up.take_sent();
  up.perform(up.protocol.quit());
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<CLOSE>");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
}

TEST(ClientProtocolIdle, UnsolicitedReplyFails) {
  ScriptedUpstream up;
  up.greet({});
  up.take_events();
  up.reply("421 4.4.2 mx Error: timeout exceeded\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
  EXPECT_NE(up.failed[0].fault.reason.find("unexpected reply"), std::string::npos);
}

TEST(ClientProtocolIdle, IoErrorOutsideATransactionOnlyFails) {
  ScriptedUpstream up;
  up.reply("220 mx\r\n");
  up.perform(up.protocol.on_io_error("timed out after 300s waiting for the EHLO reply"));
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_TRUE(up.done.empty());
  EXPECT_EQ(up.failed[0].fault.kind, AccountFaultKind::unavailable);
  EXPECT_EQ(up.failed[0].fault.reason, "timed out after 300s waiting for the EHLO reply");
}

TEST(ClientProtocolIdle, GarbageFromTheUpstreamEndsTheConnection) {
  ScriptedUpstream up;
  up.reply("220 mx\r\n");
  up.reply("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_EQ(up.take_events(), "<FAILED>");
  EXPECT_NE(up.failed[0].fault.reason.find("malformed reply line"), std::string::npos);
}

TEST(ClientProtocolIdle, AfterFailureNothingMoreHappens) {
  ScriptedUpstream up;
  up.reply("554 no\r\n");
  ASSERT_EQ(up.take_events(), "<FAILED>");
  EXPECT_TRUE(up.protocol.on_reply(SmtpReply{250, "", {"ok"}}).empty());
  EXPECT_TRUE(up.protocol.on_io_error("late").empty());
  EXPECT_TRUE(up.protocol.on_tls_ready().empty());
  EXPECT_TRUE(up.protocol.probe().empty());
  EXPECT_TRUE(up.protocol.quit().empty());
  EXPECT_TRUE(up.protocol.on_connected().empty());
  EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
}

TEST(ClientProtocolIdle, MovesKeepTheState) {
  ClientProtocol first(plain_options());
  first.on_reply(SmtpReply{220, "", {"mx"}});
  ClientProtocol second(std::move(first));
  EXPECT_EQ(second.phase(), ClientPhase::hello);
}

}  // namespace
}  // namespace sluice::delivery
