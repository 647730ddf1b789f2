// What a real QueueRunner reports through DeliveryEvents (attempts, recipients by result and
// reply code, latency from arrival) and its SchedulerView through pauses, windows and parking.
#include <gtest/gtest.h>

#include "runner_test_support.h"

namespace sluice::scheduler {
namespace {

using delivery::RecipientOutcome;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Key = test::RecordingEvents::Key;
using Counts = std::map<Key, std::uint32_t>;

class DeliveryEventsTest : public test::CampaignFixture {
 protected:
  bool gone(const std::string& id) { return !store.find(id).ok(); }
  bool attempted_once_more(const std::string& id, std::uint32_t attempts) {
    auto m = store.find(id);
    return m && m->attempts == attempts && runner->in_flight() == 0;
  }
};

TEST_F(DeliveryEventsTest, SentRecipientsAreOneCountAndTheLatencyRunsFromArrival) {
  enqueue("0000000000A00001", {"a@x", "b@x"});
  clock.advance(seconds(3));  // it waited in the queue this long
  runner = start_runner();
  ASSERT_TRUE(run_until([&] { return gone("0000000000A00001"); }));
  EXPECT_EQ(events.attempts, (std::map<std::string, int>{{"only", 1}}));
  EXPECT_EQ(events.recipients_by, (Counts{{{"only", RecipientResult::sent, 250}, 2}}));
  EXPECT_EQ(events.recipient_calls, 1u);  // grouped: one call for the pair
  ASSERT_EQ(events.latencies.size(), 1u);
  EXPECT_EQ(events.latencies[0], seconds(3));
}

TEST_F(DeliveryEventsTest, TemporaryFailureIsDeferredWithItsReplyAndNoLatency) {
  transport.outcome = RecipientOutcome::deferred;
  enqueue("0000000000A00001");
  runner = start_runner();
  ASSERT_TRUE(run_until([&] { return attempted_once_more("0000000000A00001", 1); }));
  EXPECT_EQ(events.attempts, (std::map<std::string, int>{{"only", 1}}));
  EXPECT_EQ(events.recipients_by, (Counts{{{"only", RecipientResult::deferred, 451}, 1}}));
  EXPECT_TRUE(events.latencies.empty());
}

TEST_F(DeliveryEventsTest, PermanentFailureIsBounced) {
  transport.outcome = RecipientOutcome::failed;
  enqueue("0000000000A00001", {"a@x", "b@x", "c@x"}, "");  // null sender: no DSN to count
  runner = start_runner();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead && runner->in_flight() == 0;
  }));
  EXPECT_EQ(events.recipients_by, (Counts{{{"only", RecipientResult::bounced, 550}, 3}}));
  EXPECT_TRUE(events.latencies.empty());
}

TEST_F(DeliveryEventsTest, ADeferralPastTheQueueLifetimeIsBounced) {
  transport.outcome = RecipientOutcome::deferred;
  enqueue("0000000000A00001", {"a@x"}, "");
  clock.advance(seconds(5 * 86400));  // the default maximal_queue_lifetime
  runner = start_runner();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead && runner->in_flight() == 0;
  }));
  EXPECT_EQ(events.recipients_by, (Counts{{{"only", RecipientResult::bounced, 451}, 1}}));
}

TEST_F(DeliveryEventsTest, FailoverCountsAsDeferredForTheFailingAccount) {
  test::ScriptedTransport broken;
  broken.account_fails = true;
  runner = start_runner();
  router.accounts = {{"broken", &broken}, {"healthy", &transport}};
  enqueue("0000000000A00001", {"a@x", "b@x"});
  runner->wake();
  ASSERT_TRUE(run_until([&] { return gone("0000000000A00001"); }));
  EXPECT_EQ(events.attempts, (std::map<std::string, int>{{"broken", 1}, {"healthy", 1}}));
  EXPECT_EQ(events.recipients_by, (Counts{{{"broken", RecipientResult::deferred, 0}, 2},
                                          {{"healthy", RecipientResult::sent, 250}, 2}}));
  EXPECT_EQ(events.latencies.size(), 1u);
}

