// ClientProtocol's mail transactions when they go through: the pipelined group and the
// step-by-step dialogue, per-recipient results, SIZE and SMTPUTF8 checks, RSET between
// transactions, and the same behaviour for every split of the upstream's bytes.

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

TEST(ClientTransaction, PipelinedEnvelopeIsOneSendEndingWithData) {
  auto up = ready_upstream(kPipelining);
  auto t = make_transaction({"a@x.test", "b@x.test", "c@x.test"});
  t.eight_bit = true;
  up.submit(t);
  ASSERT_EQ(up.sends.size(), 1u);
  EXPECT_EQ(up.sends[0],
            "MAIL FROM:<s@sender.test> SIZE=21 BODY=8BITMIME\r\nRCPT TO:<a@x.test>\r\n"
            "RCPT TO:<b@x.test>\r\nRCPT TO:<c@x.test>\r\nDATA\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::envelope);
  EXPECT_EQ(up.protocol.transactions(), 1u);
  up.take_sent();
  up.reply("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::envelope);
  up.reply("250 2.1.5 Ok\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::data);
  up.reply("354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(up.take_sent(), "Subject: t\r\n\r\nhello\r\n.\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::data_done);
  EXPECT_EQ(up.take_events(), "");
  up.reply("250 2.0.0 Ok: queued as 4Xy\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  ASSERT_EQ(up.done.size(), 1u);
  EXPECT_EQ(describe(up.done[0]),
            "a@x.test delivered 250 2.0.0 Ok: queued as 4Xy | b@x.test delivered 250 2.0.0 Ok: "
            "queued as 4Xy | c@x.test delivered 250 2.0.0 Ok: queued as 4Xy");
  EXPECT_FALSE(up.done[0].fault);
  EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
}

TEST(ClientTransaction, WithoutPipeliningOneCommandPerRoundTrip) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  EXPECT_EQ(up.take_sent(), "MAIL FROM:<s@sender.test> SIZE=21\r\n");
  up.reply("250 Ok\r\n");
  EXPECT_EQ(up.take_sent(), "RCPT TO:<a@x.test>\r\n");
  up.reply("250 Ok\r\n");
  EXPECT_EQ(up.take_sent(), "RCPT TO:<b@x.test>\r\n");
  up.reply("250 Ok\r\n");
  EXPECT_EQ(up.take_sent(), "DATA\r\n");
  EXPECT_EQ(up.protocol.phase(), ClientPhase::data);
  up.reply("354 go\r\n");
  EXPECT_EQ(up.take_sent(), "Subject: t\r\n\r\nhello\r\n.\r\n");
  up.reply("250 queued\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test delivered 250 queued | b@x.test delivered 250 queued");
}

TEST(ClientTransaction, MixedRecipientRepliesFinalAppliesOnlyToTheAccepted) {
  for (const auto& extensions : {kPipelining, kPlain}) {
    auto up = ready_upstream(extensions);
    up.submit(make_transaction({"a@x.test", "b@x.test", "c@x.test"}));
    for (std::string_view reply :
         {"250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "451 4.3.0 Temporary lookup failure\r\n",
          "550 5.1.1 <c@x.test>: Recipient address rejected\r\n", "354 go\r\n",
          "250 2.0.0 queued\r\n"}) {
      up.reply(reply);
    }
    ASSERT_EQ(up.done.size(), 1u);
    EXPECT_EQ(describe(up.done[0]),
              "a@x.test delivered 250 2.0.0 queued | b@x.test deferred 451 4.3.0 Temporary lookup "
              "failure | c@x.test failed 550 5.1.1 <c@x.test>: Recipient address rejected");
    EXPECT_FALSE(up.done[0].fault);
    EXPECT_EQ(up.protocol.phase(), ClientPhase::ready);
  }
}

TEST(ClientTransaction, NobodyAcceptedWithoutPipeliningSendsNoData) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("250 Ok\r\n550 5.1.1 no a\r\n");
  up.reply("450 4.2.0 no b now\r\n");
  EXPECT_EQ(up.take_sent(),
            "MAIL FROM:<s@sender.test> SIZE=21\r\nRCPT TO:<a@x.test>\r\n"
            "RCPT TO:<b@x.test>\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test failed 550 5.1.1 no a | b@x.test deferred 450 4.2.0 no b now");
}

TEST(ClientTransaction, NobodyAcceptedPipelinedConsumesTheDataRefusal) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test"}));
  up.take_sent();
  up.reply("250 Ok\r\n550 5.1.1 no a\r\n");
  EXPECT_EQ(up.take_events(), "");
  up.reply("554 5.5.1 Error: no valid recipients\r\n");
  EXPECT_EQ(up.take_sent(), "");  // the body is never sent
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)), "a@x.test failed 550 5.1.1 no a");
}

