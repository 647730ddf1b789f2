#pragma once
// What LmdbQueueStore's readers and its writer thread (GroupCommit) share: the environment, the
// databases, the lock that keeps transactions out of a map resize, and the counts the writer
// publishes after each commit (so stats() never scans).

#include <atomic>
#include <cstdint>
#include <shared_mutex>

#include "lmdb_env.h"
#include "queue_tables.h"
#include "sluice/queue/lmdb_queue_store.h"

namespace sluice::queue {

struct StoreCore {
  StoreCore(LmdbEnv e, QueueTables t, std::uint64_t limit)
      : env(std::move(e)), tables(t), map_size_limit(limit) {}

  LmdbEnv env;
  const QueueTables tables;
  const std::uint64_t map_size_limit;

  // mdb_env_set_mapsize needs no live transaction in this process: read transactions hold this
  // shared for their short life; the writer holds it exclusively only while it resizes.
  std::shared_mutex map_mutex;

  // Counts as of the last commit, written only by the writer thread.
  std::atomic<std::int64_t> messages{0};
  std::atomic<std::int64_t> active{0};
  std::atomic<std::int64_t> held{0};
  std::atomic<std::int64_t> dead{0};

  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> operations{0};
  std::atomic<std::uint64_t> map_resizes{0};

  void add(const StateTally& change) {
    messages += change.messages;
    active += change.active;
    held += change.held;
    dead += change.dead;
  }

  // Adopts a map size another process set (MDB_MAP_RESIZED from mdb_txn_begin).
  Result<void> adopt_map_size() {
    std::unique_lock lock(map_mutex);
    return env.set_map_size(0);
  }
};

}  // namespace sluice::queue
