#include "sluice/queue/lmdb_queue_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "queue_test_support.h"

namespace sluice::queue {
namespace {

using testing::at_second;
using testing::enqueue_sync;
using testing::modify_all_sync;
using testing::modify_sync;
using testing::open_store;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

std::vector<std::string> ids_of(const std::vector<DueEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

TEST(LmdbQueueStore, CreatesTheDirectoryWithParentsAndItsFiles) {
  TempDir dir;
  const std::string nested = dir.path() + "/a/b/queue";
  auto store = open_store(nested);
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(nested + "/data.mdb"));
  EXPECT_TRUE(std::filesystem::exists(nested + "/lock.mdb"));
}

TEST(LmdbQueueStore, EnqueueThenFindAndBody) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  QueuedMessage m = sample_message(test_id(1));
  m.campaign = "c1";
  m.size = 999;  // the store records the real body size
  const std::string body = "Subject: hi\r\n\r\nbody\r\n";
  ASSERT_TRUE(enqueue_sync(*store, m, body));

  auto found = store->find(m.id);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->sender, m.sender);
  EXPECT_EQ(found->campaign, "c1");
  EXPECT_EQ(found->size, body.size());
  EXPECT_EQ(found->recipients.at(0).address, "rcpt@example.com");
  auto stored = store->body(m.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, body);

  EXPECT_EQ(store->find(test_id(2)).error().code, ErrorCode::not_found);
  EXPECT_EQ(store->body(test_id(2)).error().code, ErrorCode::not_found);
  EXPECT_EQ(store->find("").error().code, ErrorCode::not_found);
}

TEST(LmdbQueueStore, RejectsADuplicateOrEmptyId) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(1)), "first"));
  auto again = enqueue_sync(*store, sample_message(test_id(1)), "second");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::invalid);
  EXPECT_EQ(*store->body(test_id(1)), "first");
  EXPECT_FALSE(enqueue_sync(*store, sample_message(""), "x"));
  EXPECT_EQ(store->stats()->messages, 1u);
}

TEST(LmdbQueueStore, ReopenKeepsEverything) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    for (int i = 0; i < 10; ++i) {
      QueuedMessage m = sample_message(test_id(i), at_second(100 + i));
      if (i % 3 == 1) m.state = MessageState::held;
      if (i % 3 == 2) m.state = MessageState::dead;
      ASSERT_TRUE(enqueue_sync(*store, m, std::string(i * 1000, 'a' + i)));
    }
  }
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  for (int i = 0; i < 10; ++i) {
    auto found = store->find(test_id(i));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->next_attempt, at_second(100 + i));
    EXPECT_EQ(*store->body(test_id(i)), std::string(i * 1000, 'a' + i));
  }
  auto stats = store->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->messages, 10u);
  EXPECT_EQ(stats->active, 4u);
  EXPECT_EQ(stats->held, 3u);
  EXPECT_EQ(stats->dead, 3u);
  EXPECT_GT(stats->map_used_bytes, 0u);
  EXPECT_GE(stats->map_size_bytes, 16u << 20);
  EXPECT_EQ(ids_of(*store->due(at_second(1000), 100)),
            (std::vector<std::string>{test_id(0), test_id(3), test_id(6), test_id(9)}));
}

TEST(LmdbQueueStore, ReopenKeepsAMapBiggerThanAsked) {
  TempDir dir;
  { ASSERT_TRUE(open_store(dir.path(), 8u << 20)); }
  auto store = open_store(dir.path(), 1u << 20);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->stats()->map_size_bytes, 8u << 20);
}

TEST(LmdbQueueStore, DueIsOrderedByTimeAndLimited) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_FALSE(*store->next_due(at_second(0)));
  const int times[] = {50, 10, 40, 20, 30, 60};
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(i), at_second(times[i])), "b"));
  }
  EXPECT_EQ(ids_of(*store->due(at_second(35), 100)),
            (std::vector<std::string>{test_id(1), test_id(3), test_id(4)}));
  EXPECT_EQ(ids_of(*store->due(at_second(100), 2)),
            (std::vector<std::string>{test_id(1), test_id(3)}));
  EXPECT_TRUE(store->due(at_second(5), 100)->empty());
  auto first = store->due(at_second(10), 1);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().next_attempt, at_second(10));
  EXPECT_EQ(**store->next_due(at_second(0)), at_second(10));
  // Strictly after: what is due by then is someone else's business.
  EXPECT_EQ(**store->next_due(at_second(10)), at_second(20));
  EXPECT_EQ(**store->next_due(at_second(55)), at_second(60));
  EXPECT_FALSE(*store->next_due(at_second(60)));
}

