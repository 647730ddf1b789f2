// What only the LMDB store can show about the campaign index and the durable state: both survive
// a reopen, long campaign names fit LMDB's key limit without merging, the index databases hold
// exactly one entry per active message, and state writes go through the group commit.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "queue/lmdb_env.h"
#include "queue/queue_tables.h"
#include "queue/record_codec.h"
#include "queue_test_support.h"

namespace sluice::queue {
namespace {

using testing::at_second;
using testing::enqueue_sync;
using testing::erase_state_sync;
using testing::modify_sync;
using testing::open_store;
using testing::put_state_sync;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

QueuedMessage in_campaign(const std::string& id, std::string campaign, long long due_second) {
  QueuedMessage m = sample_message(id, at_second(due_second));
  m.campaign = std::move(campaign);
  return m;
}

struct IndexSizes {
  std::size_t due = 0, campaign_due = 0, campaigns = 0;
};

IndexSizes index_sizes(const std::string& dir) {
  auto env = LmdbEnv::open(dir, 0, kDatabaseCount);
  EXPECT_TRUE(env);
  if (!env) return {};
  auto tables = QueueTables::open(*env);
  EXPECT_TRUE(tables);
  auto txn = LmdbTxn::begin(env->get(), MDB_RDONLY);
  EXPECT_TRUE(txn);
  return IndexSizes{txn->stat(tables->due)->ms_entries,
                    txn->stat(tables->campaigns.due)->ms_entries,
                    txn->stat(tables->campaigns.counts)->ms_entries};
}

TEST(LmdbCampaignIndex, SurvivesAReopenWithOneKeyPerActiveMessage) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    for (int n = 0; n < 30; ++n) {
      ASSERT_TRUE(
          enqueue_sync(*store, in_campaign(test_id(n), "c" + std::to_string(n % 4), n), ""));
    }
    for (int n = 0; n < 30; n += 5) {
      ASSERT_TRUE(modify_sync(*store, test_id(n), [](QueuedMessage& m) {
        m.state = MessageState::held;
        return Edit::keep;
      }));
    }
    // A campaign whose count reaches 0 leaves no row behind.
    ASSERT_TRUE(enqueue_sync(*store, in_campaign(test_id(100), "gone", 1), ""));
    ASSERT_TRUE(enqueue_sync(*store, in_campaign(test_id(101), "gone", 2), ""));
    ASSERT_TRUE(modify_sync(*store, test_id(100), [](QueuedMessage&) { return Edit::remove; }));
    ASSERT_TRUE(modify_sync(*store, test_id(101), [](QueuedMessage& m) {
      m.state = MessageState::dead;
      return Edit::keep;
    }));
  }
  const IndexSizes sizes = index_sizes(dir.path());
  EXPECT_EQ(sizes.due, 24u);
  EXPECT_EQ(sizes.campaign_due, 24u);
  EXPECT_EQ(sizes.campaigns, 4u);

  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  auto campaigns = store->campaigns("", 10);
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 4u);
  // Held: 0, 5, 10, 15, 20, 25 -> c0 loses 0 and 20, c1 loses 5 and 25, c2 10, c3 15.
  EXPECT_EQ(campaigns->at(0).active, 6u);
  EXPECT_EQ(campaigns->at(0).earliest_due, at_second(4));
  EXPECT_EQ(campaigns->at(1).active, 6u);
  EXPECT_EQ(campaigns->at(1).earliest_due, at_second(1));
  EXPECT_EQ(campaigns->at(2).active, 6u);
  EXPECT_EQ(campaigns->at(3).active, 6u);
  EXPECT_EQ(campaigns->at(3).earliest_due, at_second(3));
}