TEST_F(DeliveryEventsTest, WhenEveryAccountFailsEachCountsItsDeferral) {
  test::ScriptedTransport second;
  transport.account_fails = second.account_fails = true;
  runner = start_runner();
  router.accounts = {{"first", &transport}, {"second", &second}};
  router.retry_at = clock.now() + seconds(30);
  enqueue("0000000000A00001");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return second.requests.size() == 1 && runner->in_flight() == 0; }));
  EXPECT_EQ(events.recipients_by, (Counts{{{"first", RecipientResult::deferred, 0}, 1},
                                          {{"second", RecipientResult::deferred, 0}, 1}}));
  EXPECT_TRUE(events.latencies.empty());
}

TEST_F(DeliveryEventsTest, MixedRecipientsAreGroupedByResultAndReply) {
  transport.outcomes = {{"a@x", RecipientOutcome::delivered},
                        {"b@x", RecipientOutcome::deferred},
                        {"c@x", RecipientOutcome::failed},
                        {"d@x", RecipientOutcome::delivered}};
  enqueue("0000000000A00001", {"a@x", "b@x", "c@x", "d@x"}, "");
  runner = start_runner();
  ASSERT_TRUE(run_until([&] { return attempted_once_more("0000000000A00001", 1); }));
  EXPECT_EQ(events.recipients_by, (Counts{{{"only", RecipientResult::sent, 250}, 2},
                                          {{"only", RecipientResult::deferred, 451}, 1},
                                          {{"only", RecipientResult::bounced, 550}, 1}}));
  EXPECT_EQ(events.recipient_calls, 3u);
  EXPECT_TRUE(events.latencies.empty());  // b@x is still to be sent

  // Its retry sends the last recipient: the latency covers the whole wait since arrival.
  transport.outcomes["b@x"] = RecipientOutcome::delivered;
  clock.advance(seconds(300));
  runner->wake();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00001");
    return m && m->state == queue::MessageState::dead && runner->in_flight() == 0;
  }));
  EXPECT_EQ(events.attempts, (std::map<std::string, int>{{"only", 2}}));
  EXPECT_EQ((events.recipients_by[Key{"only", RecipientResult::sent, 250}]), 3u);
  ASSERT_EQ(events.latencies.size(), 1u);
  EXPECT_EQ(events.latencies[0], seconds(300));
}

TEST_F(DeliveryEventsTest, ViewCountsReadyAndInFlight) {
  transport.hold_open = true;
  for (int i = 1; i <= 5; ++i) enqueue("0000000000A0000" + std::to_string(i));
  runner = start_runner({}, 2);
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 2; }));
  auto v = scheduler_view();
  EXPECT_EQ(v.in_flight, 2u);
  EXPECT_EQ(v.ready, 3u);
  EXPECT_EQ(v.waiting_quota + v.waiting_window + v.paused, 0u);

  transport.complete(0);
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 3; }));
  v = scheduler_view();
  EXPECT_EQ(v.in_flight, 2u);
  EXPECT_EQ(v.ready, 2u);
  for (std::size_t i = 1; i < 5; ++i) {
    ASSERT_TRUE(run_until([&] { return transport.open.size() > i; }));
    transport.complete(i);
  }
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 0; }));
  v = scheduler_view();
  EXPECT_EQ(v.in_flight + v.ready, 0u);
}

TEST_F(DeliveryEventsTest, ViewCountsAPausedCampaignUntilResumed) {
  runner = start_runner({campaign("P")});
  ASSERT_TRUE(apply(campaign_request("P", ControlAction::pause)));
  for (int i = 1; i <= 3; ++i) enqueue_campaign("P00000000000000" + std::to_string(i), "P");
  runner->wake();
  run_for(milliseconds(30));
  auto v = scheduler_view();
  EXPECT_EQ(v.paused, 3u);
  EXPECT_EQ(v.ready + v.in_flight, 0u);

  ASSERT_TRUE(apply(campaign_request("P", ControlAction::resume)));
  ASSERT_TRUE(run_until([&] { return sent("P") == 3 && runner->in_flight() == 0; }));
  v = scheduler_view();
  EXPECT_EQ(v.paused + v.ready + v.in_flight, 0u);
}

