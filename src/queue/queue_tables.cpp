#include "queue_tables.h"

#include <cstring>

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

Result<QueueTables> QueueTables::open(LmdbEnv& env) {
  auto txn = LmdbTxn::begin(env.get(), 0);
  if (!txn) return txn.error();
  QueueTables t;
  struct Named {
    const char* name;
    MDB_dbi* dbi;
  };
  for (auto [name, dbi] : {Named{"messages", &t.messages}, Named{"bodies", &t.bodies},
                           Named{"due", &t.due}, Named{"meta", &t.meta}}) {
    auto opened = txn->open_dbi(name, MDB_CREATE);
    if (!opened) return opened.error();
    *dbi = *opened;
  }
  auto format = txn->get(t.meta, kFormatKey);
  if (!format) return format.error();
  const char version = static_cast<char>(kRecordVersion);
  if (!*format) {
    if (auto put = txn->put(t.meta, kFormatKey, std::string_view(&version, 1)); !put) {
      return put.error();
    }
  } else if (**format != std::string_view(&version, 1)) {
    return make_error("the queue has an unsupported format version; this build reads version " +
                          std::to_string(kRecordVersion),
                      ErrorCode::invalid);
  }
  if (auto committed = txn->commit(); !committed) return committed.error();
  return t;
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
  tally.count(m.state, +1);
  return {};
}

Result<void> QueueTables::rewrite(LmdbTxn& txn, const QueuedMessage& before,
                                  const QueuedMessage& after, StateTally& tally) const {
  const bool same_key = before.state == after.state && before.next_attempt == after.next_attempt;
  if (!same_key) {
    if (auto del = del_due_key(txn, due, before); !del) return del;
  }
  if (auto put = txn.put(messages, after.id, encode_record(after)); !put) return put;
  if (!same_key) {
    if (auto put = put_due_key(txn, due, after); !put) return put;
  }
  tally.count(before.state, -1);
  tally.count(after.state, +1);
  return {};
}

Result<void> QueueTables::erase(LmdbTxn& txn, const QueuedMessage& m, StateTally& tally) const {
  if (auto del = del_due_key(txn, due, m); !del) return del;
  if (auto del = txn.del(bodies, m.id); !del) return del.error();
  if (auto del = txn.del(messages, m.id); !del) return del.error();
  tally.count(m.state, -1);
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

}  // namespace sluice::queue
