// The LMDB map grows by doubling up to its limit; at the limit writes (messages and state) fail
// with no_space and the store keeps working: acknowledged messages stay readable and removals
// make room again.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "queue_test_support.h"

namespace sluice::queue {
namespace {

using testing::enqueue_sync;
using testing::erase_state_sync;
using testing::modify_sync;
using testing::open_store;
using testing::put_state_sync;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

std::string body_for(int n) { return std::string(64 << 10, static_cast<char>('a' + n % 26)); }

TEST(MapGrowth, GrowsToTheLimitThenFailsWithNoSpaceAndRecovers) {
  TempDir dir;
  auto store = open_store(dir.path(), 1u << 20, 4u << 20);
  ASSERT_TRUE(store);

  std::vector<int> acknowledged;
  Error last;
  for (int n = 0; n < 200; ++n) {
    auto written = enqueue_sync(*store, sample_message(test_id(n)), body_for(n));
    if (!written) {
      last = written.error();
      break;
    }
    acknowledged.push_back(n);
  }
  ASSERT_EQ(last.code, ErrorCode::no_space) << last.message;
  ASSERT_GT(acknowledged.size(), 20u);  // 4 MiB hold far more than the initial 1 MiB
  EXPECT_GT(store->counters().map_resizes, 0u);
  EXPECT_EQ(store->stats()->map_size_bytes, 4u << 20);

  for (int n : acknowledged) {
    auto body = store->body(test_id(n));
    ASSERT_TRUE(body) << n;
    EXPECT_EQ(*body, body_for(n));
  }

  // A small record may still fit, so a second failing big one is the proof the map is full.
  EXPECT_EQ(enqueue_sync(*store, sample_message(test_id(1000)), body_for(0)).error().code,
            ErrorCode::no_space);
  // State goes through the same writer and map: the same error, and erasing still works.
  EXPECT_EQ(put_state_sync(*store, "audit/big", body_for(1)).error().code, ErrorCode::no_space);
  EXPECT_FALSE(store->get_state("audit/big")->has_value());
  EXPECT_TRUE(erase_state_sync(*store, "audit/big"));

  for (int i = 0; i < 5; ++i) {
    auto removed =
        modify_sync(*store, test_id(acknowledged[i]), [](QueuedMessage&) { return Edit::remove; });
    ASSERT_TRUE(removed) << removed.error().message;
  }
  for (int i = 0; i < 3; ++i) {
    auto written = enqueue_sync(*store, sample_message(test_id(2000 + i)), body_for(i));
    ASSERT_TRUE(written) << written.error().message;
  }
  EXPECT_EQ(store->stats()->messages, acknowledged.size() - 5 + 3);
}

TEST(MapGrowth, OneOversizedMessageDoesNotFailItsBatch) {
  TempDir dir;
  auto store = open_store(dir.path(), 1u << 20, 2u << 20);
  ASSERT_TRUE(store);
  std::atomic<int> ok{0};
  std::atomic<int> no_space{0};
  auto count = [&ok, &no_space](Result<void> r) {
    if (r) {
      ++ok;
    } else if (r.error().code == ErrorCode::no_space) {
      ++no_space;
    }
  };
  // Submitted back to back, so they usually share one batch with the oversized one.
  store->enqueue(sample_message(test_id(1)), "small", count);
  store->enqueue(sample_message(test_id(2)), std::string(3u << 20, 'x'), count);
  store->enqueue(sample_message(test_id(3)), "small", count);
  ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(4)), "small"));
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(no_space, 1);
  EXPECT_TRUE(store->find(test_id(3)));
  EXPECT_FALSE(store->find(test_id(2)));
}

}  // namespace
}  // namespace sluice::queue
