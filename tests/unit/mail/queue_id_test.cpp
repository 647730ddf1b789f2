#include "sluice/mail/queue_id.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "manual_clock.h"

namespace sluice::mail {
namespace {

using namespace std::chrono_literals;

TEST(QueueId, FormatIsTimeThenSequence) {
  testing::ManualClock clock(from_micros(0x123456789ABll));
  QueueIdGenerator ids(clock, 0xABCDE);
  EXPECT_EQ(ids.next(), "123456789ABABCDE");
  EXPECT_EQ(ids.next(), "123456789ABABCDF");
  clock.advance(1us);
  EXPECT_EQ(ids.next(),
            "123456789AC"
            "ABCE0");
}

TEST(QueueId, SequenceWrapsAtTwentyBits) {
  testing::ManualClock clock(from_micros(1));
  QueueIdGenerator ids(clock, 0xFFFFF);
  EXPECT_EQ(ids.next(), "00000000001FFFFF");
  EXPECT_EQ(ids.next(), "0000000000100000");
}

TEST(QueueId, Validation) {
  EXPECT_TRUE(is_valid_queue_id("0123456789ABCDEF"));
  EXPECT_FALSE(is_valid_queue_id("0123456789abcdef"));
  EXPECT_FALSE(is_valid_queue_id("0123456789ABCDE"));
  EXPECT_FALSE(is_valid_queue_id("0123456789ABCDEF0"));
  EXPECT_FALSE(is_valid_queue_id("0123456789ABCDEG"));
  EXPECT_FALSE(is_valid_queue_id(""));
}

TEST(QueueId, RealClockIdsAreValidAndSortByTime) {
  SystemClock clock;
  QueueIdGenerator ids(clock, 12345);
  const auto first = ids.next();
  EXPECT_TRUE(is_valid_queue_id(first));
  testing::ManualClock later(clock.now() + 1h);
  QueueIdGenerator later_ids(later, 0);
  EXPECT_LT(first, later_ids.next());
}

TEST(QueueId, UniqueAcrossThreadsWithAFrozenClock) {
  testing::ManualClock clock;
  QueueIdGenerator ids(clock, 77);
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::vector<QueueId>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) drawn[t].push_back(ids.next());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<QueueId> all;
  for (const auto& list : drawn) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), std::size_t(kThreads * kEach));
}

}  // namespace
}  // namespace sluice::mail
