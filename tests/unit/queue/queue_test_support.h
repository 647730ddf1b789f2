#pragma once
// Shared by the queue tests: a temporary directory, sample records, and synchronous wrappers
// over the store's asynchronous writes (bounded waits, no sleeping).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "sluice/queue/lmdb_queue_store.h"
#include "temp_dir.h"

namespace sluice::queue::testing {

using sluice::testing::TempDir;

inline std::string test_id(unsigned long long n) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llX", n);
  return buffer;
}

inline SystemTime at_second(long long s) { return SystemTime(std::chrono::seconds(s)); }

inline QueuedMessage sample_message(const std::string& id,
                                    SystemTime next_attempt = at_second(1000)) {
  QueuedMessage m;
  m.id = id;
  m.arrival = at_second(900);
  m.sender = "sender@example.org";
  m.recipients = {{"rcpt@example.com", mail::RecipientState::pending, ""}};
  m.client = "mx.example.org[192.0.2.1]";
  m.next_attempt = next_attempt;
  return m;
}

// Waits for a write's callback, bounded far beyond any fsync of these small batches.
inline Result<void> wait_for(std::future<Result<void>>& result) {
  if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return make_error("timed out waiting for the writer");
  }
  return result.get();
}

inline Result<void> enqueue_sync(QueueStore& store, QueuedMessage m, std::string body) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  store.enqueue(std::move(m), std::move(body),
                [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return wait_for(future);
}

inline Result<void> modify_sync(QueueStore& store, const mail::QueueId& id,
                                QueueStore::Modifier modifier) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  store.modify(id, std::move(modifier),
               [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return wait_for(future);
}

inline Result<void> modify_all_sync(QueueStore& store, QueueStore::Modifier modifier) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  store.modify_all(std::move(modifier),
                   [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return wait_for(future);
}

inline Result<void> put_state_sync(QueueStore& store, std::string key, std::string value) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  store.put_state(std::move(key), std::move(value),
                  [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return wait_for(future);
}

inline Result<void> erase_state_sync(QueueStore& store, std::string key) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  store.erase_state(std::move(key),
                    [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return wait_for(future);
}

inline std::unique_ptr<LmdbQueueStore> open_store(const std::string& dir,
                                                  std::uint64_t map_size = 16ull << 20,
                                                  std::uint64_t limit = 64ull << 20) {
  LmdbOptions options;
  options.directory = dir;
  options.map_size = map_size;
  options.map_size_limit = limit;
  auto store = open_lmdb_queue_store(options);
  if (!store) return nullptr;
  return std::move(*store);
}

}  // namespace sluice::queue::testing
