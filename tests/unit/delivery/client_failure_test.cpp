// ClientProtocol's mail transactions when something goes wrong: refusals at every step, quota
// replies, 421, I/O errors, garbage and nonsense replies, QUIT in the middle.

#include <gtest/gtest.h>

#include "scripted_upstream.h"
#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {
namespace {

using testing::describe;
using testing::kPipelining;
using testing::kPlain;
using testing::make_transaction;
using testing::ready_upstream;
using testing::ScriptedUpstream;

TEST(ClientTransactionFailure, Reply421MidRcptEndsTheConnection) {
  for (const auto& extensions : {kPipelining, kPlain}) {
    auto up = ready_upstream(extensions);
    up.submit(make_transaction({"a@x.test", "b@x.test", "c@x.test"}));
    up.reply("250 Ok\r\n250 Ok\r\n550 5.1.1 no b\r\n421 4.7.0 Too many errors, closing\r\n");
    EXPECT_EQ(up.take_events(), "<DONE><FAILED>");
    EXPECT_EQ(describe(up.done.at(0)),
              "a@x.test deferred! 421 4.7.0 Too many errors, closing | b@x.test failed 550 5.1.1 "
              "no b | c@x.test deferred! 421 4.7.0 Too many errors, closing");
    ASSERT_TRUE(up.done[0].fault);
    EXPECT_EQ(up.done[0].fault->kind, AccountFaultKind::unavailable);
    EXPECT_EQ(up.failed.at(0).fault.reason, "421 4.7.0 Too many errors, closing");
    EXPECT_EQ(up.protocol.phase(), ClientPhase::closed);
  }
}

TEST(ClientTransactionFailure, IoErrorMidDataDefersTheUnjudged) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("250 Ok\r\n550 5.1.1 no a\r\n250 Ok\r\n354 go\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::data_done);
  up.perform(up.protocol.on_io_error("timed out after 600s waiting for the end-of-data reply"));
  EXPECT_EQ(up.take_events(), "<DONE><FAILED>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test failed 550 5.1.1 no a | b@x.test deferred! 451 4.4.2 timed out after 600s "
            "waiting for the end-of-data reply");
  ASSERT_TRUE(up.done[0].fault);
  EXPECT_EQ(up.done[0].fault->kind, AccountFaultKind::unavailable);
  EXPECT_EQ(up.done[0].fault->reason, "timed out after 600s waiting for the end-of-data reply");
  EXPECT_EQ(up.failed.at(0).fault.kind, AccountFaultKind::unavailable);
}

TEST(ClientTransactionFailure, GarbageMidEnvelopeDefersEveryone) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test"}));
  up.reply("250 Ok\r\n");
  up.reply("2 50 what\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><FAILED>");
  EXPECT_TRUE(up.done.at(0).recipients.at(0).account_fault);
  EXPECT_EQ(up.done[0].recipients[0].outcome, RecipientOutcome::deferred);
}

TEST(ClientTransactionFailure, RsetRefusedMakesTheConnectionUnusable) {
  for (const auto& extensions : {kPipelining, kPlain}) {
    auto up = ready_upstream(extensions);
    up.submit(make_transaction({"a@x.test"}));
    up.reply("250 Ok\r\n250 Ok\r\n354 go\r\n250 queued\r\n");
    up.take_events();
    up.submit(make_transaction({"b@x.test", "c@x.test"}));
    up.reply("503 5.5.1 Error: out of sync\r\n");
    EXPECT_EQ(up.take_events(), "<DONE><FAILED>");
    EXPECT_EQ(describe(up.done.at(1)),
              "b@x.test deferred! 503 5.5.1 Error: out of sync | c@x.test deferred! 503 5.5.1 "
              "Error: out of sync");
    EXPECT_EQ(up.done[1].fault->kind, AccountFaultKind::unavailable);
  }
}

TEST(ClientTransactionFailure, MailRefusedJudgesEveryRecipientAndKeepsTheConnection) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.take_sent();
  up.reply("553 5.7.1 Sender address rejected\r\n");
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test failed 553 5.7.1 Sender address rejected | b@x.test failed 553 5.7.1 Sender "
            "address rejected");
  EXPECT_FALSE(up.done[0].fault);
  up.submit(make_transaction({"a@x.test"}));
  up.reply("250 ok\r\n");  // the RSET
  up.reply("451 4.3.0 Temporary failure\r\n");
  EXPECT_EQ(describe(up.done.at(1)), "a@x.test deferred 451 4.3.0 Temporary failure");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
}

