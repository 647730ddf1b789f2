// The runner's ControlService on a real QueueRunner: the audit trail and its queries, restore
// after a restart, account actions through the composition root, the views, and the errors.
#include <gtest/gtest.h>

#include "runner_test_support.h"
#include "scheduler/run_controls.h"

namespace sluice::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ControlAuditTest : public test::CampaignFixture {};

TEST_F(ControlAuditTest, EveryChangeIsAuditedWithWhoWhatAndWhy) {
  runner = start_runner({campaign("A", "50/s")});
  auto r = set_rate("A", "10/s");
  r.actor = "monitoring";
  r.client = "198.51.100.1";
  r.reason = "complaint rate high";
  auto entry = apply(r);
  ASSERT_TRUE(entry) << entry.error().message;
  EXPECT_EQ(entry->time, clock.now());
  EXPECT_EQ(entry->actor, "monitoring");
  EXPECT_EQ(entry->client, "198.51.100.1");
  EXPECT_EQ(entry->target, ControlTarget::campaign);
  EXPECT_EQ(entry->name, "A");
  EXPECT_EQ(entry->action, ControlAction::set_rate);
  EXPECT_EQ(entry->old_value, "rate=50/s paused=no");
  EXPECT_EQ(entry->new_value, "rate=10/s paused=no");
  EXPECT_EQ(entry->reason, "complaint rate high");

  auto stored = audit();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].time, entry->time);
  EXPECT_EQ(stored[0].actor, "monitoring");
  EXPECT_EQ(stored[0].client, "198.51.100.1");
  EXPECT_EQ(stored[0].old_value, "rate=50/s paused=no");
  EXPECT_EQ(stored[0].new_value, "rate=10/s paused=no");
  EXPECT_EQ(stored[0].reason, "complaint rate high");
  // The record is JSON under "audit/<hex time><seq>".
  std::size_t records = 0;
  ASSERT_TRUE(store.scan_state("audit/", "", [&](const std::string& key, const std::string& v) {
    ++records;
    EXPECT_EQ(key.size(), std::string("audit/").size() + 16 + 8) << key;
    EXPECT_EQ(v.front(), '{');
    auto decoded = decode_audit(v);
    EXPECT_TRUE(decoded && decoded->actor == "monitoring");
    return true;
  }));
  EXPECT_EQ(records, 1u);
}

TEST_F(ControlAuditTest, TheAuditFiltersByTargetNameTimeAndLimit) {
  runner = start_runner({campaign("A"), campaign("B")});
  const auto t0 = clock.now();
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  clock.advance(seconds(1));
  ASSERT_TRUE(apply(campaign_request("B", ControlAction::pause)));
  clock.advance(seconds(1));
  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::pause)));
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::resume)));  // same instant: sequence
  clock.advance(seconds(1));
  ASSERT_TRUE(apply(set_rate("B", "3/s")));

  auto all = audit();
  ASSERT_EQ(all.size(), 5u);
  std::vector<std::string> order;
  for (const auto& e : all) order.push_back(e.name + " " + to_string(e.action));
  EXPECT_EQ(order, (std::vector<std::string>{"A pause", "B pause", "acme pause", "A resume",
                                             "B set_rate"}));

  AuditQuery groups;
  groups.target = ControlTarget::group;
  ASSERT_EQ(audit(groups).size(), 1u);
  EXPECT_EQ(audit(groups)[0].name, "acme");

  AuditQuery only_a;
  only_a.name = "A";
  auto a = audit(only_a);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].action, ControlAction::pause);
  EXPECT_EQ(a[1].action, ControlAction::resume);

  AuditQuery since;
  since.since = t0 + seconds(2);  // inclusive
  auto late = audit(since);
  ASSERT_EQ(late.size(), 3u);
  EXPECT_EQ(late[0].name, "acme");
  since.since = t0 + seconds(2) + std::chrono::microseconds(1);
  EXPECT_EQ(audit(since).size(), 1u);

  AuditQuery limited;
  limited.limit = 2;
  auto first_two = audit(limited);
  ASSERT_EQ(first_two.size(), 2u);
  EXPECT_EQ(first_two[1].name, "B");
  limited.name = "B";
  limited.since = t0 + seconds(1);
  limited.limit = 1;
  auto b = audit(limited);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].action, ControlAction::pause);
}

