#pragma once
// The QueueStore on LMDB: one environment under queue_directory, a writer thread that
// group-commits every pending write into one synced transaction, and read transactions from
// any thread. On-disk format: src/queue/FORMAT.md.

#include <cstdint>
#include <memory>
#include <string>

#include "sluice/common/result.h"
#include "sluice/queue/queue_store.h"

namespace sluice::queue {

struct LmdbOptions {
  std::string directory;                       // created if missing
  std::uint64_t map_size = 1ull << 30;         // initial map size
  std::uint64_t map_size_limit = 64ull << 30;  // the map grows (doubling) up to this
  std::size_t max_batch_operations = 1024;     // per group-commit transaction
};

// Counters for tests and metrics (monotonic since open).
struct WriterCounters {
  std::uint64_t transactions = 0;  // committed write transactions
  std::uint64_t operations = 0;    // operations they carried
  std::uint64_t map_resizes = 0;
};

class LmdbQueueStore;
Result<std::unique_ptr<LmdbQueueStore>> open_lmdb_queue_store(const LmdbOptions& options);

}  // namespace sluice::queue
