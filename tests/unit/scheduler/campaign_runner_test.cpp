// The campaign-aware schedule() of a real QueueRunner: shares by priority, campaign rates and
// send windows against the manual clock, and transactional mail beside them.
#include <gtest/gtest.h>

#include <map>

#include "runner_test_support.h"

namespace sluice::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class CampaignRunnerTest : public test::CampaignFixture {
 protected:
  // `count` messages of `campaign`, ids PREFIX000...N.
  void enqueue_many(const std::string& prefix, const std::string& campaign, int count) {
    for (int i = 0; i < count; ++i) {
      auto n = std::to_string(i);
      enqueue_campaign(prefix + std::string(15 - n.size(), '0') + n, campaign);
    }
  }
};

TEST_F(CampaignRunnerTest, CampaignsShareASlotByPriority) {
  transport.hold_open = true;
  runner = start_runner({campaign("hi", "0", 3), campaign("lo", "0", 1)}, 1);
  enqueue_many("H", "hi", 40);
  enqueue_many("L", "lo", 40);
  runner->wake();
  for (std::size_t i = 0; i < 40; ++i) {
    ASSERT_TRUE(run_until([&] { return transport.requests.size() == i + 1; })) << i;
    ASSERT_EQ(runner->in_flight(), 1u);
    transport.complete(i);
  }
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 41; }));
  std::map<char, int> first_40;
  for (std::size_t i = 0; i < 40; ++i) ++first_40[transport.requests[i].id[0]];
  EXPECT_NEAR(first_40['H'], 30, 2);
  EXPECT_NEAR(first_40['L'], 10, 2);
  EXPECT_EQ(first_40['H'] + first_40['L'], 40);
}

TEST_F(CampaignRunnerTest, TransactionalMailGoesBeforeEveryCampaign) {
  transport.hold_open = true;
  runner = start_runner({campaign("hi", "0", 100)}, 1);
  enqueue_many("H", "hi", 5);
  for (int i = 1; i <= 3; ++i) enqueue("T00000000000000" + std::to_string(i));
  runner->wake();
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(run_until([&] { return transport.requests.size() == i + 1; }));
    EXPECT_EQ(transport.requests[i].id[0], 'T') << i;
    transport.complete(i);
  }
  ASSERT_TRUE(run_until([&] { return transport.requests.size() == 4; }));
  EXPECT_EQ(transport.requests[3].id[0], 'H');
}

TEST_F(CampaignRunnerTest, ACampaignRateLetsThroughTheRightCountAsTheClockMoves) {
  runner = start_runner({campaign("A", "2/s")});  // burst: one second's worth, 2
  enqueue_many("A", "A", 30);
  enqueue("T000000000000001");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("A") == 2 && sent("T") == 1; }));
  run_for(milliseconds(20));
  ASSERT_EQ(sent("A"), 2u);
  for (int step = 1; step <= 12; ++step) {
    clock.advance(milliseconds(250));
    const std::size_t expected = 2 + step / 2;  // one token every 500 ms
    ASSERT_TRUE(run_until([&] { return sent("A") >= expected; })) << "step " << step;
    run_for(milliseconds(15));
    ASSERT_EQ(sent("A"), expected) << "step " << step;
  }
}

TEST_F(CampaignRunnerTest, ARateOfNPerMinuteSpacesMessagesEvenly) {
  runner = start_runner({campaign("A", "6/m")});
  enqueue_many("A", "A", 10);
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("A") == 1; }));  // burst: at least one
  clock.advance(seconds(9));
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 1u);
  clock.advance(seconds(1));
  ASSERT_TRUE(run_until([&] { return sent("A") == 2; }));
  clock.advance(minutes(1));
  ASSERT_TRUE(run_until([&] { return sent("A") == 3; }));  // the burst caps what it saved
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 3u);
}

TEST_F(CampaignRunnerTest, ARateLimitedCampaignDoesNotHoldBackAnother) {
  runner = start_runner({campaign("slow", "1/h"), campaign("fast")});
  enqueue_many("S", "slow", 5);
  enqueue_many("F", "fast", 20);
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("F") == 20; }));
  EXPECT_EQ(sent("S"), 1u);
}

TEST_F(CampaignRunnerTest, AnOutOfWindowCampaignSendsNothingUntilTheWindowOpens) {
  // The clock starts at 2023-11-14 22:13:20 UTC.
  auto night = SendWindow::parse("23:00-23:30", "UTC");
  ASSERT_TRUE(night) << night.error().message;
  auto a = campaign("A");
  a.window = *night;
  runner = start_runner({a, campaign("B")});
  enqueue_many("A", "A", 3);
  enqueue_many("B", "B", 1);
  enqueue("T000000000000001");
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("B") == 1 && sent("T") == 1; }));
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 0u);
  EXPECT_FALSE(view("A")->in_window);

  clock.set(SystemTime(seconds(1'700'000'000)) + minutes(46) + seconds(39));  // 22:59:59
  run_for(milliseconds(30));
  EXPECT_EQ(sent("A"), 0u);
  clock.advance(seconds(1));  // 23:00:00
  ASSERT_TRUE(run_until([&] { return sent("A") == 3; }));
  EXPECT_TRUE(view("A")->in_window);
}

TEST_F(CampaignRunnerTest, AClosingWindowStopsTheRest) {
  auto window = SendWindow::parse("22:00-22:14", "UTC");  // closes 40 s after the start
  ASSERT_TRUE(window);
  auto a = campaign("A", "1/s");
  a.window = *window;
  runner = start_runner({a});
  enqueue_many("A", "A", 100);
  runner->wake();
  ASSERT_TRUE(run_until([&] { return sent("A") == 1; }));
  for (std::size_t second = 1; second < 40; ++second) {  // 22:13:21 ... 22:13:59
    clock.advance(seconds(1));
    ASSERT_TRUE(run_until([&] { return sent("A") == 1 + second; })) << second;
  }
  for (int i = 0; i < 5; ++i) {  // 22:14:00 on: closed until tomorrow
    clock.advance(seconds(1));
    run_for(milliseconds(10));
  }
  EXPECT_EQ(sent("A"), 40u);
  EXPECT_FALSE(view("A")->in_window);
}

}  // namespace
}  // namespace sluice::scheduler
