#include "sluice/outcome/disposition.h"

#include <gtest/gtest.h>

#include "manual_clock.h"

namespace sluice::outcome {
namespace {

using delivery::RecipientOutcome;
using mail::RecipientState;
using std::chrono::seconds;

queue::QueuedMessage message_to(std::vector<std::string> rcpts, SystemTime arrival) {
  queue::QueuedMessage m;
  m.id = "0000000000A00001";
  m.arrival = arrival;
  for (auto& r : rcpts) m.recipients.push_back({r, RecipientState::pending, {}});
  return m;
}

delivery::DeliveryResult result(std::vector<std::pair<std::string, RecipientOutcome>> rs) {
  delivery::DeliveryResult out{"test[x]", {}, std::nullopt};
  for (auto& [a, o] : rs) {
    const char* reply = o == RecipientOutcome::delivered ? "250 2.0.0 ok"
                        : o == RecipientOutcome::failed  ? "550 5.1.1 no such user"
                                                         : "451 4.3.0 try later";
    out.recipients.push_back({a, o, reply});
  }
  return out;
}

class DispositionTest : public ::testing::Test {
 protected:
  testing::ManualClock clock;
  RetryPolicy policy{{seconds(300), seconds(4000)}, seconds(5 * 86400)};
};

TEST_F(DispositionTest, AllDeliveredIsDone) {
  auto m = message_to({"a@x", "b@x"}, clock.now());
  auto d = apply_delivery_result(
      m, result({{"a@x", RecipientOutcome::delivered}, {"b@x", RecipientOutcome::delivered}}),
      policy, clock.now(), 0.5);
  EXPECT_EQ(d, Disposition::done);
  EXPECT_EQ(m.attempts, 1u);
}

TEST_F(DispositionTest, MixedResultsRetryOnlyTheDeferredOne) {
  auto m = message_to({"a@x", "b@x", "c@x"}, clock.now());
  auto d = apply_delivery_result(m,
                                 result({{"a@x", RecipientOutcome::delivered},
                                         {"b@x", RecipientOutcome::deferred},
                                         {"c@x", RecipientOutcome::failed}}),
                                 policy, clock.now(), 1.0);
  EXPECT_EQ(d, Disposition::retry);
  EXPECT_EQ(m.recipients[0].state, RecipientState::delivered);
  EXPECT_EQ(m.recipients[1].state, RecipientState::pending);
  EXPECT_EQ(m.recipients[2].state, RecipientState::failed);
  EXPECT_EQ(m.next_attempt, clock.now() + seconds(300));
  EXPECT_EQ(m.recipients[1].last_reply, "451 4.3.0 try later");
  EXPECT_FALSE(m.last_error.empty());

  // The second attempt never touches the delivered recipient, even if a result names it.
  clock.advance(seconds(300));
  d = apply_delivery_result(
      m, result({{"a@x", RecipientOutcome::failed}, {"b@x", RecipientOutcome::delivered}}), policy,
      clock.now(), 1.0);
  EXPECT_EQ(d, Disposition::dead);
  EXPECT_EQ(m.recipients[0].state, RecipientState::delivered);
  EXPECT_EQ(m.state, queue::MessageState::dead);
  EXPECT_EQ(m.attempts, 2u);
}

TEST_F(DispositionTest, BackoffGrowsWithAttempts) {
  auto m = message_to({"a@x"}, clock.now());
  std::vector<seconds> waits;
  for (int i = 0; i < 6; ++i) {
    apply_delivery_result(m, result({{"a@x", RecipientOutcome::deferred}}), policy, clock.now(),
                          1.0);
    waits.push_back(std::chrono::duration_cast<seconds>(m.next_attempt - clock.now()));
    clock.set(m.next_attempt);
  }
  EXPECT_EQ(waits, (std::vector<seconds>{seconds(300), seconds(600), seconds(1200), seconds(2400),
                                         seconds(4000), seconds(4000)}));
}

TEST_F(DispositionTest, ExpiredPendingRecipientsFail) {
  auto m = message_to({"a@x"}, clock.now());
  clock.advance(seconds(5 * 86400));
  auto d = apply_delivery_result(m, result({{"a@x", RecipientOutcome::deferred}}), policy,
                                 clock.now(), 0.0);
  EXPECT_EQ(d, Disposition::dead);
  EXPECT_EQ(m.recipients[0].state, RecipientState::failed);
  EXPECT_NE(m.recipients[0].last_reply.find("expired"), std::string::npos);
}

TEST_F(DispositionTest, AccountFaultKeepsRecipientsPendingWithoutSpendingAnAttempt) {
  auto m = message_to({"a@x", "b@x"}, clock.now());
  auto faulted = result({{"a@x", RecipientOutcome::deferred}, {"b@x", RecipientOutcome::deferred}});
  for (auto& r : faulted.recipients) {
    r.account_fault = true;
    r.reply = "451 4.4.2 connection refused";
  }
  const auto resume = clock.now() + seconds(30);
  auto d = apply_delivery_result(m, faulted, policy, clock.now(), 1.0, resume);
  EXPECT_EQ(d, Disposition::retry);
  EXPECT_EQ(m.attempts, 0u);
  EXPECT_EQ(m.next_attempt, resume);
  EXPECT_EQ(m.recipients[0].state, RecipientState::pending);
  EXPECT_EQ(m.recipients[0].last_reply, "451 4.4.2 connection refused");
  EXPECT_EQ(m.last_error, "451 4.4.2 connection refused");
}

TEST_F(DispositionTest, AccountFaultBesideADeliveryWaitsForTheAccountNotTheBackoff) {
  auto m = message_to({"a@x", "b@x"}, clock.now());
  auto mixed = result({{"a@x", RecipientOutcome::delivered}, {"b@x", RecipientOutcome::deferred}});
  mixed.recipients[1].account_fault = true;
  const auto resume = clock.now() + seconds(5);
  auto d = apply_delivery_result(m, mixed, policy, clock.now(), 1.0, resume);
  EXPECT_EQ(d, Disposition::retry);
  EXPECT_EQ(m.attempts, 1u);
  EXPECT_EQ(m.next_attempt, resume);
  EXPECT_EQ(m.recipients[0].state, RecipientState::delivered);
}

TEST_F(DispositionTest, ResultThatJudgesNothingBacksOff) {
  auto m = message_to({"a@x"}, clock.now());
  auto d = apply_delivery_result(m, result({}), policy, clock.now(), 1.0);
  EXPECT_EQ(d, Disposition::retry);
  EXPECT_EQ(m.attempts, 1u);
  EXPECT_EQ(m.next_attempt, clock.now() + seconds(300));
}

TEST_F(DispositionTest, DeadMessageIsKeptForItsLifetime) {
  auto m = message_to({"a@x"}, clock.now());
  policy.dead_message_lifetime = seconds(3600);
  auto d = apply_delivery_result(m, result({{"a@x", RecipientOutcome::failed}}), policy,
                                 clock.now(), 0.0);
  EXPECT_EQ(d, Disposition::dead);
  EXPECT_FALSE(dead_message_expired(m, clock.now() + seconds(3599)));
  EXPECT_TRUE(dead_message_expired(m, clock.now() + seconds(3600)));
}

}  // namespace
}  // namespace sluice::outcome
