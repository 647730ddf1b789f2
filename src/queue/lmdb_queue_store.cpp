#include "sluice/queue/lmdb_queue_store.h"

#include <algorithm>

#include "group_commit.h"
#include "record_codec.h"
#include "store_core.h"

namespace sluice::queue {
namespace {

std::uint64_t non_negative(std::int64_t count) {
  return count < 0 ? 0 : static_cast<std::uint64_t>(count);
}

}  // namespace

Result<std::unique_ptr<LmdbQueueStore>> open_lmdb_queue_store(const LmdbOptions& options) {
  auto env = LmdbEnv::open(options.directory, options.map_size, kDatabaseCount);
  if (!env) return env.error();
  auto info = env->info();
  if (!info) return info.error();
  const std::uint64_t limit =
      std::max({options.map_size_limit, options.map_size, std::uint64_t{info->me_mapsize}});
  auto tables = QueueTables::open(*env, limit);
  if (!tables) return tables.error();
  auto core = std::make_unique<StoreCore>(std::move(*env), *tables, limit);

  // The only full scan: counts by state, kept current by the writer from here on.
  auto txn = LmdbTxn::begin(core->env.get(), MDB_RDONLY);
  if (!txn) return txn.error();
  auto tally = core->tables.tally(*txn);
  if (!tally) return tally.error();
  txn->abort();
  core->add(*tally);

  return std::make_unique<LmdbQueueStore>(std::move(core), options.max_batch_operations);
}

LmdbQueueStore::LmdbQueueStore(std::unique_ptr<StoreCore> core, std::size_t max_batch_operations)
    : core_(std::move(core)),
      writer_(std::make_unique<GroupCommit>(*core_, max_batch_operations)) {}

LmdbQueueStore::~LmdbQueueStore() { writer_.reset(); }

void LmdbQueueStore::enqueue(QueuedMessage message, std::string body, Done done) {
  WriteOp op;
  op.kind = WriteOp::Kind::enqueue;
  message.size = body.size();
  op.message = std::move(message);
  op.body = std::move(body);
  op.done = std::move(done);
  writer_->submit(std::move(op));
}

void LmdbQueueStore::modify(mail::QueueId id, Modifier modifier, Done done) {
  WriteOp op;
  op.kind = WriteOp::Kind::modify;
  op.id = std::move(id);
  op.modifier = std::move(modifier);
  op.done = std::move(done);
  writer_->submit(std::move(op));
}

void LmdbQueueStore::modify_all(Modifier modifier, Done done) {
  WriteOp op;
  op.kind = WriteOp::Kind::modify_all;
  op.modifier = std::move(modifier);
  op.done = std::move(done);
  writer_->submit(std::move(op));
}

Result<std::vector<DueEntry>> LmdbQueueStore::due(SystemTime now, std::size_t limit) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  std::vector<DueEntry> entries;
  auto cursor = LmdbCursor::open(read->txn, core_->tables.due);
  if (!cursor) return cursor.error();
  auto entry = cursor->first();
  for (; entry && *entry && entries.size() < limit; entry = cursor->next()) {
    auto key = decode_due_key((*entry)->first);
    if (!key) return key.error();
    if (key->next_attempt > now) break;
    entries.push_back(std::move(*key));
  }
  if (!entry) return entry.error();
  return entries;
}

Result<std::optional<SystemTime>> LmdbQueueStore::next_due(SystemTime after) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  auto cursor = LmdbCursor::open(read->txn, core_->tables.due);
  if (!cursor) return cursor.error();
  // Keys sort by time first; the empty id makes this the first key of the next microsecond.
  auto entry = cursor->seek(encode_due_key(after + std::chrono::microseconds(1), ""));
  if (!entry) return entry.error();
  if (!*entry) return std::optional<SystemTime>();
  auto key = decode_due_key((*entry)->first);
  if (!key) return key.error();
  return std::optional<SystemTime>(key->next_attempt);
}

Result<QueuedMessage> LmdbQueueStore::find(const mail::QueueId& id) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.load(read->txn, id);
}

Result<std::string> LmdbQueueStore::body(const mail::QueueId& id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return make_error("no body for " + id, ErrorCode::not_found);
  }
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  auto bytes = read->txn.get(core_->tables.bodies, id);
  if (!bytes) return bytes.error();
  if (!*bytes) return make_error("no body for " + id, ErrorCode::not_found);
  return std::string(**bytes);
}

Result<void> LmdbQueueStore::scan(const mail::QueueId& after,
                                  const std::function<bool(const QueuedMessage&)>& visit) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.scan(read->txn, after, visit);
}

Result<QueueStats> LmdbQueueStore::stats() {
  QueueStats stats;
  stats.messages = non_negative(core_->messages);
  stats.active = non_negative(core_->active);
  stats.held = non_negative(core_->held);
  stats.dead = non_negative(core_->dead);
  std::shared_lock lock(core_->map_mutex);
  auto info = core_->env.info();
  if (!info) return info.error();
  auto page = core_->env.page_size();
  if (!page) return page.error();
  stats.map_used_bytes = (std::uint64_t{info->me_last_pgno} + 1) * *page;
  stats.map_size_bytes = info->me_mapsize;
  return stats;
}

Result<std::vector<CampaignQueue>> LmdbQueueStore::campaigns(const std::string& after,
                                                             std::size_t limit) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.campaigns.list(read->txn, after, limit);
}

Result<std::vector<DueEntry>> LmdbQueueStore::due_in_campaign(const std::string& campaign,
                                                              SystemTime now, std::size_t limit) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.campaigns.due_in(read->txn, campaign, now, limit);
}

void LmdbQueueStore::put_state(std::string key, std::string value, Done done) {
  WriteOp op;
  op.kind = WriteOp::Kind::put_state;
  op.key = std::move(key);
  op.body = std::move(value);
  op.done = std::move(done);
  writer_->submit(std::move(op));
}

void LmdbQueueStore::erase_state(std::string key, Done done) {
  WriteOp op;
  op.kind = WriteOp::Kind::erase_state;
  op.key = std::move(key);
  op.done = std::move(done);
  writer_->submit(std::move(op));
}

Result<std::optional<std::string>> LmdbQueueStore::get_state(const std::string& key) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.get_state(read->txn, key);
}

Result<void> LmdbQueueStore::scan_state(const std::string& prefix, const std::string& after,
                                        const StateVisitor& visit) {
  auto read = core_->begin(MDB_RDONLY);
  if (!read) return read.error();
  return core_->tables.scan_state(read->txn, prefix, after, visit);
}

WriterCounters LmdbQueueStore::counters() const {
  return WriterCounters{core_->transactions, core_->operations, core_->map_resizes};
}

}  // namespace sluice::queue
