#pragma once
// The per-campaign view of the due index (FORMAT.md: `campaign_due` and `campaigns`): a due key
// for each active message grouped by campaign, and each campaign's count of active messages, so
// a scheduler lists campaigns with one seek each instead of walking every due message. Changed
// by QueueTables in the same transaction as the record (writes on the writer thread); reads from
// any thread, inside the caller's transaction.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lmdb_env.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

// Change in active messages by campaign made by one transaction: written to `campaigns` once at
// its end (one read and write per campaign, not per message).
using CampaignDeltas = std::map<std::string, std::int64_t, std::less<>>;

void add_delta(CampaignDeltas& deltas, std::string_view campaign, std::int64_t delta);

struct CampaignIndex {
  MDB_dbi due = 0;     // campaign_due
  MDB_dbi counts = 0;  // campaigns

  // The campaign due key of a message; nothing for a held or dead one (like the due index).
  Result<void> put_key(LmdbTxn& txn, const QueuedMessage& message) const;
  Result<void> del_key(LmdbTxn& txn, const QueuedMessage& message) const;
  // Adds the deltas to the counts; a count that reaches 0 deletes its row.
  Result<void> apply(LmdbTxn& txn, const CampaignDeltas& deltas) const;
  // Indexes every active record of `messages` (the migration from format 1); both databases
  // must be empty. Undecodable records stay out, as they are out of every count.
  Result<void> build(LmdbTxn& txn, MDB_dbi messages) const;

  Result<std::vector<CampaignQueue>> list(LmdbTxn& txn, const std::string& after,
                                          std::size_t limit) const;
  Result<std::vector<DueEntry>> due_in(LmdbTxn& txn, const std::string& campaign, SystemTime now,
                                       std::size_t limit) const;
};

}  // namespace sluice::queue
