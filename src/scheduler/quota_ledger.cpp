#include "sluice/scheduler/quota_ledger.h"

#include <algorithm>
#include <limits>

#include "zone_time.h"

namespace sluice::scheduler {
namespace {

using std::chrono::minutes;

constexpr long long kMinutesPerHour = 60;
constexpr long long kMinutesPerDay = 24 * 60;
// A bucket stamped up to a day after now (the clock stepped back) is a send that happened and
// counts as if it were now; one further ahead comes from a clock that was badly wrong, and
// counting it would block the account for as long, so it is ignored and dropped.
constexpr long long kFutureSlackMinutes = kMinutesPerDay;

// The serialized form (QuotaLedger::serialize): version byte, then varints.
constexpr unsigned char kFormatVersion = 1;
// More than any valid state holds (two local days of minutes, 25 hours each, is 3000).
constexpr std::uint64_t kMaxBuckets = 4096;
// Minutes since the epoch a SystemTime (nanoseconds in 64 bits) can hold, with room to spare.
constexpr long long kMaxMinute = 100'000'000;

long long minute_of(SystemTime t) {
  return std::chrono::floor<minutes>(t).time_since_epoch().count();
}
SystemTime start_of_minute(long long minute) { return SystemTime(minutes(minute)); }

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Reads a LEB128 varint; false when the bytes end inside it or it overflows 64 bits.
bool get_varint(std::string_view& in, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

std::uint64_t zigzag(long long v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
long long unzigzag(std::uint64_t v) {
  return static_cast<long long>(v >> 1) ^ -static_cast<long long>(v & 1);
}

template <class Buckets>
auto first_at_or_after(Buckets& buckets, long long minute) {
  return std::lower_bound(buckets.begin(), buckets.end(), minute,
                          [](const auto& bucket, long long m) { return bucket.first < m; });
}

std::uint32_t clamp_count(std::uint64_t n) {
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(n, std::numeric_limits<std::uint32_t>::max()));
}

Error garbage(const char* what) {
  return make_error(std::string("quota ledger record: ") + what, ErrorCode::invalid);
}

}  // namespace

// Minute keys at or after which sends count for the hourly and the daily limit. Rolling: the
// last 60 (1440) whole minutes plus the current one, so a message leaves the rolling hour
// between 0 and 60 s after it is 3600 s old: late, never early. Calendar: the start of the
// current local hour (a repeated hour starts at its first occurrence, so both occurrences are
// one hour for the quota) and of the current local date.
long long QuotaLedger::hour_start(SystemTime now) const {
  if (policy_.mode == QuotaMode::rolling) return minute_of(now) - kMinutesPerHour;
  const auto local = zone_time::to_local(policy_.zone, now);
  return minute_of(zone_time::to_sys(policy_.zone, date::floor<std::chrono::hours>(local)));
}

long long QuotaLedger::day_start(SystemTime now) const {
  if (policy_.mode == QuotaMode::rolling) return minute_of(now) - kMinutesPerDay;
  const auto local = zone_time::to_local(policy_.zone, now);
  return minute_of(zone_time::to_sys(policy_.zone, zone_time::local_day(local)));
}

std::uint64_t QuotaLedger::count_from(long long first_minute, SystemTime now) const {
  const long long last_minute = minute_of(now) + kFutureSlackMinutes;
  std::uint64_t total = 0;
  auto it = first_at_or_after(buckets_, first_minute);
  for (; it != buckets_.end() && it->first <= last_minute; ++it) total += it->second;
  return total;
}

std::uint32_t QuotaLedger::used_hour(SystemTime now) const {
  return clamp_count(count_from(hour_start(now), now));
}

std::uint32_t QuotaLedger::used_day(SystemTime now) const {
  return clamp_count(count_from(day_start(now), now));
}

bool QuotaLedger::can_take(SystemTime now) const {
  if (policy_.hourly_limit && count_from(hour_start(now), now) >= policy_.hourly_limit)
    return false;
  if (policy_.daily_limit && count_from(day_start(now), now) >= policy_.daily_limit) return false;
  return true;
}

void QuotaLedger::take(SystemTime now) {
  const long long minute = minute_of(now);
  auto it = first_at_or_after(buckets_, minute);
  if (it != buckets_.end() && it->first == minute) {
    if (it->second < std::numeric_limits<std::uint32_t>::max()) ++it->second;
  } else {
    buckets_.insert(it, {minute, 1});
  }
  prune(now);
}

void QuotaLedger::give_back(SystemTime taken_at, SystemTime now) {
  const long long minute = minute_of(taken_at);
  auto it = first_at_or_after(buckets_, minute);
  if (it != buckets_.end() && it->first == minute && --it->second == 0) buckets_.erase(it);
  prune(now);
}

void QuotaLedger::prune(SystemTime now) {
  long long keep_from = minute_of(now) - kMinutesPerDay;
  if (policy_.mode == QuotaMode::calendar) {
    const auto today = zone_time::local_day(zone_time::to_local(policy_.zone, now));
    keep_from = minute_of(zone_time::to_sys(policy_.zone, today - date::days(1)));
  }
  const long long keep_to = minute_of(now) + kFutureSlackMinutes;
  // Sorted: the kept buckets are one run in the middle.
  buckets_.erase(first_at_or_after(buckets_, keep_to + 1), buckets_.end());
  buckets_.erase(buckets_.begin(), first_at_or_after(buckets_, keep_from));
}

// The minute when enough of the oldest sends counted from `first_minute` have left a rolling
// window of `window_minutes` to bring the count under `limit`.
long long QuotaLedger::rolling_room(long long first_minute, long long window_minutes,
                                    std::uint32_t limit, SystemTime now) const {
  const std::uint64_t used = count_from(first_minute, now);
  if (used < limit) return minute_of(now);
  const std::uint64_t must_leave = used - limit + 1;
  std::uint64_t left = 0;
  auto it = first_at_or_after(buckets_, first_minute);
  for (; it != buckets_.end(); ++it) {
    left += it->second;
    // A bucket stops counting once the window start has passed it.
    if (left >= must_leave) return it->first + window_minutes + 1;
  }
  return minute_of(now);  // not reached: the counted buckets sum to `used`
}

std::optional<SystemTime> QuotaLedger::next_room(SystemTime now) const {
  if (can_take(now)) return std::nullopt;
  if (policy_.mode == QuotaMode::rolling) {
    long long minute = minute_of(now);
    if (policy_.hourly_limit)
      minute = std::max(minute,
                        rolling_room(hour_start(now), kMinutesPerHour, policy_.hourly_limit, now));
    if (policy_.daily_limit)
      minute =
          std::max(minute, rolling_room(day_start(now), kMinutesPerDay, policy_.daily_limit, now));
    return start_of_minute(minute);
  }
  // Calendar: the count restarts with the next local hour or date; a full day waits for the
  // next date, which is also a new hour.
  const auto local = zone_time::to_local(policy_.zone, now);
  const bool day_full =
      policy_.daily_limit && count_from(day_start(now), now) >= policy_.daily_limit;
  const auto next_local = day_full ? zone_time::local_day(local) + date::days(1)
                                   : date::floor<std::chrono::hours>(local) + std::chrono::hours(1);
  return std::max(zone_time::to_sys(policy_.zone, next_local), now);
}

std::string QuotaLedger::serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  put_varint(out, buckets_.size());
  long long previous = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    const auto& [minute, count] = buckets_[i];
    // The first minute in full (zigzag: it may precede 1970), then gaps, which are small.
    put_varint(out, i == 0 ? zigzag(minute) : static_cast<std::uint64_t>(minute - previous));
    put_varint(out, count);
    previous = minute;
  }
  return out;
}

