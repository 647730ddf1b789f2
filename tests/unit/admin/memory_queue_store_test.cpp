// The fake other stages' tests rely on: its due index and write semantics must match the
// QueueStore contract.
#include "memory_queue_store.h"

#include <gtest/gtest.h>

namespace sluice::testing {
namespace {

using queue::MessageState;
using queue::QueuedMessage;
using namespace std::chrono_literals;

const SystemTime kT0 = SystemTime(std::chrono::seconds(1'700'000'000));

QueuedMessage message(std::string id, SystemTime next, MessageState state = MessageState::active) {
  QueuedMessage m;
  m.id = std::move(id);
  m.arrival = kT0;
  m.next_attempt = next;
  m.state = state;
  m.size = 100;
  m.recipients.push_back({"rcpt@example.com", mail::RecipientState::pending, ""});
  return m;
}

Result<void> put(MemoryQueueStore& store, QueuedMessage m, std::string body = "body") {
  Result<void> result = make_error("callback not run");
  store.enqueue(std::move(m), std::move(body), [&](Result<void> r) { result = r; });
  return result;
}

Result<void> edit(MemoryQueueStore& store, const std::string& id,
                  queue::QueueStore::Modifier modifier) {
  Result<void> result = make_error("callback not run");
  store.modify(id, std::move(modifier), [&](Result<void> r) { result = r; });
  return result;
}

std::vector<std::string> due_ids(MemoryQueueStore& store, SystemTime now, std::size_t limit = 100) {
  std::vector<std::string> ids;
  auto due = store.due(now, limit);
  for (const auto& entry : *due) ids.push_back(entry.id);
  return ids;
}

TEST(MemoryQueueStore, DueListsOnlyActiveMessagesThatAreDueOldestFirst) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0 + 30s)).ok());
  ASSERT_TRUE(put(store, message("B", kT0 + 10s)).ok());
  ASSERT_TRUE(put(store, message("C", kT0 + 10s)).ok());  // tie: id order
  ASSERT_TRUE(put(store, message("D", kT0 + 5s, MessageState::held)).ok());
  ASSERT_TRUE(put(store, message("E", kT0 + 5s, MessageState::dead)).ok());
  ASSERT_TRUE(put(store, message("F", kT0 + 60s)).ok());

  EXPECT_EQ(due_ids(store, kT0 + 30s), (std::vector<std::string>{"B", "C", "A"}));
  EXPECT_EQ(due_ids(store, kT0 + 30s, 2), (std::vector<std::string>{"B", "C"}));
  EXPECT_TRUE(due_ids(store, kT0 + 9s).empty());
  EXPECT_EQ(**store.next_due(kT0), kT0 + 10s);
  EXPECT_EQ(**store.next_due(kT0 + 10s), kT0 + 30s);  // strictly after
  EXPECT_EQ(*store.next_due(kT0 + 60s), std::nullopt);
}

TEST(MemoryQueueStore, ModifyReindexesAndRemoves) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  ASSERT_TRUE(put(store, message("B", kT0 + 1s)).ok());

  ASSERT_TRUE(edit(store, "A", [](QueuedMessage& m) {
                m.state = MessageState::held;
                return queue::Edit::keep;
              }).ok());
  EXPECT_EQ(due_ids(store, kT0 + 1s), (std::vector<std::string>{"B"}));
  EXPECT_EQ(store.find("A")->state, MessageState::held);

  ASSERT_TRUE(edit(store, "B", [](QueuedMessage&) { return queue::Edit::remove; }).ok());
  EXPECT_FALSE(store.find("B").ok());
  EXPECT_EQ(store.body("B").error().code, ErrorCode::not_found);
  EXPECT_EQ(*store.next_due(kT0), std::nullopt);
  EXPECT_EQ(*store.body("A"), "body");
}

