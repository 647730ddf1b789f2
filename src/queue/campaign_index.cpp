#include "campaign_index.h"

#include "record_codec.h"

namespace sluice::queue {

void add_delta(CampaignDeltas& deltas, std::string_view campaign, std::int64_t delta) {
  auto it = deltas.find(campaign);
  if (it == deltas.end()) it = deltas.emplace(std::string(campaign), 0).first;
  it->second += delta;
}

Result<void> CampaignIndex::put_key(LmdbTxn& txn, const QueuedMessage& m) const {
  if (m.state != MessageState::active) return {};
  return txn.put(due, encode_campaign_due_key(m.campaign, m.next_attempt, m.id), {});
}

Result<void> CampaignIndex::del_key(LmdbTxn& txn, const QueuedMessage& m) const {
  if (m.state != MessageState::active) return {};
  // A missing key is tolerated, as in the due index: the record is the truth.
  auto deleted = txn.del(due, encode_campaign_due_key(m.campaign, m.next_attempt, m.id));
  if (!deleted) return deleted.error();
  return {};
}

Result<void> CampaignIndex::apply(LmdbTxn& txn, const CampaignDeltas& deltas) const {
  for (const auto& [campaign, delta] : deltas) {
    if (delta == 0) continue;
    const std::string key = campaign_row_key(campaign);
    auto row = txn.get(counts, key);
    if (!row) return row.error();
    std::int64_t active = 0;
    if (*row) {
      // A corrupt count restarts from 0 rather than blocking every write of the campaign.
      auto decoded = decode_campaign_row(key, **row);
      if (decoded) active = static_cast<std::int64_t>(decoded->active);
    }
    active += delta;
    if (active <= 0) {
      if (auto deleted = txn.del(counts, key); !deleted) return deleted.error();
    } else if (auto put = txn.put(
                   counts, key, encode_campaign_row(campaign, static_cast<std::uint64_t>(active)));
               !put) {
      return put;
    }
  }
  return {};
}

Result<void> CampaignIndex::build(LmdbTxn& txn, MDB_dbi messages) const {
  CampaignDeltas active;
  auto cursor = LmdbCursor::open(txn, messages);
  if (!cursor) return cursor.error();
  auto entry = cursor->first();
  for (; entry && *entry; entry = cursor->next()) {
    auto record = decode_record((*entry)->second);
    if (!record || record->state != MessageState::active) continue;
    if (auto put = put_key(txn, *record); !put) return put;
    add_delta(active, record->campaign, +1);
  }
  if (!entry) return entry.error();
  return apply(txn, active);
}

Result<std::vector<CampaignQueue>> CampaignIndex::list(LmdbTxn& txn, const std::string& after,
                                                       std::size_t limit) const {
  std::vector<CampaignQueue> campaigns;
  auto rows = LmdbCursor::open(txn, counts);
  if (!rows) return rows.error();
  auto keys = LmdbCursor::open(txn, due);
  if (!keys) return keys.error();
  const std::string start = campaign_row_key(after);
  auto row = rows->seek(start);
  if (!after.empty() && row && *row && (*row)->first == start) row = rows->next();
  for (; row && *row && campaigns.size() < limit; row = rows->next()) {
    auto campaign = decode_campaign_row((*row)->first, (*row)->second);
    if (!campaign) return campaign.error();
    const std::string prefix = campaign_due_prefix(campaign->campaign);
    auto first = keys->seek(prefix);
    if (!first) return first.error();
    // Counts and keys change in the same transactions, so a row always has a key; a row
    // without one has nothing to deliver either.
    if (!*first || !(*first)->first.starts_with(prefix)) continue;
    auto key = decode_campaign_due_key((*first)->first);
    if (!key) return key.error();
    campaign->earliest_due = key->next_attempt;
    campaigns.push_back(std::move(*campaign));
  }
  if (!row) return row.error();
  return campaigns;
}

Result<std::vector<DueEntry>> CampaignIndex::due_in(LmdbTxn& txn, const std::string& campaign,
                                                    SystemTime now, std::size_t limit) const {
  std::vector<DueEntry> entries;
  if (limit == 0) return entries;
  auto cursor = LmdbCursor::open(txn, due);
  if (!cursor) return cursor.error();
  const std::string prefix = campaign_due_prefix(campaign);
  auto entry = cursor->seek(prefix);
  for (; entry && *entry && entries.size() < limit; entry = cursor->next()) {
    if (!(*entry)->first.starts_with(prefix)) break;
    auto key = decode_campaign_due_key((*entry)->first);
    if (!key) return key.error();
    if (key->next_attempt > now) break;
    entries.push_back(std::move(*key));
  }
  if (!entry) return entry.error();
  return entries;
}

}  // namespace sluice::queue