TEST_F(ControlAuditTest, ARestartedRunnerRestoresPausesAndRates) {
  runner = start_runner({campaign("A"), campaign("B", "100/s"), campaign("C", "0", 1, "acme")});
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  ASSERT_TRUE(apply(set_rate("B", "2/s", seconds(3600))));
  ASSERT_TRUE(apply(request(ControlTarget::group, "acme", ControlAction::pause)));
  const auto rate_expires = clock.now() + seconds(3600);
  shut_down();

  clock.advance(seconds(5));
  runner = start_runner({campaign("A"), campaign("B", "100/s"), campaign("C", "0", 1, "acme")});
  auto a = view("A");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->paused);
  auto b = view("B");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->configured_rate, "100/s");
  EXPECT_EQ(b->effective_rate, "2/s");
  EXPECT_EQ(b->rate_expires, rate_expires);
  EXPECT_TRUE(view("C")->group_paused);

  enqueue_campaign("A000000000000001", "A");
  enqueue_campaign("C000000000000001", "C");
  for (int i = 1; i <= 5; ++i) enqueue_campaign("B00000000000000" + std::to_string(i), "B");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("B") == 2; }));  // the restored rate's burst
  run_for(milliseconds(50));
  EXPECT_EQ(sent("B"), 2u);
  EXPECT_EQ(sent("A"), 0u);
  EXPECT_EQ(sent("C"), 0u);
  // The first runner's audit trail is still there.
  EXPECT_EQ(audit().size(), 3u);
}

TEST_F(ControlAuditTest, AccountActionsGoThroughTheCompositionRoot) {
  runner = start_runner();
  std::vector<std::string> asked;
  runner->set_account_control([&](const ControlRequest& r) -> Result<AccountChange> {
    asked.push_back(r.name + " " + to_string(r.action));
    if (r.name != "acct-1") return make_error("no such account: " + r.name, ErrorCode::not_found);
    return AccountChange{"status=up", "status=disabled", {{"control/account/acct-1", "off"}}};
  });
  auto unknown = apply(request(ControlTarget::account, "nobody", ControlAction::disable));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_TRUE(audit().empty());  // refused changes leave no record

  auto disabled = apply(request(ControlTarget::account, "acct-1", ControlAction::disable));
  ASSERT_TRUE(disabled) << disabled.error().message;
  EXPECT_EQ(disabled->target, ControlTarget::account);
  EXPECT_EQ(disabled->old_value, "status=up");
  EXPECT_EQ(disabled->new_value, "status=disabled");
  EXPECT_EQ(state("control/account/acct-1"), "off");
  ASSERT_EQ(audit().size(), 1u);
  EXPECT_EQ(asked, (std::vector<std::string>{"nobody disable", "acct-1 disable"}));
}

TEST_F(ControlAuditTest, AccountActionsFailWithoutACompositionRoot) {
  runner = start_runner();
  auto refused = apply(request(ControlTarget::account, "acct-1", ControlAction::enable));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::failed);
}

TEST_F(ControlAuditTest, BadRequestsAreInvalidAndChangeNothing) {
  runner = start_runner({campaign("A", "5/s")});
  for (const char* rate : {"", "fast", "10/x", "10", "-1/s", "5/s/s"}) {
    auto refused = apply(set_rate("A", rate));
    ASSERT_FALSE(refused) << rate;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid) << rate;
    EXPECT_NE(refused.error().message.find("bad rate"), std::string::npos);
  }
  EXPECT_EQ(view("A")->effective_rate, "5/s");

  auto limits = apply(campaign_request("A", ControlAction::set_limits));
  ASSERT_FALSE(limits);
  EXPECT_EQ(limits.error().code, ErrorCode::invalid);
  auto group_rate = apply(request(ControlTarget::group, "acme", ControlAction::set_rate));
  ASSERT_FALSE(group_rate);
  EXPECT_EQ(group_rate.error().code, ErrorCode::invalid);
  auto nameless = apply(campaign_request("", ControlAction::pause));
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().code, ErrorCode::invalid);
  auto nameless_group = apply(request(ControlTarget::group, "", ControlAction::pause));
  ASSERT_FALSE(nameless_group);
  EXPECT_EQ(nameless_group.error().code, ErrorCode::invalid);

  EXPECT_TRUE(audit().empty());
  EXPECT_FALSE(state("control/campaign/A"));
}

