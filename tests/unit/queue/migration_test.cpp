// Opening a queue written in format 1 (messages, bodies, due, meta; built here by hand, as the
// previous release wrote it) migrates it in place: the campaign index is built from the records,
// the state database appears, and meta/format becomes 2. Any other version is refused.

#include <gtest/gtest.h>

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
using testing::open_store;
using testing::put_state_sync;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

struct V1Record {
  QueuedMessage message;
  std::string body;
  std::string raw;  // if set: stored instead of the encoded message (a corrupt record)
};

QueuedMessage in_campaign(unsigned long long n, std::string campaign, long long due_second,
                          MessageState state = MessageState::active) {
  QueuedMessage m = sample_message(test_id(n), at_second(due_second));
  m.campaign = std::move(campaign);
  m.state = state;
  return m;
}

// The four databases of format 1, as its QueueTables::open and insert wrote them.
void write_v1_queue(const std::string& dir, const std::vector<V1Record>& records,
                    std::uint64_t map_size = 16u << 20) {
  auto env = LmdbEnv::open(dir, map_size, 4);
  ASSERT_TRUE(env) << env.error().message;
  auto txn = LmdbTxn::begin(env->get(), 0);
  ASSERT_TRUE(txn);
  auto messages = txn->open_dbi("messages", MDB_CREATE);
  auto bodies = txn->open_dbi("bodies", MDB_CREATE);
  auto due = txn->open_dbi("due", MDB_CREATE);
  auto meta = txn->open_dbi("meta", MDB_CREATE);
  ASSERT_TRUE(messages && bodies && due && meta);
  ASSERT_TRUE(txn->put(*meta, "format", "\x01"));
  for (const auto& r : records) {
    const QueuedMessage& m = r.message;
    ASSERT_TRUE(txn->put(*messages, m.id, r.raw.empty() ? encode_record(m) : r.raw));
    ASSERT_TRUE(txn->put(*bodies, m.id, r.body));
    if (m.state == MessageState::active) {
      ASSERT_TRUE(txn->put(*due, encode_due_key(m.next_attempt, m.id), ""));
    }
  }
  ASSERT_TRUE(txn->commit());
}

// A version 1 queue whose map is full: active messages in 50 campaigns, written in chunks of
// 50 until the next chunk does not fit. Returns how many were written.
int fill_v1_queue(const std::string& dir, std::uint64_t map_size) {
  write_v1_queue(dir, {}, map_size);
  auto env = LmdbEnv::open(dir, map_size, 4);
  EXPECT_TRUE(env);
  if (!env) return 0;
  int written = 0;
  for (;; written += 50) {
    auto txn = LmdbTxn::begin(env->get(), 0);
    EXPECT_TRUE(txn);
    auto messages = txn->open_dbi("messages", 0);
    auto bodies = txn->open_dbi("bodies", 0);
    auto due = txn->open_dbi("due", 0);
    EXPECT_TRUE(messages && bodies && due);
    if (!txn || !messages || !bodies || !due) return written;
    for (int n = written; n < written + 50; ++n) {
      const QueuedMessage m = in_campaign(n, "campaign-" + std::to_string(n % 50), n);
      if (!txn->put(*messages, m.id, encode_record(m)) || !txn->put(*bodies, m.id, "") ||
          !txn->put(*due, encode_due_key(m.next_attempt, m.id), "")) {
        return written;
      }
    }
    if (!txn->commit()) return written;
  }
}

struct Meta {
  std::string format;
  std::size_t campaign_due = 0;
  std::size_t campaigns = 0;
};

// meta/format and the sizes of the campaign index (0 where the database does not exist).
Meta read_meta(const std::string& dir) {
  auto env = LmdbEnv::open(dir, 0, kDatabaseCount);
  EXPECT_TRUE(env);
  if (!env) return {};
  auto txn = LmdbTxn::begin(env->get(), MDB_RDONLY);
  EXPECT_TRUE(txn);
  auto meta = txn->open_dbi("meta", 0);
  EXPECT_TRUE(meta);
  if (!meta) return {};
  auto format = txn->get(*meta, "format");
  EXPECT_TRUE(format && *format);
  Meta out;
  if (format && *format) out.format = std::string(**format);
  auto entries = [&txn](const char* name) -> std::size_t {
    auto dbi = txn->open_dbi(name, 0);
    return dbi ? txn->stat(*dbi)->ms_entries : 0;
  };
  out.campaign_due = entries("campaign_due");
  out.campaigns = entries("campaigns");
  return out;
}

