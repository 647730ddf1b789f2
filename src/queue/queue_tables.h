#pragma once
// The four named databases of the queue (messages, bodies, due, meta; see FORMAT.md) and the
// record-level operations that keep them consistent with each other: a record, its body and
// its due key (present exactly when the record is active) always change in one transaction.
// Write operations are called by the group commit on the writer thread; reads from any thread,
// each inside the caller's transaction.

#include <cstdint>
#include <functional>

#include "lmdb_env.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

// Message counts by state, or a change to them made by one transaction.
struct StateTally {
  std::int64_t messages = 0;
  std::int64_t active = 0;
  std::int64_t held = 0;
  std::int64_t dead = 0;

  void count(MessageState state, std::int64_t delta);
};

struct QueueTables {
  MDB_dbi messages = 0;
  MDB_dbi bodies = 0;
  MDB_dbi due = 0;
  MDB_dbi meta = 0;

  // Opens (creating on first use) the databases and checks the format version in `meta`.
  static Result<QueueTables> open(LmdbEnv& env);

  // --- writes, inside the writer's transaction; `tally` receives the change in counts ---
  // invalid if the id is empty, too long or already used.
  Result<void> insert(LmdbTxn& txn, const QueuedMessage& message, std::string_view body,
                      StateTally& tally) const;
  // Writes `after` over `before` (same id) and moves its due key.
  Result<void> rewrite(LmdbTxn& txn, const QueuedMessage& before, const QueuedMessage& after,
                       StateTally& tally) const;
  // Deletes the record, its body and its due key.
  Result<void> erase(LmdbTxn& txn, const QueuedMessage& message, StateTally& tally) const;

  // --- reads ---
  Result<QueuedMessage> load(LmdbTxn& txn, const mail::QueueId& id) const;
  // Visits records in id order after `after` until visit returns false.
  Result<void> scan(LmdbTxn& txn, const mail::QueueId& after,
                    const std::function<bool(const QueuedMessage&)>& visit) const;
  // Counts every record by state (once at open).
  Result<StateTally> tally(LmdbTxn& txn) const;
};

}  // namespace sluice::queue
