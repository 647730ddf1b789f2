// The runner's ControlService on a real QueueRunner: pauses, group pauses, temporary rates and
// their expiry, and cancel (the audit trail, restore and errors: control_audit_test.cpp).
#include "scheduler/run_controls.h"

#include <gtest/gtest.h>

#include "runner_test_support.h"

namespace sluice::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RunControlsTest : public test::CampaignFixture {
 protected:
  // Holds or kills a message (a dead one keeps its record for days, until the sweep).
  void set_state(const std::string& id, queue::MessageState to) {
    store.modify(
        id,
        [to](queue::QueuedMessage& m) {
          m.state = to;
          m.next_attempt = m.arrival + std::chrono::hours(24 * 5);
          return queue::Edit::keep;
        },
        [](Result<void> r) { ASSERT_TRUE(r); });
  }
};

TEST_F(RunControlsTest, PausingACampaignStopsOnlyItsMail) {
  runner = start_runner({campaign("A"), campaign("B")});
  auto paused = apply(campaign_request("A", ControlAction::pause));
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_EQ(paused->old_value, "rate=0 paused=no");
  EXPECT_EQ(paused->new_value, "rate=0 paused=yes");
  EXPECT_EQ(state("control/campaign/A"), "paused=1");

  enqueue_campaign("A000000000000001", "A");
  enqueue_campaign("A000000000000002", "A");
  enqueue_campaign("B000000000000001", "B");
  enqueue("T000000000000001");  // transactional
  runner->wake();
  ASSERT_TRUE(
      run_until([&] { return !queued("B000000000000001") && !queued("T000000000000001"); }));
  run_for(milliseconds(50));
  EXPECT_EQ(sent("A"), 0u);
  EXPECT_TRUE(queued("A000000000000001"));
  EXPECT_TRUE(queued("A000000000000002"));
  auto a = view("A");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->paused);
  EXPECT_EQ(a->queued, 2u);

  auto resumed = apply(campaign_request("A", ControlAction::resume));
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->new_value, "rate=0 paused=no");
  ASSERT_TRUE(
      run_until([&] { return !queued("A000000000000001") && !queued("A000000000000002"); }));
  EXPECT_EQ(sent("A"), 2u);
  EXPECT_FALSE(state("control/campaign/A"));  // nothing left to restore
}

TEST_F(RunControlsTest, APauseWhileMailFlowsHoldsTheRest) {
  runner = start_runner({campaign("A", "1/s")});
  for (int i = 1; i <= 3; ++i) enqueue_campaign("A00000000000000" + std::to_string(i), "A");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("A") == 1; }));
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  clock.advance(seconds(10));  // tokens come, but the pause holds
  run_for(milliseconds(50));
  EXPECT_EQ(sent("A"), 1u);
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::resume)));
  ASSERT_TRUE(run_until([&] { return sent("A") == 2; }));  // one second's burst
}

TEST_F(RunControlsTest, AGroupPauseFromCampaignMapsHoldsEveryCampaignOfTheGroup) {
  runner = start_runner(
      {campaign("A1", "0", 1, "acme"), campaign("A2", "0", 1, "acme"), campaign("B", "0", 1, "x")});
  auto paused = apply(request(ControlTarget::group, "acme", ControlAction::pause));
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_EQ(paused->old_value, "paused=no");
  EXPECT_EQ(paused->new_value, "paused=yes");
  EXPECT_EQ(state("control/group/acme"), "paused=1");

  enqueue_campaign("A100000000000001", "A1");
  enqueue_campaign("A200000000000001", "A2");
  enqueue_campaign("B000000000000001", "B");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !queued("B000000000000001"); }));
  run_for(milliseconds(50));
  EXPECT_EQ(sent("A"), 0u);
  auto a1 = view("A1");
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->group, "acme");
  EXPECT_TRUE(a1->group_paused);
  EXPECT_FALSE(a1->paused);

  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::resume)));
  EXPECT_FALSE(state("control/group/acme"));
  ASSERT_TRUE(run_until([&] { return sent("A") == 2; }));
}

TEST_F(RunControlsTest, AGroupPauseFromTheHeaderHoldsACampaignNotInTheMaps) {
  runner = start_runner();
  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::pause)));
  enqueue_campaign("N000000000000001", "news", "acme");  // X-Campaign-Group: acme
  enqueue_campaign("P000000000000001", "promo", "beta");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !queued("P000000000000001"); }));
  run_for(milliseconds(50));
  EXPECT_EQ(sent("N"), 0u);
  auto news = view("news");
  ASSERT_TRUE(news);
  EXPECT_EQ(news->group, "acme");
  EXPECT_TRUE(news->group_paused);

  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::resume)));
  ASSERT_TRUE(run_until([&] { return !queued("N000000000000001"); }));
}