TEST(ClientTransactionFailure, PipelinedMailRefusalConsumesTheRestOfTheGroup) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.take_sent();
  up.reply("550 5.7.1 Sender rejected\r\n503 5.5.1 need MAIL\r\n");
  EXPECT_EQ(up.take_events(), "");
  up.reply("503 5.5.1 need MAIL\r\n");
  EXPECT_EQ(up.take_events(), "");
  up.reply("503 5.5.1 need RCPT\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(
      describe(up.done.at(0)),
      "a@x.test failed 550 5.7.1 Sender rejected | b@x.test failed 550 5.7.1 Sender rejected");
  EXPECT_EQ(up.take_sent(), "");
}

TEST(ClientTransactionFailure, QuotaReplyToMailIsTheAccountsFault) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("550 5.4.5 Daily user sending quota exceeded\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test deferred! 550 5.4.5 Daily user sending quota exceeded | b@x.test deferred! "
            "550 5.4.5 Daily user sending quota exceeded");
  ASSERT_TRUE(up.done[0].fault);
  EXPECT_EQ(up.done[0].fault->kind, AccountFaultKind::quota);
  EXPECT_EQ(up.done[0].fault->reason, "550 5.4.5 Daily user sending quota exceeded");
}

TEST(ClientTransactionFailure, QuotaReplyToOneRcptMarksOnlyThatRecipient) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test", "b@x.test", "c@x.test"}));
  up.reply("250 Ok\r\n250 Ok\r\n451 4.7.0 Try again later\r\n552 5.2.2 Mailbox over quota\r\n");
  up.reply("354 go\r\n250 queued\r\n");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test delivered 250 queued | b@x.test deferred! 451 4.7.0 Try again later | "
            "c@x.test failed 552 5.2.2 Mailbox over quota");
  ASSERT_TRUE(up.done[0].fault);
  EXPECT_EQ(up.done[0].fault->kind, AccountFaultKind::quota);
}

TEST(ClientTransactionFailure, DataRefusedAppliesToTheAccepted) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("250 Ok\r\n250 Ok\r\n550 5.1.1 no b\r\n554 5.7.1 Transaction failed\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test failed 554 5.7.1 Transaction failed | b@x.test failed 550 5.1.1 no b");
}

TEST(ClientTransactionFailure, FinalRefusalsApplyToTheAccepted) {
  struct Case {
    const char* reply;
    const char* expected;
    bool quota;
  };
  for (const Case& c :
       {Case{"451 4.3.0 Queue full", "a@x.test deferred 451 4.3.0 Queue full", false},
        Case{"552 5.3.4 Message too big", "a@x.test failed 552 5.3.4 Message too big", false},
        Case{"450 4.7.1 Sending limit exceeded",
             "a@x.test deferred! 450 4.7.1 Sending limit exceeded", true}}) {
    auto up = ready_upstream(kPipelining);
    up.submit(make_transaction({"a@x.test"}));
    up.reply("250 Ok\r\n250 Ok\r\n354 go\r\n" + std::string(c.reply) + "\r\n");
    EXPECT_EQ(up.take_events(), "<DONE><READY>");
    EXPECT_EQ(describe(up.done.at(0)), c.expected);
    EXPECT_EQ(up.done[0].fault.has_value(), c.quota);
  }
}

TEST(ClientTransactionFailure, UnexpectedPositiveRepliesAreProtocolErrors) {
  for (std::string_view script :
       {"354 what\r\n", "250 Ok\r\n334 eh\r\n", "250 Ok\r\n250 Ok\r\n250 no 354\r\n",
        "250 Ok\r\n250 Ok\r\n354 go\r\n354 again\r\n"}) {
    auto up = ready_upstream(kPipelining);
    up.submit(make_transaction({"a@x.test"}));
    up.reply(script);
    EXPECT_EQ(up.take_events(), "<DONE><FAILED>") << script;
    EXPECT_TRUE(up.done.at(0).recipients.at(0).account_fault) << script;
    EXPECT_EQ(up.failed.at(0).fault.kind, AccountFaultKind::unavailable);
  }
}

TEST(ClientTransactionFailure, QuitDuringATransactionReportsIt) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test"}));
  up.perform(up.protocol.quit());
  EXPECT_EQ(up.take_events(), "<DONE><CLOSE>");
  EXPECT_TRUE(up.done.at(0).recipients.at(0).account_fault);
}

}  // namespace
}  // namespace sluice::delivery
