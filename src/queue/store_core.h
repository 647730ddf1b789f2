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

// A transaction that keeps map resizes out while it lives (members end in reverse order: the
// transaction before the lock).
struct LockedTxn {
  std::shared_lock<std::shared_mutex> lock;
  LmdbTxn txn;
};

struct StoreCore {
  StoreCore(LmdbEnv e, QueueTables t, std::uint64_t limit)
      : env(std::move(e)), tables(t), map_size_limit(limit) {}

  LmdbEnv env;
  const QueueTables tables;
  const std::uint64_t map_size_limit;

  // mdb_env_set_mapsize needs no live transaction in this process: every transaction holds this
  // shared for its short life (begin()); a resize holds it exclusively.
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

  // flags: MDB_RDONLY for a read, 0 for the writer's transaction.
  Result<LockedTxn> begin(unsigned flags) {
    std::shared_lock lock(map_mutex);
    int rc = 0;
    auto txn = LmdbTxn::begin(env.get(), flags, &rc);
    if (rc == MDB_MAP_RESIZED) {
      // Another process grew the map: adopt its size, which needs the lock exclusively.
      lock.unlock();
      {
        std::unique_lock resize(map_mutex);
        if (auto adopted = env.set_map_size(0); !adopted) return adopted.error();
      }
      lock.lock();
      auto again = LmdbTxn::begin(env.get(), flags);
      if (!again) return again.error();
      return LockedTxn{std::move(lock), std::move(*again)};
    }
    if (!txn) return txn.error();
    return LockedTxn{std::move(lock), std::move(*txn)};
  }
};

}  // namespace sluice::queue