TEST_F(RunControlsTest, AGroupLearntFromEarlierMailIsPausedToo) {
  runner = start_runner();
  enqueue_campaign("N000000000000001", "news", "acme");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !queued("N000000000000001"); }));
  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::pause)));
  enqueue_campaign("N000000000000002", "news", "acme");
  runner->wake();
  run_for(milliseconds(50));
  EXPECT_EQ(sent("N"), 1u);
  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::resume)));
  ASSERT_TRUE(run_until([&] { return sent("N") == 2; }));
}

TEST_F(RunControlsTest, ATemporaryRateExpiresAndTheConfiguredRateReturns) {
  runner = start_runner({campaign("A")});  // configured: unlimited
  const auto set_at = clock.now();
  auto slowed = apply(set_rate("A", "1/s", seconds(10)));
  ASSERT_TRUE(slowed) << slowed.error().message;
  EXPECT_EQ(slowed->old_value, "rate=0 paused=no");
  EXPECT_EQ(slowed->new_value.rfind("rate=1/s paused=no (until ", 0), 0u) << slowed->new_value;
  ASSERT_TRUE(state("control/campaign/A"));
  EXPECT_NE(state("control/campaign/A")->find("rate_text=1/s"), std::string::npos);
  auto a = view("A");
  EXPECT_EQ(a->configured_rate, "0");
  EXPECT_EQ(a->effective_rate, "1/s");
  EXPECT_EQ(a->rate_expires, set_at + seconds(10));

  for (int i = 10; i < 40; ++i) enqueue_campaign("A0000000000000" + std::to_string(i), "A");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("A") == 1; }));  // the temporary burst: one
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 1u);

  clock.advance(seconds(9));
  // The bucket holds one second's worth, whatever the wait.
  ASSERT_TRUE(run_until([&] { return sent("A") == 2; }));
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 2u);
  EXPECT_EQ(view("A")->effective_rate, "1/s");  // not yet expired

  clock.advance(seconds(1));
  ASSERT_TRUE(run_until([&] { return sent("A") == 30; }));  // unlimited again
  a = view("A");
  EXPECT_EQ(a->effective_rate, "0");
  EXPECT_FALSE(a->rate_expires);
  EXPECT_FALSE(state("control/campaign/A"));
  auto entries = audit();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].actor, "expiry");
  EXPECT_EQ(entries[1].name, "A");
  EXPECT_EQ(entries[1].action, ControlAction::set_rate);
  EXPECT_EQ(entries[1].new_value, "rate=0 paused=no");
  EXPECT_EQ(entries[1].time, set_at + seconds(10));
}

TEST_F(RunControlsTest, AnExpiredRateKeepsThePause) {
  runner = start_runner({campaign("A")});
  ASSERT_TRUE(apply(set_rate("A", "5/s", seconds(2))));
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  clock.advance(seconds(3));
  ASSERT_TRUE(run_until([&] { return view("A")->effective_rate == "0"; }));
  EXPECT_TRUE(view("A")->paused);
  EXPECT_EQ(state("control/campaign/A"), "paused=1");
}

TEST_F(RunControlsTest, CancelRemovesOnlyThatCampaignsActiveAndHeldMail) {
  runner = start_runner({campaign("A"), campaign("B")});
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  ASSERT_TRUE(apply(campaign_request("B", ControlAction::pause)));
  enqueue_campaign("A000000000000001", "A");
  enqueue_campaign("A000000000000002", "A");
  enqueue_campaign("A000000000000003", "A");
  enqueue_campaign("B000000000000001", "B");
  enqueue("T000000000000001");
  set_state("A000000000000002", queue::MessageState::held);
  set_state("A000000000000003", queue::MessageState::dead);
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !queued("T000000000000001"); }));

  auto cancelled = apply(campaign_request("A", ControlAction::cancel));
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->new_value, "cancelled: its queued mail is removed");
  EXPECT_FALSE(queued("A000000000000001"));
  EXPECT_FALSE(queued("A000000000000002"));
  EXPECT_TRUE(queued("A000000000000003"));  // dead mail stays visible
  EXPECT_TRUE(queued("B000000000000001"));
  EXPECT_EQ(sent("A"), 0u);
}

TEST_F(RunControlsTest, AResultForMailCancelledDuringDeliveryFreesTheSlotAtOnce) {
  transport.hold_open = true;
  runner = start_runner({campaign("A"), campaign("B")}, 1);
  enqueue_campaign("A000000000000001", "A");
  enqueue_campaign("B000000000000001", "B");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 1; }));
  ASSERT_EQ(transport.requests[0].id, "A000000000000001");
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::cancel)));
  EXPECT_FALSE(queued("A000000000000001"));
  // The delivery under way ends; its record is gone, which is no store failure: the slot is
  // free at once for B's mail.
  transport.complete(0);
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 2; }));
  EXPECT_EQ(transport.requests[1].id, "B000000000000001");
}

}  // namespace
}  // namespace sluice::scheduler
