#include "sluice/scheduler/queue_runner.h"

#include <gtest/gtest.h>

#include <set>

#include "runner_test_support.h"

namespace sluice::scheduler {
namespace {

using delivery::RecipientOutcome;
using std::chrono::milliseconds;
using std::chrono::seconds;

using test::ScriptedTransport;

class QueueRunnerTest : public test::RunnerTest {};

TEST_F(QueueRunnerTest, DeliveredMessageIsRemoved) {
  ScriptedTransport transport;
  enqueue("0000000000A00001", {"a@x", "b@x"});
  auto runner = make_runner(&transport);
  runner->start();
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(transport.requests[0].recipients, (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_EQ(*transport.requests[0].body, "Subject: x\r\n\r\nbody\r\n");
}

TEST_F(QueueRunnerTest, DeferredMessageWaitsForItsBackoff) {
  ScriptedTransport transport;
  transport.outcome = RecipientOutcome::deferred;
  enqueue("0000000000A00001");
  auto runner = make_runner(&transport);
  runner->start();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->attempts == 1;
  }));
  auto m = store.find("0000000000A00001");
  EXPECT_EQ(m->next_attempt, clock.now() + seconds(300));
  EXPECT_EQ(m->last_error, "451 4.3.0 later");

  io.restart();
  io.run_for(milliseconds(50));  // not due yet: nothing more happens
  EXPECT_EQ(transport.requests.size(), 1u);

  clock.advance(seconds(300));
  transport.outcome = RecipientOutcome::delivered;
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
  EXPECT_EQ(transport.requests.size(), 2u);
}

TEST_F(QueueRunnerTest, NeverMoreThanConcurrencyInFlight) {
  ScriptedTransport transport;
  transport.hold_open = true;
  for (int i = 0; i < 10; ++i) enqueue("0000000000A0000" + std::to_string(i));
  auto runner = make_runner(&transport, 3);
  runner->start();
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 3; }));
  io.restart();
  io.run_for(milliseconds(30));
  EXPECT_EQ(transport.requests.size(), 3u);
  EXPECT_EQ(runner->in_flight(), 3u);

  // Completing one frees one slot; the same message is never dispatched twice.
  transport.hold_open = false;
  auto first = std::move(transport.open.front());
  first(transport.result_for(transport.requests.front()));
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 10; }));
  std::set<std::string> ids;
  for (const auto& r : transport.requests) ids.insert(r.id);
  EXPECT_EQ(ids.size(), 10u);
  for (std::size_t i = 1; i < 3; ++i)
    transport.open[i](transport.result_for(transport.requests[i]));
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 0; }));
}

TEST_F(QueueRunnerTest, WhileEverySlotIsBusyMailWaitsUntouchedThenFlows) {
  ScriptedTransport transport;
  router.accounts = {{"only", &transport}};
  router.busy = true;
  enqueue("0000000000A00001");
  auto runner = make_runner(8);
  runner->start();
  io.run_for(milliseconds(5));  // the start-up sweep of dead messages has run
  const auto writes_before = store.writes();
  io.restart();
  io.run_for(milliseconds(50));
  auto m = store.find("0000000000A00001");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->attempts, 0u);  // no retry budget spent
  EXPECT_EQ(store.writes(), writes_before);

  router.busy = false;  // a slot frees up: the pause ends and the mail flows
  clock.advance(seconds(1));
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
  EXPECT_EQ(transport.requests.size(), 1u);
}

TEST_F(QueueRunnerTest, WithNoUsableAccountMailIsPostponedWithoutAnAttempt) {
  ScriptedTransport transport;
  router.accounts = {{"down", &transport, false}};
  router.retry_at = clock.now() + seconds(30);
  enqueue("0000000000A00001");
  auto runner = make_runner(8);
  runner->start();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->next_attempt == clock.now() + seconds(30);
  }));
  auto m = store.find("0000000000A00001");
  EXPECT_EQ(m->attempts, 0u);
  EXPECT_NE(m->last_error.find("temporarily suspended"), std::string::npos);
  EXPECT_TRUE(transport.requests.empty());

  router.accounts[0].usable = true;  // the account recovers: the mail flows when due
  clock.advance(seconds(30));
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
}