TEST(ClientTransaction, DataAcceptedDespiteNoRecipientGetsAnEmptyMessage) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test"}));
  up.take_sent();
  up.reply("250 Ok\r\n550 5.1.1 no a\r\n354 go\r\n");
  EXPECT_EQ(up.take_sent(), ".\r\n");
  EXPECT_EQ(up.take_events(), "");
  up.reply("554 5.5.1 no recipients\r\n");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)), "a@x.test failed 550 5.1.1 no a");
}

TEST(ClientTransaction, SizeOverTheUpstreamLimitFailsBeforeAnyCommand) {
  auto up = ready_upstream({"SIZE 10"});
  up.submit(make_transaction({"a@x.test", "b@x.test"}, "01234567890"));
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "a@x.test failed 552 5.3.4 Message size exceeds the upstream limit of 10 bytes | "
            "b@x.test failed 552 5.3.4 Message size exceeds the upstream limit of 10 bytes");
  EXPECT_FALSE(up.done[0].fault);
  EXPECT_EQ(up.protocol.transactions(), 0u);
  // Exactly the limit is fine.
  up.submit(make_transaction({"a@x.test"}, "0123456789"));
  EXPECT_EQ(up.take_sent(), "MAIL FROM:<s@sender.test> SIZE=10\r\n");
}

TEST(ClientTransaction, SmtpUtf8NeedsTheExtension) {
  auto up = ready_upstream(kPipelining);
  auto t = make_transaction({"ü@x.test"});
  t.smtputf8 = true;
  up.submit(t);
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_EQ(describe(up.done.at(0)),
            "ü@x.test failed 550 5.6.7 The upstream does not support SMTPUTF8");

  auto utf8 = ready_upstream({"SMTPUTF8"});
  utf8.submit(t);
  EXPECT_EQ(utf8.take_sent(), "MAIL FROM:<s@sender.test> SMTPUTF8\r\n");
}

TEST(ClientTransaction, NoEsmtpParametersAfterHelo) {
  ScriptedUpstream up;
  up.reply("220 mx\r\n500 what\r\n250 mx\r\n");
  up.take_sent();
  auto t = make_transaction({"a@x.test"});
  t.eight_bit = true;
  t.sender = "";
  up.submit(t);
  EXPECT_EQ(up.take_sent(), "MAIL FROM:<>\r\n");
}

TEST(ClientTransaction, RsetBeforeEveryLaterTransaction) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test"}));
  up.reply("250 Ok\r\n250 Ok\r\n354 go\r\n250 queued\r\n");
  up.take_sent();
  up.submit(make_transaction({"b@x.test"}));
  EXPECT_EQ(up.take_sent(), "RSET\r\n");
  up.reply("250 2.0.0 Ok\r\n");
  EXPECT_EQ(up.take_sent(), "MAIL FROM:<s@sender.test> SIZE=21\r\n");
  up.reply("250 Ok\r\n250 Ok\r\n354 go\r\n250 queued\r\n");
  EXPECT_EQ(up.done.size(), 2u);
  EXPECT_EQ(up.protocol.transactions(), 2u);

  auto pipelined = ready_upstream(kPipelining);
  pipelined.submit(make_transaction({"a@x.test"}));
  pipelined.reply("250 Ok\r\n550 no\r\n554 no valid recipients\r\n");
  pipelined.take_sent();
  pipelined.submit(make_transaction({"b@x.test"}));
  EXPECT_EQ(pipelined.take_sent(),
            "RSET\r\nMAIL FROM:<s@sender.test> SIZE=21\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
  pipelined.reply("250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 queued\r\n");
  EXPECT_EQ(describe(pipelined.done.at(1)), "b@x.test delivered 250 queued");
}

