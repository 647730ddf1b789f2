#pragma once
// The seven named databases of the queue (messages, bodies, due, campaign_due, campaigns, state,
// meta; see FORMAT.md) and the record-level operations that keep them consistent with each
// other: a record, its body, its due key and its campaign index entries (present exactly when
// the record is active) always change in one transaction. Write operations are called by the
// group commit on the writer thread; reads from any thread, each inside the caller's transaction.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "campaign_index.h"
#include "lmdb_env.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

// The layout of the databases and their keys (`meta/format`); version 1 is migrated at open.
inline constexpr unsigned char kFormatVersion = 2;
// What LmdbEnv::open must allow (mdb_env_set_maxdbs).
inline constexpr unsigned kDatabaseCount = 7;

// Message counts by state, or a change to them made by one transaction, with the change in
// active messages by campaign (which QueueTables::apply_counts writes before the commit).
struct StateTally {
  std::int64_t messages = 0;
  std::int64_t active = 0;
  std::int64_t held = 0;
  std::int64_t dead = 0;
  CampaignDeltas campaign_active;

  void count(MessageState state, std::int64_t delta);
  // The message appears (+1) or goes (-1).
  void count(const QueuedMessage& message, std::int64_t delta);
  // `before` is rewritten as `after`.
  void recount(const QueuedMessage& before, const QueuedMessage& after);
};

struct QueueTables {
  MDB_dbi messages = 0;
  MDB_dbi bodies = 0;
  MDB_dbi due = 0;
  CampaignIndex campaigns;
  MDB_dbi state = 0;
  MDB_dbi meta = 0;

  // Opens (creating on first use) the databases and checks the format version in `meta`; a
  // version 1 queue is migrated in one transaction, the map growing up to `map_size_limit` if
  // the new indexes need it. invalid for any other version.
  static Result<QueueTables> open(LmdbEnv& env, std::uint64_t map_size_limit = 0);

  // --- writes, inside the writer's transaction; `tally` receives the change in counts ---
  // invalid if the id is empty, too long or already used.
  Result<void> insert(LmdbTxn& txn, const QueuedMessage& message, std::string_view body,
                      StateTally& tally) const;
  // Writes `after` over `before` (same id) and moves its index keys.
  Result<void> rewrite(LmdbTxn& txn, const QueuedMessage& before, const QueuedMessage& after,
                       StateTally& tally) const;
  // Deletes the record, its body and its index keys.
  Result<void> erase(LmdbTxn& txn, const QueuedMessage& message, StateTally& tally) const;
  // Writes what the transaction's operations left in `tally` (the campaign counts); last
  // before the commit.
  Result<void> apply_counts(LmdbTxn& txn, const StateTally& tally) const;

  // invalid for a key of 0 or more than 511 bytes.
  Result<void> put_state(LmdbTxn& txn, std::string_view key, std::string_view value) const;
  // A missing key (or one that cannot exist) is no error.
  Result<void> erase_state(LmdbTxn& txn, std::string_view key) const;

  // --- reads ---
  Result<QueuedMessage> load(LmdbTxn& txn, const mail::QueueId& id) const;
  // Visits records in id order after `after` until visit returns false.
  Result<void> scan(LmdbTxn& txn, const mail::QueueId& after,
                    const std::function<bool(const QueuedMessage&)>& visit) const;
  // Counts every record by state (once at open).
  Result<StateTally> tally(LmdbTxn& txn) const;
  Result<std::optional<std::string>> get_state(LmdbTxn& txn, std::string_view key) const;
  Result<void> scan_state(LmdbTxn& txn, std::string_view prefix, std::string_view after,
                          const StateVisitor& visit) const;
};

}  // namespace sluice::queue
