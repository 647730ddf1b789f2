#pragma once
// An account's hourly and daily quota: how many messages it has sent in the current window and
// whether one more may go. A window is rolling (the last 3600 s / 86400 s, counted in one-minute
// buckets, so a message leaves it up to a minute late, never early) or a calendar hour/day in a
// time zone (DST-safe: the day is the local date, so a 23- or 25-hour day is still one day; a
// repeated local hour is one hour for the quota). The scheduler reserves before handing a
// message to the account and releases a reservation the upstream did not use; the state
// serializes to bytes so it is persisted in LMDB before any message goes out, and a restart
// never resets it. Pure; the scheduler owns each ledger on its strand.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"

namespace date {
class time_zone;
}

namespace sluice::scheduler {

enum class QuotaMode { rolling, calendar };

struct QuotaPolicy {
  std::uint32_t hourly_limit = 0;  // 0: none
  std::uint32_t daily_limit = 0;   // 0: none
  QuotaMode mode = QuotaMode::rolling;
  const date::time_zone* zone = nullptr;  // calendar mode; nullptr: UTC
};

class QuotaLedger {
 public:
  explicit QuotaLedger(QuotaPolicy policy = {}) : policy_(policy) {}

  bool limited() const { return policy_.hourly_limit || policy_.daily_limit; }
  // Would one more message stay within every limit?
  bool can_take(SystemTime now) const;
  // Counts one message now (the caller checked can_take).
  void take(SystemTime now);
  // Undoes a take() at `taken_at` that sent nothing (nothing if that minute is no longer kept).
  void give_back(SystemTime taken_at, SystemTime now);
  std::uint32_t used_hour(SystemTime now) const;
  std::uint32_t used_day(SystemTime now) const;
  // When can_take() may become true again (the oldest counted message leaves the rolling
  // window, or the next calendar hour/day begins); nullopt when it is true now. A message
  // stamped later than now (the clock stepped back, at most a day) counts as sent now.
  std::optional<SystemTime> next_room(SystemTime now) const;
  // The counts are kept per minute whatever the mode, so a new limit, mode or zone applies to
  // the messages already counted.
  void set_policy(QuotaPolicy policy) { policy_ = policy; }
  const QuotaPolicy& policy() const { return policy_; }
  // Minutes with sends kept (bounded by the pruning), for tests and metrics.
  std::size_t bucket_count() const { return buckets_.size(); }

  // Version byte 1, varint bucket count, then per bucket a varint minute (the first zigzag
  // encoded, since the epoch; the rest as the gap to the previous) and a varint count.
  std::string serialize() const;
  // Rejects malformed bytes (wrong version, truncated, out of order, zero counts, trailing
  // bytes, too many buckets) with ErrorCode::invalid. Drops buckets that had left every window
  // when the newest one was written.
  static Result<QuotaLedger> deserialize(std::string_view bytes, QuotaPolicy policy);

 private:
  long long hour_start(SystemTime now) const;
  long long day_start(SystemTime now) const;
  std::uint64_t count_from(long long first_minute, SystemTime now) const;
  long long rolling_room(long long first_minute, long long window_minutes, std::uint32_t limit,
                         SystemTime now) const;
  void prune(SystemTime now);

  QuotaPolicy policy_;
  // Sends per minute (minutes since the epoch, ascending, counts > 0), whatever the mode: the
  // rolling window sums the last minutes, the calendar one the minutes since the local hour or
  // date began. Kept for the last 24 h (rolling) or since the previous local date (calendar).
  std::vector<std::pair<long long, std::uint32_t>> buckets_;
};

}  // namespace sluice::scheduler
