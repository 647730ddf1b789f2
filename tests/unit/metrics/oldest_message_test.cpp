// The oldest active or held message: the first live record in id order, found past a dead
// prefix that is remembered between scrapes and forgotten when a dead message comes back.
#include "metrics/oldest_message.h"

#include <gtest/gtest.h>

#include "memory_queue_store.h"

namespace sluice::metrics {
namespace {

using queue::MessageState;

SystemTime at(int seconds) { return SystemTime(std::chrono::seconds(1'700'000'000 + seconds)); }

class OldestMessageTest : public ::testing::Test {
 protected:
  void add(const std::string& id, int arrival, MessageState state) {
    queue::QueuedMessage m;
    m.id = id;
    m.arrival = at(arrival);
    m.state = state;
    mail::Recipient r;
    r.address = "r@example.com";
    m.recipients.push_back(r);
    bool ok = false;
    store.enqueue(m, "body", [&](Result<void> r) { ok = r.ok(); });
    ASSERT_TRUE(ok);
  }
  void set_state(const std::string& id, MessageState state) {
    store.modify(
        id,
        [state](queue::QueuedMessage& m) {
          m.state = state;
          return queue::Edit::keep;
        },
        [](Result<void>) {});
  }
  OldestMessage find(OldestMessageFinder& finder) { return finder.find(store, *store.stats()); }

  testing::MemoryQueueStore store;
};

TEST_F(OldestMessageTest, EmptyQueueIsKnownAndEmpty) {
  OldestMessageFinder finder;
  auto r = find(finder);
  EXPECT_TRUE(r.known);
  EXPECT_FALSE(r.arrival);
}

TEST_F(OldestMessageTest, OnlyDeadMessagesCountAsNoneQueuedWithoutReadingThem) {
  add("A1", 1, MessageState::dead);
  OldestMessageFinder finder;
  auto r = find(finder);
  EXPECT_TRUE(r.known);
  EXPECT_FALSE(r.arrival);
}

TEST_F(OldestMessageTest, SkipsTheDeadPrefixAndFindsHeldOrActive) {
  add("A1", 1, MessageState::dead);
  add("A2", 2, MessageState::dead);
  add("A3", 3, MessageState::held);
  add("A4", 4, MessageState::active);
  OldestMessageFinder finder;
  auto r = find(finder);
  ASSERT_TRUE(r.known);
  EXPECT_EQ(r.arrival, at(3));
  set_state("A3", MessageState::dead);  // dead count rises: the memo stays valid
  EXPECT_EQ(find(finder).arrival, at(4));
}

TEST_F(OldestMessageTest, AVisitLimitSpreadsALongDeadPrefixOverScrapes) {
  for (int i = 0; i < 5; ++i) add("A" + std::to_string(i), i, MessageState::dead);
  add("B0", 10, MessageState::active);
  OldestMessageFinder finder(2);
  EXPECT_FALSE(find(finder).known);  // A0, A1
  EXPECT_FALSE(find(finder).known);  // A2, A3
  auto r = find(finder);             // A4, B0
  ASSERT_TRUE(r.known);
  EXPECT_EQ(r.arrival, at(10));
  EXPECT_EQ(find(finder).arrival, at(10));  // from the memo: one visit
}

TEST_F(OldestMessageTest, ADeadMessageRequeuedBehindTheMemoIsFoundAgain) {
  add("A1", 1, MessageState::dead);
  add("A2", 2, MessageState::dead);
  add("A3", 3, MessageState::active);
  OldestMessageFinder finder;
  EXPECT_EQ(find(finder).arrival, at(3));
  set_state("A1", MessageState::active);  // the dead count falls
  EXPECT_EQ(find(finder).arrival, at(1));
}

}  // namespace
}  // namespace sluice::metrics