Result<QuotaLedger> QuotaLedger::deserialize(std::string_view bytes, QuotaPolicy policy) {
  QuotaLedger ledger(policy);
  if (bytes.empty()) return garbage("empty");
  if (static_cast<unsigned char>(bytes.front()) != kFormatVersion)
    return garbage("unknown version");
  bytes.remove_prefix(1);
  std::uint64_t size = 0;
  if (!get_varint(bytes, size)) return garbage("truncated bucket count");
  if (size > kMaxBuckets) return garbage("too many buckets");
  ledger.buckets_.reserve(size);
  long long minute = 0;
  for (std::uint64_t i = 0; i < size; ++i) {
    std::uint64_t key = 0;
    std::uint64_t count = 0;
    if (!get_varint(bytes, key) || !get_varint(bytes, count)) return garbage("truncated bucket");
    if (i == 0) {
      minute = unzigzag(key);
      if (minute < -kMaxMinute || minute > kMaxMinute) return garbage("bucket time out of range");
    } else {
      if (key == 0) return garbage("buckets out of order");
      if (key > static_cast<std::uint64_t>(kMaxMinute - minute))
        return garbage("bucket time out of range");
      minute += static_cast<long long>(key);
    }
    if (count == 0 || count > std::numeric_limits<std::uint32_t>::max())
      return garbage("bad bucket count");
    ledger.buckets_.emplace_back(minute, static_cast<std::uint32_t>(count));
  }
  if (!bytes.empty()) return garbage("trailing bytes");
  // The record was written right after the newest send: whatever had left every window by
  // then can never count again. Newer windows are applied by each query and the next take.
  if (!ledger.buckets_.empty()) {
    const SystemTime saved_at = start_of_minute(ledger.buckets_.back().first);
    ledger.prune(saved_at);
  }
  return ledger;
}

}  // namespace sluice::scheduler
