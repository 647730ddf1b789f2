// What the store does with bytes it did not write: an unknown format version stops the open; an
// undecodable record is reported, never fatal for the rest of the queue.

#include <gtest/gtest.h>

#include "queue/lmdb_env.h"
#include "queue/queue_tables.h"
#include "queue_test_support.h"

namespace sluice::queue {
namespace {

using testing::enqueue_sync;
using testing::modify_all_sync;
using testing::open_store;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

// Writes one key/value straight into a database of a closed queue.
void poke(const std::string& dir, MDB_dbi QueueTables::*table, std::string_view key,
          std::string_view value) {
  auto env = LmdbEnv::open(dir, 0, kDatabaseCount);
  ASSERT_TRUE(env);
  auto tables = QueueTables::open(*env);
  ASSERT_TRUE(tables);
  auto txn = LmdbTxn::begin(env->get(), 0);
  ASSERT_TRUE(txn);
  ASSERT_TRUE(txn->put((*tables).*table, key, value));
  ASSERT_TRUE(txn->commit());
}

TEST(CorruptStore, RefusesAnUnknownFormatVersion) {
  TempDir dir;
  { ASSERT_TRUE(open_store(dir.path())); }
  poke(dir.path(), &QueueTables::meta, "format", "\x03");
  LmdbOptions options;
  options.directory = dir.path();
  options.map_size = 16u << 20;
  auto store = open_lmdb_queue_store(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::invalid);
}

TEST(CorruptStore, AnUndecodableRecordIsReportedAndSkipped) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(enqueue_sync(*store, sample_message(test_id(i)), "b"));
  }
  poke(dir.path(), &QueueTables::messages, test_id(1), "\x01\x05short");

  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->stats()->messages, 3u);
  auto found = store->find(test_id(1));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::invalid);
  EXPECT_TRUE(store->find(test_id(2)));

  int visited = 0;
  auto flushed = modify_all_sync(*store, [&visited](QueuedMessage& m) {
    ++visited;
    m.attempts = 7;
    return Edit::keep;
  });
  ASSERT_FALSE(flushed);
  EXPECT_EQ(flushed.error().code, ErrorCode::invalid);
  EXPECT_EQ(visited, 2);
  EXPECT_EQ(store->find(test_id(2))->attempts, 7u);
}

}  // namespace
}  // namespace sluice::queue
