#include "group_commit.h"

#include <algorithm>

namespace sluice::queue {
namespace {

// Bounds one transaction's dirty pages (LMDB fails a transaction that dirties too many with
// MDB_TXN_FULL) and the memory a batch pins.
constexpr std::size_t kMaxBatchBodyBytes = 64u << 20;
// Records one modify_all transaction touches.
constexpr std::size_t kModifyAllChunk = 1000;

}  // namespace

GroupCommit::GroupCommit(StoreCore& core, std::size_t max_batch_operations)
    : core_(core),
      max_batch_operations_(std::max<std::size_t>(1, max_batch_operations)),
      thread_([this] { run(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void GroupCommit::submit(WriteOp op) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(op));
  }
  wake_.notify_one();
}

void GroupCommit::run() {
  for (;;) {
    std::vector<WriteOp> batch = take_batch();
    if (batch.empty()) return;
    std::vector<WriteOp*> ops;
    ops.reserve(batch.size());
    for (auto& op : batch) ops.push_back(&op);
    commit(ops);
    finish(batch);
  }
}

std::vector<WriteOp> GroupCommit::take_batch() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
  std::vector<WriteOp> batch;
  std::size_t bytes = 0;
  while (!pending_.empty() && batch.size() < max_batch_operations_) {
    const std::size_t next = pending_.front().body.size();
    if (!batch.empty() && bytes + next > kMaxBatchBodyBytes) break;
    bytes += next;
    batch.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  return batch;
}

void GroupCommit::finish(std::vector<WriteOp>& batch) {
  for (auto& op : batch) {
    if (op.kind == WriteOp::Kind::modify_all && op.result.ok() && !op.finished) {
      // Not done yet: back in line behind the writes that arrived meanwhile.
      std::lock_guard lock(mutex_);
      pending_.push_back(std::move(op));
      continue;
    }
    if (op.kind == WriteOp::Kind::modify_all && op.result.ok() && op.corrupt > 0) {
      op.result = make_error(std::to_string(op.corrupt) + " undecodable records were skipped",
                             ErrorCode::invalid);
    }
    if (op.done) op.done(std::move(op.result));
  }
}

void GroupCommit::commit(const std::vector<WriteOp*>& ops) {
  for (;;) {
    const int failure = attempt(ops);
    if (failure == 0) return;
    if (failure == MDB_MAP_FULL && grow_map()) continue;
    if (ops.size() > 1) {
      // At the map limit (or a transaction too big, or a broken op): each op on its own, so
      // removals and small messages still get through.
      for (WriteOp* op : ops) commit({op});
      return;
    }
    ops.front()->result = lmdb_error(failure, "queue write");
    return;
  }
}

int GroupCommit::attempt(const std::vector<WriteOp*>& ops) {
  auto locked = core_.begin(0);
  if (!locked) {
    for (WriteOp* op : ops) op->result = locked.error();
    return 0;
  }
  LmdbTxn* txn = &locked->txn;
  StateTally tally;
  std::vector<Result<void>> results;
  results.reserve(ops.size());
  for (WriteOp* op : ops) {
    results.push_back(apply(*txn, *op, tally));
    if (txn->fatal() != 0) return txn->fatal();  // the destructor aborts
  }
  if (auto counted = core_.tables.apply_counts(*txn, tally); !counted) {
    if (txn->fatal() != 0) return txn->fatal();
    for (WriteOp* op : ops) op->result = counted.error();
    return 0;
  }
  if (auto committed = txn->commit(); !committed) {
    if (txn->fatal() == MDB_MAP_FULL) return MDB_MAP_FULL;  // the free list needed pages
    for (WriteOp* op : ops) op->result = committed.error();
    return 0;
  }
  core_.add(tally);
  ++core_.transactions;
  core_.operations += ops.size();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    WriteOp& op = *ops[i];
    op.result = std::move(results[i]);
    if (op.kind == WriteOp::Kind::modify_all) {
      op.after = op.staged_after;
      op.finished = op.staged_finished;
      op.corrupt += op.staged_corrupt;
    }
  }
  return 0;
}

Result<void> GroupCommit::apply(LmdbTxn& txn, WriteOp& op, StateTally& tally) {
  switch (op.kind) {
    case WriteOp::Kind::enqueue:
      return core_.tables.insert(txn, op.message, op.body, tally);
    case WriteOp::Kind::modify:
      return apply_modify(txn, op.id, op.modifier, tally);
    case WriteOp::Kind::modify_all:
      return apply_modify_chunk(txn, op, tally);
    case WriteOp::Kind::put_state:
      return core_.tables.put_state(txn, op.key, op.body);
    case WriteOp::Kind::erase_state:
      return core_.tables.erase_state(txn, op.key);
  }
  return make_error("unknown write operation");
}

Result<void> GroupCommit::apply_modify(LmdbTxn& txn, const mail::QueueId& id,
                                       const QueueStore::Modifier& modifier, StateTally& tally) {
  auto before = core_.tables.load(txn, id);
  if (!before) return before.error();
  QueuedMessage after = *before;
  const Edit edit = modifier(after);
  if (edit == Edit::remove) return core_.tables.erase(txn, *before, tally);
  if (edit == Edit::untouched) return {};
  after.id = before->id;
  return core_.tables.rewrite(txn, *before, after, tally);
}

Result<void> GroupCommit::apply_modify_chunk(LmdbTxn& txn, WriteOp& op, StateTally& tally) {
  std::vector<mail::QueueId> ids;
  {
    auto cursor = LmdbCursor::open(txn, core_.tables.messages);
    if (!cursor) return cursor.error();
    auto entry = op.after.empty() ? cursor->first() : cursor->seek(op.after);
    if (entry && *entry && (*entry)->first == op.after) entry = cursor->next();
    for (; entry && *entry && ids.size() < kModifyAllChunk; entry = cursor->next()) {
      ids.emplace_back((*entry)->first);
    }
    if (!entry) return entry.error();
  }
  op.staged_after = ids.empty() ? op.after : ids.back();
  op.staged_finished = ids.size() < kModifyAllChunk;
  op.staged_corrupt = 0;
  for (const auto& id : ids) {
    auto applied = apply_modify(txn, id, op.modifier, tally);
    if (applied) continue;
    if (txn.fatal() != 0) return applied;
    if (applied.error().code == ErrorCode::invalid) {
      ++op.staged_corrupt;  // an undecodable record must not stop a flush of all the others
      continue;
    }
    return applied;
  }
  return {};
}

bool GroupCommit::grow_map() {
  auto info = core_.env.info();
  if (!info || info->me_mapsize >= core_.map_size_limit) return false;
  const std::uint64_t next =
      std::min<std::uint64_t>(std::uint64_t{info->me_mapsize} * 2, core_.map_size_limit);
  std::unique_lock lock(core_.map_mutex);
  if (!core_.env.set_map_size(next)) return false;
  ++core_.map_resizes;
  return true;
}

}  // namespace sluice::queue
