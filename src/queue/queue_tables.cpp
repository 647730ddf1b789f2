#include "queue_tables.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "record_codec.h"

namespace sluice::queue {
namespace {

constexpr std::string_view kFormatKey = "format";

Result<void> put_due_key(LmdbTxn& txn, MDB_dbi due, const QueuedMessage& m) {
  if (m.state != MessageState::active) return {};
  return txn.put(due, encode_due_key(m.next_attempt, m.id), {});
}

Result<void> del_due_key(LmdbTxn& txn, MDB_dbi due, const QueuedMessage& m) {
  if (m.state != MessageState::active) return {};
  // A missing key is tolerated: the record is the truth and the key is rebuilt from it.
  auto deleted = txn.del(due, encode_due_key(m.next_attempt, m.id));
  if (!deleted) return deleted.error();
  return {};
}

bool valid_state_key(std::string_view key) { return !key.empty() && key.size() <= kMaxKeyBytes; }

Result<void> open_dbis(LmdbTxn& txn, std::initializer_list<std::pair<const char*, MDB_dbi*>> dbs) {
  for (auto [name, dbi] : dbs) {
    auto opened = txn.open_dbi(name, MDB_CREATE);
    if (!opened) return opened.error();
    *dbi = *opened;
  }
  return {};
}

// Opens every database inside `txn`, then brings the format up to date: a new queue gets the
// current version, a version 1 queue its campaign index.
Result<QueueTables> open_in(LmdbTxn& txn) {
  QueueTables t;
  if (auto opened = open_dbis(
          txn,
          {{"messages", &t.messages}, {"bodies", &t.bodies}, {"due", &t.due}, {"meta", &t.meta}});
      !opened) {
    return opened.error();
  }
  auto format = txn.get(t.meta, kFormatKey);
  if (!format) return format.error();
  // No format key: a new queue (version 1 wrote it with the databases, in one transaction).
  unsigned version = kFormatVersion;
  if (*format) {
    version = (*format)->size() == 1 ? static_cast<unsigned char>((*format)->front()) : 0;
    if (version != 1 && version != kFormatVersion) {
      return make_error("the queue has an unsupported format version; this build reads version " +
                            std::to_string(kFormatVersion) + " (and migrates version 1)",
                        ErrorCode::invalid);
    }
  }
  if (auto opened = open_dbis(txn, {{"campaign_due", &t.campaigns.due},
                                    {"campaigns", &t.campaigns.counts},
                                    {"state", &t.state}});
      !opened) {
    return opened.error();
  }
  if (version == 1) {
    if (auto built = t.campaigns.build(txn, t.messages); !built) return built.error();
  }
  if (!*format || version != kFormatVersion) {
    const char current = static_cast<char>(kFormatVersion);
    if (auto put = txn.put(t.meta, kFormatKey, std::string_view(&current, 1)); !put) {
      return put.error();
    }
  }
  return t;
}

// At open no other transaction of this process exists, so the map may be resized directly.
bool grow_for_open(LmdbEnv& env, std::uint64_t limit) {
  auto info = env.info();
  if (!info || info->me_mapsize >= limit) return false;
  const auto next = std::min<std::uint64_t>(std::uint64_t{info->me_mapsize} * 2, limit);
  return env.set_map_size(next).ok();
}

}  // namespace

void StateTally::count(MessageState state, std::int64_t delta) {
  messages += delta;
  switch (state) {
    case MessageState::active:
      active += delta;
      break;
    case MessageState::held:
      held += delta;
      break;
    case MessageState::dead:
      dead += delta;
      break;
  }
}

void StateTally::count(const QueuedMessage& m, std::int64_t delta) {
  count(m.state, delta);
  if (m.state == MessageState::active) add_delta(campaign_active, m.campaign, delta);
}

void StateTally::recount(const QueuedMessage& before, const QueuedMessage& after) {
  count(before.state, -1);
  count(after.state, +1);
  const bool was_active = before.state == MessageState::active;
  const bool is_active = after.state == MessageState::active;
  if (was_active && is_active && before.campaign == after.campaign) return;
  if (was_active) add_delta(campaign_active, before.campaign, -1);
  if (is_active) add_delta(campaign_active, after.campaign, +1);
}

Result<QueueTables> QueueTables::open(LmdbEnv& env, std::uint64_t map_size_limit) {
  for (;;) {
    auto txn = LmdbTxn::begin(env.get(), 0);
    if (!txn) return txn.error();
    auto tables = open_in(*txn);
    auto done = tables ? txn->commit() : Result<void>(tables.error());
    if (done) return tables;
    // Only a migration writes much: it may need a bigger map than the queue had.
    const bool map_full = txn->fatal() == MDB_MAP_FULL;
    txn->abort();
    if (!map_full || !grow_for_open(env, map_size_limit)) return done.error();
  }
}

Result<void> QueueTables::insert(LmdbTxn& txn, const QueuedMessage& m, std::string_view body,
                                 StateTally& tally) const {
  if (m.id.empty() || m.id.size() > kMaxIdBytes) {
    return make_error("queue id must have 1 to 400 bytes", ErrorCode::invalid);
  }
  auto existing = txn.get(messages, m.id);
  if (!existing) return existing.error();
  if (*existing) return make_error("queue id " + m.id + " is already used", ErrorCode::invalid);

  if (auto put = txn.put(messages, m.id, encode_record(m)); !put) return put.error();
  auto space = txn.reserve(bodies, m.id, body.size());
  if (!space) return space.error();
  if (!body.empty()) std::memcpy(*space, body.data(), body.size());
  if (auto put = put_due_key(txn, due, m); !put) return put.error();
  if (auto put = campaigns.put_key(txn, m); !put) return put.error();
  tally.count(m, +1);
  return {};
}

Result<void> QueueTables::rewrite(LmdbTxn& txn, const QueuedMessage& before,
                                  const QueuedMessage& after, StateTally& tally) const {
  const bool same_due = before.state == after.state && before.next_attempt == after.next_attempt;
  const bool same_campaign_key = same_due && before.campaign == after.campaign;
  if (!same_due) {
    if (auto del = del_due_key(txn, due, before); !del) return del;
  }
  if (!same_campaign_key) {
    if (auto del = campaigns.del_key(txn, before); !del) return del;
  }
  if (auto put = txn.put(messages, after.id, encode_record(after)); !put) return put;
  if (!same_due) {
    if (auto put = put_due_key(txn, due, after); !put) return put;
  }
  if (!same_campaign_key) {
    if (auto put = campaigns.put_key(txn, after); !put) return put;
  }
  tally.recount(before, after);
  return {};
}

Result<void> QueueTables::erase(LmdbTxn& txn, const QueuedMessage& m, StateTally& tally) const {
  if (auto del = del_due_key(txn, due, m); !del) return del;
  if (auto del = campaigns.del_key(txn, m); !del) return del;
  if (auto del = txn.del(bodies, m.id); !del) return del.error();
  if (auto del = txn.del(messages, m.id); !del) return del.error();
  tally.count(m, -1);
  return {};
}

Result<void> QueueTables::apply_counts(LmdbTxn& txn, const StateTally& tally) const {
  return campaigns.apply(txn, tally.campaign_active);
}

Result<void> QueueTables::put_state(LmdbTxn& txn, std::string_view key,
                                    std::string_view value) const {
  if (!valid_state_key(key)) {
    return make_error("a state key must have 1 to 511 bytes", ErrorCode::invalid);
  }
  return txn.put(state, key, value);
}

Result<void> QueueTables::erase_state(LmdbTxn& txn, std::string_view key) const {
  if (!valid_state_key(key)) return {};
  auto deleted = txn.del(state, key);
  if (!deleted) return deleted.error();
  return {};
}

Result<QueuedMessage> QueueTables::load(LmdbTxn& txn, const mail::QueueId& id) const {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return make_error("no message " + id, ErrorCode::not_found);
  }
  auto bytes = txn.get(messages, id);
  if (!bytes) return bytes.error();
  if (!*bytes) return make_error("no message " + id, ErrorCode::not_found);
  auto record = decode_record(**bytes);
  if (!record) return make_error(id + ": " + record.error().message, ErrorCode::invalid);
  return record;
}