TEST(LmdbQueueStore, ModifyKeepsRemovesAndReportsNotFound) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(1), at_second(10)), "one"));
  ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(2), at_second(20)), "two"));

  ASSERT_TRUE(modify_sync(*store, test_id(1), [](QueuedMessage& m) {
    ++m.attempts;
    m.last_error = "451 later";
    m.next_attempt = at_second(30);
    m.id = "changed";  // ignored: the id is the key
    return Edit::keep;
  }));
  auto found = store->find(test_id(1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->attempts, 1u);
  EXPECT_EQ(found->last_error, "451 later");
  EXPECT_EQ(ids_of(*store->due(at_second(100), 10)),
            (std::vector<std::string>{test_id(2), test_id(1)}));
  EXPECT_FALSE(store->find("changed"));

  ASSERT_TRUE(modify_sync(*store, test_id(2), [](QueuedMessage&) { return Edit::remove; }));
  EXPECT_EQ(store->find(test_id(2)).error().code, ErrorCode::not_found);
  EXPECT_EQ(store->body(test_id(2)).error().code, ErrorCode::not_found);
  EXPECT_EQ(ids_of(*store->due(at_second(100), 10)), (std::vector<std::string>{test_id(1)}));

  bool called = false;
  auto missing = modify_sync(*store, test_id(3), [&called](QueuedMessage&) {
    called = true;
    return Edit::keep;
  });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_FALSE(called);
  EXPECT_EQ(store->stats()->messages, 1u);
}

TEST(LmdbQueueStore, HoldLeavesTheDueIndexAndReleaseBringsItBack) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(1), at_second(10)), "b"));
  ASSERT_TRUE(modify_sync(*store, test_id(1), [](QueuedMessage& m) {
    m.state = MessageState::held;
    return Edit::keep;
  }));
  EXPECT_TRUE(store->due(at_second(100), 10)->empty());
  EXPECT_FALSE(*store->next_due(at_second(0)));
  EXPECT_EQ(store->stats()->held, 1u);
  EXPECT_EQ(store->stats()->active, 0u);

  ASSERT_TRUE(modify_sync(*store, test_id(1), [](QueuedMessage& m) {
    m.state = MessageState::active;
    m.next_attempt = at_second(15);
    return Edit::keep;
  }));
  auto due = store->due(at_second(100), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().next_attempt, at_second(15));
  EXPECT_EQ(store->stats()->active, 1u);
  EXPECT_EQ(store->stats()->held, 0u);
}

TEST(LmdbQueueStore, ModifyAllVisitsEveryRecordAcrossChunks) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  constexpr int kCount = 2500;  // more than one modify_all transaction
  std::atomic<int> acked{0};
  for (int i = 0; i < kCount; ++i) {
    store->enqueue(sample_message(test_id(i), at_second(1000 + i)), "b",
                   [&acked](Result<void> r) { acked += r.ok(); });
  }
  int visits = 0;
  ASSERT_TRUE(modify_all_sync(*store, [&visits](QueuedMessage& m) {
    ++visits;
    m.next_attempt = at_second(5);  // flush: everything due now
    return m.id == test_id(7) ? Edit::remove : Edit::keep;
  }));
  EXPECT_EQ(acked, kCount);
  EXPECT_EQ(visits, kCount);
  auto due = store->due(at_second(5), kCount + 1);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->size(), std::size_t{kCount - 1});
  EXPECT_EQ(store->stats()->messages, std::uint64_t{kCount - 1});
  EXPECT_GE(store->counters().transactions, 3u);
}

TEST(LmdbQueueStore, ScanVisitsInIdOrderAfterTheGivenId) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  for (int i : {5, 1, 4, 2, 3}) ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(i)), ""));
  std::vector<std::string> seen;
  ASSERT_TRUE(store->scan(test_id(2), [&seen](const QueuedMessage& m) {
    seen.push_back(m.id);
    return seen.size() < 2;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{test_id(3), test_id(4)}));
  seen.clear();
  ASSERT_TRUE(store->scan("", [&seen](const QueuedMessage& m) {
    seen.push_back(m.id);
    return true;
  }));
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front(), test_id(1));
}

TEST(LmdbQueueStore, ConcurrentProducersShareCommits) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  constexpr int kThreads = 50;
  constexpr int kPerThread = 40;
  std::vector<std::thread> producers;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&store, &failures, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto id = test_id(t * 1000 + i);
        if (!enqueue_sync(*store, sample_message(id), "body of " + id)) ++failures;
      }
    });
  }
  for (auto& p : producers) p.join();
  EXPECT_EQ(failures, 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const auto id = test_id(t * 1000 + i);
      auto body = store->body(id);
      ASSERT_TRUE(body) << id;
      EXPECT_EQ(*body, "body of " + id);
    }
  }
  const auto counters = store->counters();
  EXPECT_EQ(counters.operations, std::uint64_t{kThreads * kPerThread});
  // One fsync per message would be 2000 transactions; group commit shares them.
  EXPECT_LT(counters.transactions, 500u) << counters.transactions;
  EXPECT_EQ(store->stats()->messages, std::uint64_t{kThreads * kPerThread});
}

TEST(LmdbQueueStore, DestructorRunsEveryPendingCallback) {
  TempDir dir;
  std::atomic<int> done{0};
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    for (int i = 0; i < 300; ++i) {
      store->enqueue(sample_message(test_id(i)), "b", [&done](Result<void> r) { done += r.ok(); });
    }
  }
  EXPECT_EQ(done, 300);
  auto store = open_store(dir.path());
  EXPECT_EQ(store->stats()->messages, 300u);
}

}  // namespace
}  // namespace sluice::queue