TEST(LmdbCampaignIndex, LongCampaignNamesFitAndStayApart) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const std::string shared(900, 's');
  const std::string first = shared + "-first";
  const std::string second = shared + "-second";
  const std::string longest_id(kMaxIdBytes, 'I');
  ASSERT_TRUE(enqueue_sync(*store, in_campaign(longest_id, first, 10), ""));
  ASSERT_TRUE(enqueue_sync(*store, in_campaign(test_id(2), first, 20), ""));
  ASSERT_TRUE(enqueue_sync(*store, in_campaign(test_id(3), second, 5), ""));
  ASSERT_TRUE(enqueue_sync(*store, in_campaign(test_id(4), std::string(100, 's'), 1), ""));

  auto campaigns = store->campaigns("", 10);
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 3u);
  std::vector<std::string> names;
  for (const auto& c : *campaigns) {
    names.push_back(c.campaign);
    if (c.campaign == first) {
      EXPECT_EQ(c.active, 2u);
      EXPECT_EQ(c.earliest_due, at_second(10));
    } else if (c.campaign == second) {
      EXPECT_EQ(c.active, 1u);
    }
  }
  EXPECT_NE(std::find(names.begin(), names.end(), first), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), second), names.end());

  auto due = store->due_in_campaign(first, at_second(100), 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ(due->at(0).id, longest_id);
  EXPECT_EQ(store->due_in_campaign(second, at_second(100), 10)->size(), 1u);

  // Paging after a long name goes on from it.
  std::vector<std::string> paged;
  std::string after;
  for (int i = 0; i < 10; ++i) {
    auto page = store->campaigns(after, 1);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    paged.push_back(page->front().campaign);
    after = paged.back();
  }
  EXPECT_EQ(paged, names);

  ASSERT_TRUE(modify_sync(*store, longest_id, [](QueuedMessage&) { return Edit::remove; }));
  ASSERT_TRUE(modify_sync(*store, test_id(2), [](QueuedMessage&) { return Edit::remove; }));
  EXPECT_EQ(store->campaigns("", 10)->size(), 2u);
}

TEST(LmdbState, SurvivesAReopen) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(put_state_sync(*store, "quota/a", "1"));
    ASSERT_TRUE(put_state_sync(*store, "quota/b", "2"));
    ASSERT_TRUE(put_state_sync(*store, "control/pause", "yes"));
    ASSERT_TRUE(erase_state_sync(*store, "quota/b"));
  }
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->get_state("quota/a")->value(), "1");
  EXPECT_FALSE(store->get_state("quota/b")->has_value());
  std::vector<std::string> keys;
  ASSERT_TRUE(store->scan_state("", "", [&keys](const std::string& key, const std::string&) {
    keys.push_back(key);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"control/pause", "quota/a"}));
}

TEST(LmdbState, WritesShareGroupCommitsAndABadKeyFailsAlone) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  constexpr int kWrites = 300;
  std::atomic<int> ok{0};
  std::atomic<int> invalid{0};
  auto count = [&ok, &invalid](Result<void> r) {
    if (r) {
      ++ok;
    } else if (r.error().code == ErrorCode::invalid) {
      ++invalid;
    }
  };
  for (int i = 0; i < kWrites; ++i) {
    if (i == kWrites / 2) store->put_state(std::string(600, 'k'), "too long a key", count);
    store->put_state("audit/" + test_id(i), "entry " + std::to_string(i), count);
  }
  ASSERT_TRUE(erase_state_sync(*store, "audit/" + test_id(0)));
  EXPECT_EQ(ok, kWrites);
  EXPECT_EQ(invalid, 1);
  const auto counters = store->counters();
  EXPECT_EQ(counters.operations, std::uint64_t{kWrites + 2});
  EXPECT_LT(counters.transactions, std::uint64_t{kWrites / 2}) << counters.transactions;
  EXPECT_FALSE(store->get_state("audit/" + test_id(0))->has_value());
  EXPECT_EQ(store->get_state("audit/" + test_id(299))->value(), "entry 299");
}

}  // namespace
}  // namespace sluice::queue
