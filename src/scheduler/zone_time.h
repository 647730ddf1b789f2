#pragma once
// Wall-clock conversions shared by SendWindow and QuotaLedger, with one rule for the local
// times a DST change skips or repeats: a skipped local time maps to the end of the gap (the
// first instant after it), a repeated one to its first occurrence. A null zone is UTC.

#include <date/tz.h>

#include "sluice/common/clock.h"

namespace sluice::scheduler::zone_time {

using LocalSeconds = date::local_seconds;

inline LocalSeconds to_local(const date::time_zone* zone, SystemTime t) {
  const auto seconds = date::floor<std::chrono::seconds>(t);
  if (!zone) return LocalSeconds(seconds.time_since_epoch());
  return zone->to_local(date::sys_seconds(seconds));
}

// Monotone: a later local time never maps to an earlier instant.
inline SystemTime to_sys(const date::time_zone* zone, LocalSeconds local) {
  if (!zone) return SystemTime(local.time_since_epoch());
  // choose::earliest picks the first occurrence of a repeated time; date/tz.h maps a skipped
  // time to the end of the gap whichever choice is passed.
  return SystemTime(zone->to_sys(local, date::choose::earliest));
}

inline date::local_days local_day(LocalSeconds local) { return date::floor<date::days>(local); }

}  // namespace sluice::scheduler::zone_time
