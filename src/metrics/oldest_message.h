#pragma once
// Finds the arrival time of the oldest active or held message without reading the whole queue
// at every scrape. Queue ids sort by arrival (mail/queue_id.h), so it is the first record in id
// order that is not dead; dead records (kept for days) usually come first, so the id after
// the last dead record of that prefix is remembered and the next scrape starts there. The
// memo is dropped whenever the dead count falls (a dead message may have been requeued, or
// expired). Each call visits at most `visit_limit` records, so a long dead prefix is walked
// over several scrapes: until then the answer is "unknown". Thread-safe (one mutex).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "sluice/common/clock.h"
#include "sluice/queue/queue_store.h"

namespace sluice::metrics {

struct OldestMessage {
  bool known = false;
  std::optional<SystemTime> arrival;  // known and empty: nothing active or held
};

class OldestMessageFinder {
 public:
  explicit OldestMessageFinder(std::size_t visit_limit = 1000) : visit_limit_(visit_limit) {}

  // `stats` from the same scrape. A read error is "unknown".
  OldestMessage find(queue::QueueStore& store, const queue::QueueStats& stats);

 private:
  const std::size_t visit_limit_;
  std::mutex mutex_;             // guards the memo
  mail::QueueId after_;          // every record up to this id was dead when last seen
  std::uint64_t dead_seen_ = 0;  // the dead count then
};

}  // namespace sluice::metrics
