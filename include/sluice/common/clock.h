#pragma once
// Time behind an interface so that backoff, throttles and windows are tested without sleeping.
// SystemClock is the production clock; tests use tests/support/manual_clock.h.

#include <chrono>

namespace sluice {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// Microseconds since the epoch: the unit stored on disk and used in queue ids.
inline long long to_micros(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline SystemTime from_micros(long long us) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(us)));
}

}  // namespace sluice