TEST(MemoryQueueStore, ModifyOfMissingMessageIsNotFoundAndRunsNoModifier) {
  MemoryQueueStore store;
  bool ran = false;
  auto r = edit(store, "X", [&](QueuedMessage&) {
    ran = true;
    return queue::Edit::keep;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(ran);
}

TEST(MemoryQueueStore, ModifierCannotChangeTheId) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  ASSERT_TRUE(edit(store, "A", [](QueuedMessage& m) {
                m.id = "Z";
                m.attempts = 3;
                return queue::Edit::keep;
              }).ok());
  EXPECT_EQ(store.find("A")->attempts, 3u);
  EXPECT_FALSE(store.find("Z").ok());
}

TEST(MemoryQueueStore, ModifyAllVisitsInIdOrderAndMayRemove) {
  MemoryQueueStore store;
  for (auto id : {"C", "A", "B"}) ASSERT_TRUE(put(store, message(id, kT0)).ok());
  std::vector<std::string> seen;
  bool done = false;
  store.modify_all(
      [&](QueuedMessage& m) {
        seen.push_back(m.id);
        return m.id == "B" ? queue::Edit::remove : queue::Edit::keep;
      },
      [&](Result<void> r) { done = r.ok(); });
  EXPECT_TRUE(done);
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(store.size(), 2u);
}

TEST(MemoryQueueStore, ScanStartsAfterTheGivenIdAndStopsWhenAsked) {
  MemoryQueueStore store;
  for (auto id : {"A", "B", "C", "D"}) ASSERT_TRUE(put(store, message(id, kT0)).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  .scan("B",
                        [&](const QueuedMessage& m) {
                          seen.push_back(m.id);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"C", "D"}));
  seen.clear();
  ASSERT_TRUE(store
                  .scan("",
                        [&](const QueuedMessage& m) {
                          seen.push_back(m.id);
                          return seen.size() < 2;
                        })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B"}));
}

TEST(MemoryQueueStore, DuplicateEnqueueFails) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  EXPECT_FALSE(put(store, message("A", kT0)).ok());
  EXPECT_EQ(store.size(), 1u);
}

TEST(MemoryQueueStore, InjectedFailuresChangeNothing) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  store.fail_next_writes(2, make_error("map full", ErrorCode::no_space));
  auto r = edit(store, "A", [](QueuedMessage&) { return queue::Edit::remove; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::no_space);
  EXPECT_EQ(put(store, message("B", kT0)).error().code, ErrorCode::no_space);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(put(store, message("B", kT0)).ok());  // only two failures were asked for
}

TEST(MemoryQueueStore, RetriedModifyShowsTheModifierAFreshCopyAgain) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  store.retry_next_modifies(1);
  int runs = 0;
  ASSERT_TRUE(edit(store, "A", [&](QueuedMessage& m) {
                ++runs;
                EXPECT_EQ(m.attempts, 0u);  // the first run's change was thrown away
                m.attempts += 1;
                return queue::Edit::keep;
              }).ok());
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(store.find("A")->attempts, 1u);
  ASSERT_TRUE(edit(store, "A", [&](QueuedMessage&) {
                ++runs;
                return queue::Edit::keep;
              }).ok());
  EXPECT_EQ(runs, 3);  // only one retry was asked for
}

TEST(MemoryQueueStore, DeferredCompletionsRunOnlyWhenAsked) {
  MemoryQueueStore store;
  store.defer_completions(true);
  bool done = false;
  store.enqueue(message("A", kT0), "body", [&](Result<void> r) { done = r.ok(); });
  EXPECT_FALSE(done);
  EXPECT_TRUE(store.find("A").ok());  // the write is applied; only the callback waits
  EXPECT_EQ(store.run_deferred_completions(), 1u);
  EXPECT_TRUE(done);
}

TEST(MemoryQueueStore, CallbackMayCallTheStore) {
  MemoryQueueStore store;
  bool found = false;
  store.enqueue(message("A", kT0), "body", [&](Result<void>) { found = store.find("A").ok(); });
  EXPECT_TRUE(found);
}

TEST(MemoryQueueStore, StatsCountStates) {
  MemoryQueueStore store;
  ASSERT_TRUE(put(store, message("A", kT0)).ok());
  ASSERT_TRUE(put(store, message("B", kT0, MessageState::held)).ok());
  ASSERT_TRUE(put(store, message("C", kT0, MessageState::dead)).ok());
  ASSERT_TRUE(put(store, message("D", kT0, MessageState::dead)).ok());
  auto stats = *store.stats();
  EXPECT_EQ(stats.messages, 4u);
  EXPECT_EQ(stats.active, 1u);
  EXPECT_EQ(stats.held, 1u);
  EXPECT_EQ(stats.dead, 2u);
}

}  // namespace
}  // namespace sluice::testing