Result<void> QueueTables::scan(LmdbTxn& txn, const mail::QueueId& after,
                               const std::function<bool(const QueuedMessage&)>& visit) const {
  auto cursor = LmdbCursor::open(txn, messages);
  if (!cursor) return cursor.error();
  auto entry = after.empty() ? cursor->first() : cursor->seek(after);
  if (entry && *entry && (*entry)->first == after) entry = cursor->next();
  for (; entry && *entry; entry = cursor->next()) {
    auto record = decode_record((*entry)->second);
    if (!record) {
      return make_error(std::string((*entry)->first) + ": " + record.error().message,
                        ErrorCode::invalid);
    }
    if (!visit(*record)) return {};
  }
  if (!entry) return entry.error();
  return {};
}

Result<StateTally> QueueTables::tally(LmdbTxn& txn) const {
  StateTally tally;
  auto cursor = LmdbCursor::open(txn, messages);
  if (!cursor) return cursor.error();
  auto entry = cursor->first();
  for (; entry && *entry; entry = cursor->next()) {
    // An undecodable record still counts as a message; its state is unknown.
    auto record = decode_record((*entry)->second);
    if (record) {
      tally.count(record->state, +1);
    } else {
      ++tally.messages;
    }
  }
  if (!entry) return entry.error();
  return tally;
}

Result<std::optional<std::string>> QueueTables::get_state(LmdbTxn& txn,
                                                          std::string_view key) const {
  if (!valid_state_key(key)) return std::optional<std::string>();
  auto value = txn.get(state, key);
  if (!value) return value.error();
  if (!*value) return std::optional<std::string>();
  return std::optional<std::string>(std::string(**value));
}

Result<void> QueueTables::scan_state(LmdbTxn& txn, std::string_view prefix, std::string_view after,
                                     const StateVisitor& visit) const {
  auto cursor = LmdbCursor::open(txn, state);
  if (!cursor) return cursor.error();
  // The first key after `after` that can have the prefix: keys sort bytewise, so every key with
  // the prefix sorts at or after the prefix itself.
  const std::string_view start = std::max(prefix, after);
  auto entry = start.empty() ? cursor->first() : cursor->seek(start);
  if (entry && *entry && !after.empty() && (*entry)->first == after) entry = cursor->next();
  std::string key, value;
  for (; entry && *entry; entry = cursor->next()) {
    if (!(*entry)->first.starts_with(prefix)) return {};
    key.assign((*entry)->first);
    value.assign((*entry)->second);
    if (!visit(key, value)) return {};
  }
  if (!entry) return entry.error();
  return {};
}

}  // namespace sluice::queue
