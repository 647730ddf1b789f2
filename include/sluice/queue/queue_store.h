#pragma once
// The durable queue: one record per message (envelope, per-recipient state, schedule) plus its
// body, and an index by next-attempt time. Implemented by LmdbQueueStore (lmdb_queue_store.h).
//
// Threading: writes are asynchronous and group-committed by one writer thread; their callbacks
// run on that thread and must only post elsewhere (never block, never call back into a write
// synchronously and wait). Reads are synchronous, short, and safe from any thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/mail/envelope.h"
#include "sluice/mail/queue_id.h"

namespace sluice::queue {

enum class MessageState : std::uint8_t {
  active = 0,  // in the due index: the runner delivers it when next_attempt comes
  held = 1,    // kept, never delivered until released (sluicectl queue hold)
  dead = 2,    // nothing left to try; kept for inspection until removed
};

struct QueuedMessage {
  mail::QueueId id;
  SystemTime arrival{};
  std::string sender;  // empty for <>
  std::vector<mail::Recipient> recipients;
  std::uint64_t size = 0;  // bytes of the stored body
  std::string campaign;
  std::string campaign_group;
  bool smtputf8 = false;
  bool eight_bit = false;
  std::string client;  // "helo[address]" of the submitting client, for logs and Received
  std::uint32_t attempts = 0;
  SystemTime next_attempt{};
  std::string last_error;
  MessageState state = MessageState::active;
};

struct DueEntry {
  SystemTime next_attempt;
  mail::QueueId id;
};

// What a modify() callback wants done with the record it was shown: keep (write it back as
// changed), remove, or untouched (nothing changed: no write, which matters in modify_all).
enum class Edit { keep, remove, untouched };

// One campaign's active mail ("" is transactional mail: no campaign header).
struct CampaignQueue {
  std::string campaign;
  std::uint64_t active = 0;      // active messages of the campaign (due or not)
  SystemTime earliest_due{};     // the earliest next_attempt among them
};

// Called with each durable state entry; return false to stop.
using StateVisitor = std::function<bool(const std::string& key, const std::string& value)>;

struct QueueStats {
  std::uint64_t messages = 0;
  std::uint64_t active = 0;
  std::uint64_t held = 0;
  std::uint64_t dead = 0;
  std::uint64_t map_used_bytes = 0;
  std::uint64_t map_size_bytes = 0;
};

class QueueStore {
 public:
  using Done = std::function<void(Result<void>)>;
  // Runs inside the write transaction on the writer thread with the current record; it may
  // change anything but the id. Must be quick and must not touch the store. If the transaction
  // has to be retried (map grown), it runs again on a fresh copy of the record, so it should
  // decide from the record it is shown.
  using Modifier = std::function<Edit(QueuedMessage&)>;

  virtual ~QueueStore() = default;

  // Stores a new message; done(ok) only after the transaction holding it is synced to disk.
  // Errors: no_space (disk or map full, after trying to grow the map), failed.
  virtual void enqueue(QueuedMessage message, std::string body, Done done) = 0;

  // Read-modify-write of one record in one transaction; re-indexes next_attempt/state.
  // Errors: not_found, no_space, failed.
  virtual void modify(mail::QueueId id, Modifier modifier, Done done) = 0;

  // Applies modifier to every record (flush, bulk requeue). Batched in bounded transactions.
  virtual void modify_all(Modifier modifier, Done done) = 0;

  // Active messages whose next attempt is at or before `now`, oldest first, at most `limit`.
  virtual Result<std::vector<DueEntry>> due(SystemTime now, std::size_t limit) = 0;
  // The earliest next attempt of an active message strictly after `after`, if any: what the
  // runner sleeps until once everything due by `after` is under way.
  virtual Result<std::optional<SystemTime>> next_due(SystemTime after) = 0;

  virtual Result<QueuedMessage> find(const mail::QueueId& id) = 0;
  virtual Result<std::string> body(const mail::QueueId& id) = 0;
  // Visits records in id order starting after `after` (empty: from the start) until visit
  // returns false. For listings; each call is one read transaction.
  virtual Result<void> scan(const mail::QueueId& after,
                            const std::function<bool(const QueuedMessage&)>& visit) = 0;
  virtual Result<QueueStats> stats() = 0;

  // --- per-campaign view of the due index, for a scheduler without head-of-line blocking ---
  // Campaigns that have active messages, in campaign byte order after `after` (empty: from
  // the start), at most `limit`. Costs one index seek per campaign, not one per message.
  virtual Result<std::vector<CampaignQueue>> campaigns(const std::string& after,
                                                       std::size_t limit) = 0;
  // The active messages of `campaign` due at or before `now`, oldest first, at most `limit`.
  virtual Result<std::vector<DueEntry>> due_in_campaign(const std::string& campaign,
                                                        SystemTime now, std::size_t limit) = 0;

  // --- durable state beside the queue: quota ledgers, run-time controls, the audit log ---
  // Written through the same group commit as messages: done(ok) only after the sync.
  virtual void put_state(std::string key, std::string value, Done done) = 0;
  virtual void erase_state(std::string key, Done done) = 0;
  virtual Result<std::optional<std::string>> get_state(const std::string& key) = 0;
  // Entries whose key starts with `prefix`, in key order, after `after` (empty: from the start).
  virtual Result<void> scan_state(const std::string& prefix, const std::string& after,
                                  const StateVisitor& visit) = 0;
};

}  // namespace sluice::queue
