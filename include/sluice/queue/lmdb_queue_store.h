#pragma once
// The QueueStore on LMDB: one environment under queue_directory, a writer thread that
// group-commits every pending write into one synced transaction, and read transactions from
// any thread. On-disk format: src/queue/FORMAT.md.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
// Opens (creating if needed) the environment, migrates an older format, counts the records by
// state, starts the writer. Errors: failed (cannot create/open), invalid (unsupported format
// version), no_space (a migration that does not fit the map even at its limit).
Result<std::unique_ptr<LmdbQueueStore>> open_lmdb_queue_store(const LmdbOptions& options);

struct StoreCore;
class GroupCommit;

// Built by open_lmdb_queue_store, owned by the composition root; see QueueStore for the threading
// contract. The destructor lets the writer finish every pending operation (their callbacks run)
// before it closes the environment.
class LmdbQueueStore final : public QueueStore {
 public:
  LmdbQueueStore(std::unique_ptr<StoreCore> core, std::size_t max_batch_operations);
  ~LmdbQueueStore() override;
  LmdbQueueStore(const LmdbQueueStore&) = delete;
  LmdbQueueStore& operator=(const LmdbQueueStore&) = delete;

  void enqueue(QueuedMessage message, std::string body, Done done) override;
  void modify(mail::QueueId id, Modifier modifier, Done done) override;
  void modify_all(Modifier modifier, Done done) override;

  Result<std::vector<DueEntry>> due(SystemTime now, std::size_t limit) override;
  Result<std::optional<SystemTime>> next_due(SystemTime after) override;
  Result<QueuedMessage> find(const mail::QueueId& id) override;
  Result<std::string> body(const mail::QueueId& id) override;
  Result<void> scan(const mail::QueueId& after,
                    const std::function<bool(const QueuedMessage&)>& visit) override;
  Result<QueueStats> stats() override;

  Result<std::vector<CampaignQueue>> campaigns(const std::string& after,
                                               std::size_t limit) override;
  Result<std::vector<DueEntry>> due_in_campaign(const std::string& campaign, SystemTime now,
                                                std::size_t limit) override;

  void put_state(std::string key, std::string value, Done done) override;
  void erase_state(std::string key, Done done) override;
  Result<std::optional<std::string>> get_state(const std::string& key) override;
  Result<void> scan_state(const std::string& prefix, const std::string& after,
                          const StateVisitor& visit) override;

  WriterCounters counters() const;

 private:
  std::unique_ptr<StoreCore> core_;
  std::unique_ptr<GroupCommit> writer_;  // declared last: stops before core_ closes
};

}  // namespace sluice::queue