TEST_F(ControlAuditTest, AFailedWriteIsReported) {
  runner = start_runner({campaign("A")});
  run_for(milliseconds(20));  // the start-up sweep of dead messages is a write too
  store.fail_next_writes(1, make_error("map full", ErrorCode::no_space));
  auto refused = apply(campaign_request("A", ControlAction::pause));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::no_space);
}

// A change that cannot be stored is taken back: the error answer is what is in effect.
TEST_F(ControlAuditTest, AChangeThatCannotBeStoredIsTakenBack) {
  runner = start_runner({campaign("A", "10/s", 1, "acme")});
  run_for(milliseconds(20));
  store.fail_next_writes(1, make_error("map full", ErrorCode::no_space));
  ASSERT_FALSE(apply(campaign_request("A", ControlAction::pause)));
  store.fail_next_writes(1, make_error("map full", ErrorCode::no_space));
  ControlRequest group;
  group.target = ControlTarget::group;
  group.name = "acme";
  group.action = ControlAction::pause;
  ASSERT_FALSE(apply(group));
  auto all = views();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].paused);
  EXPECT_FALSE(all[0].group_paused);
}

TEST_F(ControlAuditTest, CampaignsListsWhatTheSchedulerKnows) {
  auto night = SendWindow::parse("23:00-23:30", "UTC");
  ASSERT_TRUE(night) << night.error().message;
  auto a = campaign("A", "10/s", 3, "acme");
  a.window = *night;
  runner = start_runner({a, campaign("B")});
  enqueue_campaign("Z000000000000001", "zeta");  // not in the maps
  enqueue("T000000000000001");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return !queued("Z000000000000001"); }));
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));

  auto all = views();
  std::vector<std::string> ids;
  for (const auto& v : all) ids.push_back(v.id);
  // Sorted; transactional mail ("") is listed too, for the metrics (the API leaves it out).
  ASSERT_EQ(ids, (std::vector<std::string>{"", "A", "zeta"}));
  all.erase(all.begin());
  const auto& va = all[0];
  EXPECT_EQ(va.group, "acme");
  EXPECT_EQ(va.configured_rate, "10/s");
  EXPECT_EQ(va.priority, 3u);
  EXPECT_TRUE(va.paused);
  EXPECT_EQ(va.window, "23:00-23:30 UTC");
  EXPECT_FALSE(va.in_window);  // 22:13 UTC
  EXPECT_EQ(all[1].sent, 1u);

  EXPECT_TRUE(view("B"));  // configured, no mail yet: still shown
  EXPECT_FALSE(view("nope"));
  EXPECT_FALSE(view(""));
}

TEST_F(ControlAuditTest, ARateThatExpiredWhileStoppedEndsAtStart) {
  runner = start_runner({campaign("A", "100/s")});
  ASSERT_TRUE(apply(set_rate("A", "1/s", seconds(10))));
  shut_down();
  clock.advance(seconds(60));
  runner = start_runner({campaign("A", "100/s")});
  ASSERT_TRUE(run_until([&] { return view("A")->effective_rate == "100/s"; }));
  EXPECT_FALSE(state("control/campaign/A"));
  auto entries = audit();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].actor, "expiry");
}

TEST_F(ControlAuditTest, ARefusedRequestLeavesNoCampaignBehind) {
  runner = start_runner();
  ASSERT_FALSE(apply(set_rate("typo", "fast")));
  ASSERT_FALSE(apply(campaign_request("typo", ControlAction::set_limits)));
  EXPECT_TRUE(views().empty());
  EXPECT_FALSE(view("typo"));
}

TEST_F(ControlAuditTest, ACancelThatCannotBeWrittenIsReported) {
  runner = start_runner({campaign("A")});
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::pause)));
  enqueue_campaign("A000000000000001", "A");
  store.fail_next_writes(1, make_error("map full", ErrorCode::no_space));
  auto cancelled = apply(campaign_request("A", ControlAction::cancel));
  EXPECT_TRUE(queued("A000000000000001"));
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().code, ErrorCode::no_space);
  EXPECT_EQ(audit().size(), 1u);  // the pause only: nothing was cancelled
  // Once the store takes writes again, the cancel goes through.
  ASSERT_TRUE(apply(campaign_request("A", ControlAction::cancel)));
  EXPECT_FALSE(queued("A000000000000001"));
  EXPECT_EQ(audit().size(), 2u);
}

}  // namespace
}  // namespace sluice::scheduler