TEST_F(QueueRunnerTest, AccountFailureMovesTheMessageToTheNextAccountAtOnce) {
  ScriptedTransport broken, healthy;
  broken.account_fails = true;
  router.accounts = {{"broken", &broken}, {"healthy", &healthy}};
  enqueue("0000000000A00001", {"a@x", "b@x"});
  auto runner = make_runner(8);
  runner->start();
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
  ASSERT_EQ(broken.requests.size(), 1u);
  ASSERT_EQ(healthy.requests.size(), 1u);
  EXPECT_EQ(healthy.requests[0].recipients, (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_EQ(router.finished_accounts, (std::vector<std::string>{"broken", "healthy"}));
}

TEST_F(QueueRunnerTest, WhenEveryAccountFailsTheMessageWaitsWithoutSpendingAnAttempt) {
  ScriptedTransport first, second;
  first.account_fails = second.account_fails = true;
  router.accounts = {{"first", &first}, {"second", &second}};
  router.retry_at = clock.now() + seconds(30);
  enqueue("0000000000A00001");
  auto runner = make_runner(8);
  runner->start();
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 0 && second.requests.size() == 1; }));
  auto m = store.find("0000000000A00001");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->attempts, 0u);
  EXPECT_EQ(m->next_attempt, clock.now() + seconds(30));
  EXPECT_EQ(m->recipients[0].state, mail::RecipientState::pending);
  EXPECT_EQ(first.requests.size(), 1u);
}

TEST_F(QueueRunnerTest, PermanentFailureBouncesToTheSenderAndKeepsTheMessageDead) {
  ScriptedTransport transport;
  transport.outcome = RecipientOutcome::failed;
  enqueue("0000000000A00001", {"a@x"}, "sender@shop.example");
  auto runner = make_runner(&transport);
  runner->start();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead && transport.requests.size() >= 2;
  }));
  // The bounce went out through the same router: null sender, to the original sender.
  const auto& bounce = transport.requests[1];
  EXPECT_EQ(bounce.sender, "");
  EXPECT_EQ(bounce.recipients, (std::vector<std::string>{"sender@shop.example"}));
  EXPECT_NE(bounce.body->find("multipart/report"), std::string::npos);
  EXPECT_NE(bounce.body->find("a@x"), std::string::npos);
}

TEST_F(QueueRunnerTest, BounceOfABounceIsNeverSent) {
  ScriptedTransport transport;
  transport.outcome = RecipientOutcome::failed;
  enqueue("0000000000A00001", {"a@x"}, "");
  auto runner = make_runner(&transport);
  runner->start();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead && runner->in_flight() == 0;
  }));
  io.restart();
  io.run_for(milliseconds(30));
  EXPECT_EQ(transport.requests.size(), 1u);
}

TEST_F(QueueRunnerTest, DeadMessagesAreSweptAfterTheirLifetime) {
  ScriptedTransport transport;
  transport.outcome = RecipientOutcome::failed;
  enqueue("0000000000A00001", {"a@x"}, "");
  RunnerSettings settings;
  settings.idle_poll = milliseconds(5);
  settings.refresh_min = milliseconds(0);
  settings.retry.dead_message_lifetime = seconds(60);
  settings.dead_sweep_interval = milliseconds(10);
  router.accounts = {{"only", &transport}};
  QueueRunner runner(io, store, router, ids, clock, settings, [] { return 1.0; });
  runner.start();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead;
  }));
  clock.advance(seconds(61));
  ASSERT_TRUE(run_until([&] { return !store.find("0000000000A00001"); }));
  runner.stop();
  io.restart();
  io.run_for(milliseconds(10));
}

TEST_F(QueueRunnerTest, MessageHeldDuringDeliveryStaysHeld) {
  ScriptedTransport transport;
  transport.hold_open = true;
  transport.outcome = RecipientOutcome::deferred;
  enqueue("0000000000A00001");
  auto runner = make_runner(&transport);
  runner->start();
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 1; }));
  store.modify(
      "0000000000A00001",
      [](queue::QueuedMessage& m) {
        m.state = queue::MessageState::held;
        return queue::Edit::keep;
      },
      [](Result<void> r) { ASSERT_TRUE(r); });
  transport.open[0](transport.result_for(transport.requests[0]));
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 0; }));
  EXPECT_EQ(store.find("0000000000A00001")->state, queue::MessageState::held);
}

}  // namespace
}  // namespace sluice::scheduler