TEST(Migration, Version1GetsItsCampaignIndexAndBecomesVersion2) {
  TempDir dir;
  write_v1_queue(dir.path(), {
                                 {in_campaign(1, "", 30), "one", ""},
                                 {in_campaign(2, "spring", 20), "two", ""},
                                 {in_campaign(3, "spring", 10), "three", ""},
                                 {in_campaign(4, "spring", 1, MessageState::held), "four", ""},
                                 {in_campaign(5, "autumn", 1, MessageState::dead), "five", ""},
                                 {in_campaign(6, std::string(300, 'L'), 7), "six", ""},
                             });
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    auto campaigns = store->campaigns("", 10);
    ASSERT_TRUE(campaigns);
    ASSERT_EQ(campaigns->size(), 3u);
    EXPECT_EQ(campaigns->at(0).campaign, "");
    EXPECT_EQ(campaigns->at(0).active, 1u);
    EXPECT_EQ(campaigns->at(0).earliest_due, at_second(30));
    EXPECT_EQ(campaigns->at(1).campaign, std::string(300, 'L'));
    EXPECT_EQ(campaigns->at(2).campaign, "spring");
    EXPECT_EQ(campaigns->at(2).active, 2u);
    EXPECT_EQ(campaigns->at(2).earliest_due, at_second(10));
    auto due = store->due_in_campaign("spring", at_second(100), 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 2u);
    EXPECT_EQ(due->at(0).id, test_id(3));
    EXPECT_EQ(due->at(1).id, test_id(2));

    // Everything of version 1 is still there and the new parts work.
    EXPECT_EQ(*store->body(test_id(4)), "four");
    EXPECT_EQ(store->stats()->messages, 6u);
    EXPECT_EQ(store->due(at_second(100), 10)->size(), 4u);
    ASSERT_TRUE(put_state_sync(*store, "quota/a", "1"));
    ASSERT_TRUE(enqueue_sync(*store, in_campaign(7, "spring", 2), "seven"));
    EXPECT_EQ(store->campaigns("", 10)->at(2).active, 3u);
  }
  const Meta meta = read_meta(dir.path());
  EXPECT_EQ(meta.format, "\x02");
  EXPECT_EQ(meta.campaign_due, 5u);  // the four active messages of v1, and the new one
  EXPECT_EQ(meta.campaigns, 3u);

  // A second open migrates nothing again: the counts stay.
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  auto campaigns = store->campaigns("", 10);
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 3u);
  EXPECT_EQ(campaigns->at(2).active, 3u);
  EXPECT_EQ(store->get_state("quota/a")->value(), "1");
}

TEST(Migration, AnEmptyVersion1QueueAndANewQueueBothEndAtVersion2) {
  TempDir old_dir;
  write_v1_queue(old_dir.path(), {});
  { ASSERT_TRUE(open_store(old_dir.path())); }
  EXPECT_EQ(read_meta(old_dir.path()).format, "\x02");

  TempDir new_dir;
  { ASSERT_TRUE(open_store(new_dir.path())); }
  const Meta meta = read_meta(new_dir.path());
  EXPECT_EQ(meta.format, "\x02");
  EXPECT_EQ(meta.campaign_due, 0u);
}

TEST(Migration, AnUndecodableRecordStaysOutOfTheIndexAndDoesNotStopIt) {
  TempDir dir;
  write_v1_queue(dir.path(), {
                                 {in_campaign(1, "a", 10), "one", ""},
                                 {in_campaign(2, "a", 5), "two", "\x01\x05short"},
                             });
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  auto campaigns = store->campaigns("", 10);
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 1u);
  EXPECT_EQ(campaigns->at(0).active, 1u);
  EXPECT_EQ(campaigns->at(0).earliest_due, at_second(10));
  EXPECT_EQ(store->find(test_id(2)).error().code, ErrorCode::invalid);
}

TEST(Migration, GrowsTheMapWhenTheIndexDoesNotFit) {
  TempDir dir;
  const int written = fill_v1_queue(dir.path(), 1u << 20);
  ASSERT_GE(written, 500);

  auto store = open_store(dir.path(), 1u << 20, 8u << 20);
  ASSERT_TRUE(store);
  EXPECT_GT(store->stats()->map_size_bytes, 1u << 20);
  auto campaigns = store->campaigns("", 100);
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 50u);
  for (const auto& c : *campaigns) {
    EXPECT_EQ(c.active, std::uint64_t(written / 50)) << c.campaign;
  }
  EXPECT_EQ(store->stats()->active, std::uint64_t(written));
}

TEST(Migration, FailsCleanlyWhenTheMapLimitIsTooSmall) {
  TempDir dir;
  const int written = fill_v1_queue(dir.path(), 1u << 20);
  ASSERT_GE(written, 500);

  LmdbOptions options;
  options.directory = dir.path();
  options.map_size = 1u << 20;
  options.map_size_limit = 1u << 20;
  auto refused = open_lmdb_queue_store(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::no_space);
  EXPECT_EQ(read_meta(dir.path()).format, "\x01");  // nothing of the migration was written

  auto store = open_store(dir.path(), 1u << 20, 8u << 20);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->campaigns("", 100)->size(), 50u);
}

TEST(Migration, RefusesUnknownVersions) {
  for (const std::string& format :
       {std::string("\x03"), std::string("\x00", 1), std::string("\x01\x00", 2)}) {
    TempDir dir;
    write_v1_queue(dir.path(), {{in_campaign(1, "a", 10), "one", ""}});
    {
      auto env = LmdbEnv::open(dir.path(), 0, 4);
      ASSERT_TRUE(env);
      auto txn = LmdbTxn::begin(env->get(), 0);
      ASSERT_TRUE(txn);
      auto meta = txn->open_dbi("meta", 0);
      ASSERT_TRUE(meta);
      ASSERT_TRUE(txn->put(*meta, "format", format));
      ASSERT_TRUE(txn->commit());
    }
    LmdbOptions options;
    options.directory = dir.path();
    options.map_size = 16u << 20;
    auto refused = open_lmdb_queue_store(options);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid);
    EXPECT_NE(refused.error().message.find("format version"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::queue
