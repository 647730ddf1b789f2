#pragma once
// The queue's only writer: one thread that takes every pending write operation (up to a batch
// limit), applies them in one LMDB transaction, commits once (one fsync for the whole batch) and
// then runs each operation's callback with its own result. Producers call submit() from any
// thread; callbacks run on the writer thread. A full map is grown (doubling, up to the limit)
// and the batch retried; what still does not fit is retried operation by operation, so one big
// message cannot fail its neighbours.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "store_core.h"

namespace sluice::queue {

struct WriteOp {
  enum class Kind : std::uint8_t { enqueue, modify, modify_all, put_state, erase_state };

  Kind kind = Kind::enqueue;
  QueuedMessage message;          // enqueue
  std::string body;               // enqueue: the body; put_state: the value (both count
                                  // toward the batch's byte bound)
  mail::QueueId id;               // modify
  std::string key;                // put_state, erase_state
  QueueStore::Modifier modifier;  // modify, modify_all
  QueueStore::Done done;

  // modify_all walks the records in chunks, one per batch: `after` is the last id of the
  // committed chunks, `staged_*` the progress of the chunk in the current transaction.
  mail::QueueId after;
  mail::QueueId staged_after;
  bool staged_finished = false;
  bool finished = false;
  std::size_t corrupt = 0;  // records modify_all had to skip
  std::size_t staged_corrupt = 0;

  Result<void> result;
};

class GroupCommit {
 public:
  GroupCommit(StoreCore& core, std::size_t max_batch_operations);
  // Runs every pending operation (and its callback) before the thread ends.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void submit(WriteOp op);

 private:
  void run();
  std::vector<WriteOp> take_batch();
  void finish(std::vector<WriteOp>& batch);

  // Commits `ops` in one transaction, growing the map or splitting the batch as needed; every
  // op ends with its result set.
  void commit(const std::vector<WriteOp*>& ops);
  // One transaction; returns the LMDB code that made it fail as a whole (0 when every op has
  // its result: committed, or failed for a reason that retrying cannot fix).
  int attempt(const std::vector<WriteOp*>& ops);
  Result<void> apply(LmdbTxn& txn, WriteOp& op, StateTally& tally);
  Result<void> apply_modify(LmdbTxn& txn, const mail::QueueId& id,
                            const QueueStore::Modifier& modifier, StateTally& tally);
  Result<void> apply_modify_chunk(LmdbTxn& txn, WriteOp& op, StateTally& tally);
  bool grow_map();

  StoreCore& core_;
  const std::size_t max_batch_operations_;

  std::mutex mutex_;  // guards pending_ and stopping_
  std::condition_variable wake_;
  std::deque<WriteOp> pending_;
  bool stopping_ = false;

  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace sluice::queue
