#pragma once
// An account's hourly and daily quota: how many messages it has sent in the current window and
// whether one more may go. A window is rolling (the last 3600 s / 86400 s, counted in small
// buckets) or a calendar hour/day in a time zone (DST-safe: the day is the local date, so a
// 23- or 25-hour day is still one day). The scheduler reserves before handing a message to the
// account and releases a reservation the upstream did not use; the state serializes to bytes so
// it is persisted in LMDB before any message goes out, and a restart never resets it. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  // Undoes a take() at `taken_at` that sent nothing.
  void give_back(SystemTime taken_at, SystemTime now);
  std::uint32_t used_hour(SystemTime now) const;
  std::uint32_t used_day(SystemTime now) const;
  // When can_take() may become true again (the oldest counted message leaves the rolling
  // window, or the next calendar hour/day begins); nullopt when it is true now.
  std::optional<SystemTime> next_room(SystemTime now) const;
  void set_policy(QuotaPolicy policy) { policy_ = policy; }
  const QuotaPolicy& policy() const { return policy_; }

  std::string serialize() const;
  static Result<QuotaLedger> deserialize(std::string_view bytes, QuotaPolicy policy);

 private:
  QuotaPolicy policy_;
  // Rolling: sends per minute over the last 24 h; calendar: sends per local hour of the
  // current and previous day. Implementation detail of quota_ledger.cpp.
  std::vector<std::pair<long long, std::uint32_t>> buckets_;  // (bucket start, count)
};

}  // namespace sluice::scheduler
