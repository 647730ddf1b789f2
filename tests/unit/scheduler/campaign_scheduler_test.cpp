#include "scheduler/campaign_scheduler.h"

#include <gtest/gtest.h>

#include <map>

#include "manual_clock.h"

namespace sluice::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

CampaignConfig config(std::string id, double rate = 0, std::uint32_t priority = 1,
                      std::string group = "") {
  CampaignConfig c;
  c.id = std::move(id);
  c.rate = rate;
  c.rate_text = rate == 0 ? "0" : std::to_string(rate) + "/s";
  c.priority = priority;
  c.group = std::move(group);
  return c;
}

class CampaignSchedulerTest : public ::testing::Test {
 protected:
  CampaignSchedulerTest()
      : book({config("slow", 1), config("big", 0, 5, "acme"), config("small", 0, 1, "acme")},
             config("")),
        scheduler(book) {}

  // Sends from whatever campaign comes next, `n` times; counts per campaign.
  std::map<std::string, int> run(int n) {
    std::map<std::string, int> sent;
    for (int i = 0; i < n; ++i) {
      Campaign* c = scheduler.next(clock.now());
      if (!c) break;
      ++sent[c->config.id];
      scheduler.sent(*c, clock.now());
    }
    return sent;
  }

  testing::ManualClock clock;
  CampaignBook book;
  CampaignScheduler scheduler;
};

TEST_F(CampaignSchedulerTest, TransactionalMailAlwaysGoesFirst) {
  scheduler.mark_due(book.get("big", clock.now()), clock.now());
  scheduler.mark_due(book.get("", clock.now()), clock.now());
  for (int i = 0; i < 5; ++i) {
    Campaign* c = scheduler.next(clock.now());
    ASSERT_TRUE(c);
    EXPECT_EQ(c->config.id, "");
    scheduler.sent(*c, clock.now());
  }
}

TEST_F(CampaignSchedulerTest, CapacityIsSharedByPriorityNotArrival) {
  scheduler.mark_due(book.get("small", clock.now()), clock.now());  // arrived first
  scheduler.mark_due(book.get("big", clock.now()), clock.now());
  auto sent = run(600);
  EXPECT_EQ(sent["big"] + sent["small"], 600);
  EXPECT_NEAR(sent["big"], 500, 2);
  EXPECT_NEAR(sent["small"], 100, 2);
}

TEST_F(CampaignSchedulerTest, ARateLimitedCampaignSleepsWithoutHoldingOthersBack) {
  scheduler.mark_due(book.get("slow", clock.now()), clock.now());
  scheduler.mark_due(book.get("small", clock.now()), clock.now());
  auto sent = run(50);
  EXPECT_EQ(sent["slow"], 1);  // its bucket holds one token (1/s, burst 1)
  EXPECT_EQ(sent["small"], 49);
  ASSERT_TRUE(scheduler.next_wakeup());
  EXPECT_EQ(*scheduler.next_wakeup(), clock.now() + seconds(1));
  clock.advance(seconds(1));
  scheduler.wake_sleepers(clock.now());
  sent = run(2);
  EXPECT_EQ(sent["slow"], 1);
}

TEST_F(CampaignSchedulerTest, PausedCampaignAndPausedGroupLeaveTheLine) {
  auto& big = book.get("big", clock.now());
  auto& small = book.get("small", clock.now());
  auto& slow = book.get("slow", clock.now());
  scheduler.mark_due(big, clock.now());
  scheduler.mark_due(small, clock.now());
  scheduler.mark_due(slow, clock.now());
  CampaignOverride paused;
  paused.paused = true;
  book.set_override(slow, paused, clock.now());
  scheduler.reconsider(slow, clock.now());
  book.set_group_paused("acme", true);
  scheduler.reconsider(big, clock.now());
  scheduler.reconsider(small, clock.now());
  EXPECT_EQ(scheduler.next(clock.now()), nullptr);
  EXPECT_FALSE(scheduler.next_wakeup());  // only an operator brings them back

  book.set_group_paused("acme", false);
  scheduler.reconsider(big, clock.now());
  scheduler.reconsider(small, clock.now());
  auto sent = run(12);
  EXPECT_EQ(sent.count("slow"), 0u);
  EXPECT_EQ(sent["big"] + sent["small"], 12);
}

TEST_F(CampaignSchedulerTest, BlockedCampaignsReturnAsSlotsFree) {
  auto& big = book.get("big", clock.now());
  auto& small = book.get("small", clock.now());
  scheduler.mark_due(big, clock.now());
  scheduler.mark_due(small, clock.now());
  scheduler.blocked(big, std::nullopt);
  scheduler.blocked(small, std::nullopt);
  EXPECT_EQ(scheduler.next(clock.now()), nullptr);
  scheduler.slots_freed(1, clock.now());
  Campaign* c = scheduler.next(clock.now());
  ASSERT_TRUE(c);
  scheduler.sent(*c, clock.now());
  scheduler.slots_freed(5, clock.now());
  EXPECT_EQ(scheduler.ready(), 2u);
}

TEST_F(CampaignSchedulerTest, DrainedCampaignWaitsForTheNextRefresh) {
  auto& small = book.get("small", clock.now());
  scheduler.mark_due(small, clock.now());
  scheduler.drained(small);
  EXPECT_EQ(scheduler.next(clock.now()), nullptr);
  scheduler.mark_due(small, clock.now());
  EXPECT_EQ(scheduler.next(clock.now()), &small);
}

TEST(CampaignOverrideTest, EncodesAndDecodesEveryField) {
  CampaignOverride o;
  o.paused = true;
  o.rate = 12.5;
  o.rate_text = "750/m";
  o.burst = 7;
  o.expires = SystemTime(std::chrono::seconds(1'800'000'000));
  auto back = CampaignOverride::decode(o.encode());
  EXPECT_TRUE(back.paused);
  ASSERT_TRUE(back.rate);
  EXPECT_DOUBLE_EQ(*back.rate, 12.5);
  EXPECT_EQ(back.rate_text, "750/m");
  EXPECT_EQ(back.burst, 7u);
  EXPECT_EQ(back.expires, o.expires);
  EXPECT_TRUE(CampaignOverride::decode("paused=0").empty());
}

}  // namespace
}  // namespace sluice::scheduler
