// RecipientResult::reply_code: the upstream reply that decided each recipient, 0 where our
// own words stand for a reply that never came.

#include <gtest/gtest.h>

#include "scripted_upstream.h"
#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {
namespace {

using testing::kPipelining;
using testing::kPlain;
using testing::make_transaction;
using testing::ready_upstream;

std::vector<int> codes(const action::TransactionDone& done) {
  std::vector<int> out;
  for (const auto& r : done.recipients) out.push_back(r.reply_code);
  return out;
}

TEST(ReplyCode, EachRecipientCarriesTheReplyThatJudgedIt) {
  for (const auto& extensions : {kPipelining, kPlain}) {
    auto up = ready_upstream(extensions);
    up.submit(make_transaction({"a@x.test", "b@x.test", "c@x.test"}));
    up.reply("250 Ok\r\n250 Ok\r\n550 5.1.1 no b\r\n452 4.2.2 full\r\n");
    up.reply("354 go\r\n250 2.0.0 queued\r\n");
    ASSERT_EQ(up.done.size(), 1u);
    EXPECT_EQ(codes(up.done[0]), (std::vector<int>{250, 550, 452}));
  }
}

TEST(ReplyCode, RefusedSenderStandsForEveryRecipient) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("553 5.7.1 sender refused\r\n");
  ASSERT_EQ(up.done.size(), 1u);
  EXPECT_EQ(codes(up.done[0]), (std::vector<int>{553, 553}));
}

TEST(ReplyCode, A421KeepsItsCodeOnTheRecipientsItLeftUnjudged) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test", "b@x.test"}));
  up.reply("250 Ok\r\n550 5.1.1 no a\r\n421 4.7.0 closing\r\n");
  ASSERT_EQ(up.done.size(), 1u);
  EXPECT_EQ(codes(up.done[0]), (std::vector<int>{550, 421}));
  EXPECT_TRUE(up.done[0].recipients[1].account_fault);
}

TEST(ReplyCode, NoReplyIsZero) {
  auto up = ready_upstream(kPipelining);
  up.submit(make_transaction({"a@x.test"}));
  up.perform(up.protocol.on_io_error("timed out"));
  ASSERT_EQ(up.done.size(), 1u);
  EXPECT_EQ(codes(up.done[0]), (std::vector<int>{0}));
  EXPECT_TRUE(up.done[0].recipients[0].account_fault);
}

TEST(ReplyCode, GarbageIsNoReply) {
  auto up = ready_upstream(kPlain);
  up.submit(make_transaction({"a@x.test"}));
  up.reply("250 Ok\r\n");
  up.reply("2 50 what\r\n");
  ASSERT_EQ(up.done.size(), 1u);
  EXPECT_EQ(codes(up.done[0]), (std::vector<int>{0}));
}

}  // namespace
}  // namespace sluice::delivery