TEST_F(DeliveryEventsTest, ViewCountsAPausedGroup) {
  runner = start_runner({campaign("G1", "0", 1, "shop")});
  ASSERT_TRUE(apply(request(ControlTarget::group, "shop", ControlAction::pause)));
  enqueue_campaign("G000000000000001", "G1");
  enqueue_campaign("G000000000000002", "G1");
  runner->wake();
  run_for(milliseconds(30));
  EXPECT_EQ(scheduler_view().paused, 2u);
  ASSERT_TRUE(apply(request(ControlTarget::group, "shop", ControlAction::resume)));
  ASSERT_TRUE(run_until([&] { return sent("G") == 2 && runner->in_flight() == 0; }));
  EXPECT_EQ(scheduler_view().paused, 0u);
}

TEST_F(DeliveryEventsTest, ViewCountsMailWaitingForItsWindow) {
  // The clock starts at 2023-11-14 22:13:20 UTC.
  auto night = SendWindow::parse("23:00-23:30", "UTC");
  ASSERT_TRUE(night) << night.error().message;
  auto a = campaign("A");
  a.window = *night;
  runner = start_runner({a});
  for (int i = 1; i <= 4; ++i) enqueue_campaign("A00000000000000" + std::to_string(i), "A");
  runner->wake();
  run_for(milliseconds(30));
  auto v = scheduler_view();
  EXPECT_EQ(v.waiting_window, 4u);
  EXPECT_EQ(v.ready + v.paused + v.in_flight, 0u);

  clock.set(SystemTime(seconds(1'700'000'000)) + minutes(46) + seconds(40));  // 23:00:00
  ASSERT_TRUE(run_until([&] { return sent("A") == 4 && runner->in_flight() == 0; }));
  EXPECT_EQ(scheduler_view().waiting_window, 0u);
}

TEST_F(DeliveryEventsTest, ViewCountsMailParkedForAnAccountUntilItIsDueAgain) {
  runner = start_runner();
  router.accounts[0].usable = false;
  router.retry_at = clock.now() + seconds(30);
  enqueue("0000000000A00001");
  enqueue("0000000000A00002");
  runner->wake();
  ASSERT_TRUE(run_until([&] {
    auto m = store.find("0000000000A00002");
    return m && m->next_attempt == clock.now() + seconds(30) && runner->in_flight() == 0;
  }));
  auto v = scheduler_view();
  EXPECT_EQ(v.waiting_quota, 2u);
  EXPECT_EQ(v.ready + v.in_flight, 0u);
  EXPECT_TRUE(events.attempts.empty());  // parking spends no attempt

  router.accounts[0].usable = true;
  clock.advance(seconds(30));
  runner->wake();
  ASSERT_TRUE(run_until([&] { return gone("0000000000A00001") && gone("0000000000A00002"); }));
  v = scheduler_view();
  EXPECT_EQ(v.waiting_quota + v.ready + v.in_flight, 0u);
  EXPECT_EQ(events.attempts["only"], 2);
}

TEST_F(DeliveryEventsTest, CampaignViewShowsInFlightAndLastSent) {
  transport.hold_open = true;
  runner = start_runner({campaign("A")});
  enqueue_campaign("A000000000000001", "A");
  enqueue_campaign("A000000000000002", "A");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 2; }));
  auto v = view("A");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->in_flight, 2u);
  EXPECT_FALSE(v->last_sent);

  clock.advance(seconds(7));
  const auto sent_at = clock.now();
  transport.complete(0);
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 1; }));
  v = view("A");
  EXPECT_EQ(v->in_flight, 1u);
  ASSERT_TRUE(v->last_sent);
  EXPECT_EQ(*v->last_sent, sent_at);
  auto all = views();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].in_flight, 1u);
  EXPECT_EQ(all[0].last_sent, sent_at);
  transport.complete(1);
  ASSERT_TRUE(run_until([&] { return runner->in_flight() == 0; }));
  // The queued count follows the mail out at once, without waiting for an index refresh
  // (the clock has not moved, so none ran).
  v = view("A");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->queued, 0u);
}

}  // namespace
}  // namespace sluice::scheduler
