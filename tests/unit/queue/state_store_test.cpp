// The durable state beside the queue (put_state, erase_state, get_state, scan_state), run against
// the LMDB store and the in-memory fake.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "store_harness.h"

namespace sluice::queue {
namespace {

using testing::enqueue_sync;
using testing::erase_state_sync;
using testing::put_state_sync;
using testing::sample_message;
using testing::test_id;

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries scanned(QueueStore& store, const std::string& prefix, const std::string& after,
                std::size_t stop_after = 1000) {
  Entries out;
  auto scan =
      store.scan_state(prefix, after, [&](const std::string& key, const std::string& value) {
        out.emplace_back(key, value);
        return out.size() < stop_after;
      });
  EXPECT_TRUE(scan) << scan.error().message;
  return out;
}

std::vector<std::string> keys_of(const Entries& entries) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : entries) keys.push_back(key);
  return keys;
}

template <class Harness>
class DurableState : public ::testing::Test {
 protected:
  QueueStore& store() { return harness_.store(); }

 private:
  Harness harness_;
};

TYPED_TEST_SUITE(DurableState, testing::BothStores, testing::StoreNames);

TYPED_TEST(DurableState, PutGetOverwriteAndErase) {
  QueueStore& store = this->store();
  EXPECT_FALSE(store.get_state("quota/a")->has_value());
  ASSERT_TRUE(put_state_sync(store, "quota/a", "10"));
  EXPECT_EQ(store.get_state("quota/a")->value(), "10");
  ASSERT_TRUE(put_state_sync(store, "quota/a", "11"));
  EXPECT_EQ(store.get_state("quota/a")->value(), "11");

  ASSERT_TRUE(put_state_sync(store, "control/pause", ""));  // empty value: present, not missing
  ASSERT_TRUE(store.get_state("control/pause")->has_value());
  EXPECT_EQ(store.get_state("control/pause")->value(), "");

  const std::string binary_key("k\0\xff", 3);
  const std::string binary_value("\0\x01\xfe\xff", 4);
  ASSERT_TRUE(put_state_sync(store, binary_key, binary_value));
  EXPECT_EQ(store.get_state(binary_key)->value(), binary_value);
  EXPECT_FALSE(store.get_state("k")->has_value());

  ASSERT_TRUE(erase_state_sync(store, "quota/a"));
  EXPECT_FALSE(store.get_state("quota/a")->has_value());
  EXPECT_TRUE(erase_state_sync(store, "quota/a"));  // already gone: fine
  EXPECT_TRUE(erase_state_sync(store, "never-there"));
  EXPECT_EQ(store.get_state("control/pause")->value(), "");
}

TYPED_TEST(DurableState, ScanTakesAPrefixAndStartsStrictlyAfter) {
  QueueStore& store = this->store();
  for (const char* key : {"audit/0003", "audit/0001", "audit/0002", "control/pause", "quota/b",
                          "quota/a", "quotas", "q", "audit"}) {
    ASSERT_TRUE(put_state_sync(store, key, std::string("v:") + key));
  }
  using Keys = std::vector<std::string>;
  EXPECT_EQ(scanned(store, "quota/", ""),
            (Entries{{"quota/a", "v:quota/a"}, {"quota/b", "v:quota/b"}}));
  EXPECT_EQ(keys_of(scanned(store, "audit/", "audit/0001")), (Keys{"audit/0002", "audit/0003"}));
  EXPECT_EQ(keys_of(scanned(store, "audit/", "audit/00015")), (Keys{"audit/0002", "audit/0003"}));
  EXPECT_EQ(keys_of(scanned(store, "audit/", "a")),  // before the prefix: from its start
            (Keys{"audit/0001", "audit/0002", "audit/0003"}));
  EXPECT_TRUE(scanned(store, "audit/", "audit/0003").empty());
  EXPECT_TRUE(scanned(store, "audit/", "b").empty());
  EXPECT_TRUE(scanned(store, "zzz", "").empty());
  EXPECT_EQ(keys_of(scanned(store, "audit/", "", 2)), (Keys{"audit/0001", "audit/0002"}));
  EXPECT_EQ(keys_of(scanned(store, "", "")),
            (Keys{"audit", "audit/0001", "audit/0002", "audit/0003", "control/pause", "q",
                  "quota/a", "quota/b", "quotas"}));
  EXPECT_EQ(keys_of(scanned(store, "", "q")), (Keys{"quota/a", "quota/b", "quotas"}));
}

TYPED_TEST(DurableState, KeysNeedOneTo511Bytes) {
  QueueStore& store = this->store();
  auto empty = put_state_sync(store, "", "v");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::invalid);
  auto overlong = put_state_sync(store, std::string(512, 'k'), "v");
  ASSERT_FALSE(overlong);
  EXPECT_EQ(overlong.error().code, ErrorCode::invalid);
  ASSERT_TRUE(put_state_sync(store, std::string(511, 'k'), "v"));
  EXPECT_EQ(store.get_state(std::string(511, 'k'))->value(), "v");
  EXPECT_FALSE(store.get_state("")->has_value());
  EXPECT_FALSE(store.get_state(std::string(512, 'k'))->has_value());
  EXPECT_TRUE(erase_state_sync(store, ""));  // a key that cannot exist is already erased
  EXPECT_TRUE(erase_state_sync(store, std::string(512, 'k')));
  EXPECT_EQ(keys_of(scanned(store, "", "")), (std::vector<std::string>{std::string(511, 'k')}));
}

TYPED_TEST(DurableState, StaysApartFromMessages) {
  QueueStore& store = this->store();
  ASSERT_TRUE(put_state_sync(store, test_id(1), "state"));
  ASSERT_TRUE(enqueue_sync(store, sample_message(test_id(1)), "body"));
  EXPECT_EQ(store.get_state(test_id(1))->value(), "state");
  EXPECT_EQ(*store.body(test_id(1)), "body");
  EXPECT_EQ(store.stats()->messages, 1u);
  int records = 0;
  ASSERT_TRUE(store.scan("", [&records](const QueuedMessage&) { return ++records, true; }));
  EXPECT_EQ(records, 1);
  ASSERT_TRUE(erase_state_sync(store, test_id(1)));
  EXPECT_TRUE(store.find(test_id(1)));
}

}  // namespace
}  // namespace sluice::queue