TEST(ClientTransaction, BodyIsDotStuffed) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test"}, ".hidden\r\nline\r\n.\r\nend"));
  up.reply("250 Ok\r\n250 Ok\r\n");
  up.take_sent();
  up.reply("354 go\r\n");
  EXPECT_EQ(up.take_sent(), "..hidden\r\nline\r\n..\r\nend\r\n.\r\n");
}

TEST(ClientTransaction, EmptyRecipientListIsDoneAtOnce) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({}));
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<DONE><READY>");
  EXPECT_TRUE(up.done.at(0).recipients.empty());
}

TEST(ClientTransaction, SubmitOutsideReadyIsReportedNotLost) {
  ScriptedUpstream up;  // still waiting for the greeting
  up.submit(make_transaction({"a@x.test"}));
  EXPECT_EQ(up.take_sent(), "");
  EXPECT_EQ(up.take_events(), "<DONE>");
  EXPECT_EQ(up.done.at(0).recipients.at(0).outcome, RecipientOutcome::deferred);
  EXPECT_TRUE(up.done[0].recipients[0].account_fault);
  EXPECT_EQ(up.protocol.phase(), ClientPhase::greeting);  // nothing else changed

  auto busy = ready_upstream(kPipelining);
  busy.submit(make_transaction({"a@x.test"}));
  busy.submit(make_transaction({"b@x.test"}));
  EXPECT_EQ(busy.take_events(), "<DONE>");
  EXPECT_EQ(busy.done.at(0).recipients.at(0).address, "b@x.test");
  EXPECT_EQ(busy.protocol.phase(), ClientPhase::envelope);
}

// The whole conversation, split at every byte, and fed byte by byte, behaves the same.
TEST(ClientTransaction, EveryByteSplitOfAPipelinedConversation) {
  const std::string upstream =
      "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
      "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n451 4.7.1 Greylisted\r\n354 go\r\n250 2.0.0 queued\r\n"
      "250 2.0.0 reset\r\n250 2.1.0 Ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n";
  auto run = [&](const std::vector<std::string_view>& pieces) {
    ScriptedUpstream up;
    up.queued = {make_transaction({"a@x.test", "b@x.test"}), make_transaction({"c@x.test"})};
    for (auto piece : pieces) up.reply(piece);
    std::string transcript = up.take_sent() + up.take_events();
    for (const auto& d : up.done) transcript += "[" + describe(d) + "]";
    return transcript;
  };
  const std::string_view bytes(upstream);
  const auto reference = run({bytes});
  EXPECT_EQ(reference,
            "EHLO relay.test\r\nMAIL FROM:<s@sender.test> SIZE=21\r\nRCPT TO:<a@x.test>\r\n"
            "RCPT TO:<b@x.test>\r\nDATA\r\nSubject: t\r\n\r\nhello\r\n.\r\n"
            "RSET\r\nMAIL FROM:<s@sender.test> SIZE=21\r\nRCPT TO:<c@x.test>\r\nDATA\r\n"
            "<READY><DONE><READY><DONE><READY>"
            "[a@x.test delivered 250 2.0.0 queued | b@x.test deferred 451 4.7.1 Greylisted]"
            "[c@x.test failed 550 5.1.1 unknown]");
  for (std::size_t i = 0; i <= upstream.size(); ++i) {
    EXPECT_EQ(run({bytes.substr(0, i), bytes.substr(i)}), reference) << "split at " << i;
  }
  std::vector<std::string_view> one_by_one;
  for (std::size_t i = 0; i < bytes.size(); ++i) one_by_one.push_back(bytes.substr(i, 1));
  EXPECT_EQ(run(one_by_one), reference);
}

}  // namespace
}  // namespace sluice::delivery
