#include "sluice/pool/circuit_breaker.h"

#include <algorithm>

namespace sluice::pool {

const char* to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "unknown";
}

BreakerState CircuitBreaker::state(SystemTime now) const {
  if (!open_) return BreakerState::closed;
  return now < open_until_ ? BreakerState::open : BreakerState::half_open;
}

bool CircuitBreaker::would_allow(SystemTime now) const {
  switch (state(now)) {
    case BreakerState::closed:
      return true;
    case BreakerState::open:
      return false;
    case BreakerState::half_open:
      return !probe_out_;
  }
  return false;
}

bool CircuitBreaker::try_acquire(SystemTime now) {
  if (!would_allow(now)) return false;
  if (state(now) == BreakerState::half_open) probe_out_ = true;
  return true;
}

void CircuitBreaker::record_success() {
  failures_ = 0;
  open_ = false;
  probe_out_ = false;
}

void CircuitBreaker::record_failure(SystemTime now) {
  if (failures_ < UINT32_MAX) ++failures_;
  const BreakerState current = state(now);
  // A failure while open comes from an attempt started before the breaker opened: the
  // cool-down already running is enough. A failed probe (half-open) opens it again.
  if (current == BreakerState::half_open ||
      (current == BreakerState::closed && failures_ >= policy_.failure_threshold)) {
    open_ = true;
    open_until_ = now + policy_.cool_down;
    probe_out_ = false;
  }
}

void CircuitBreaker::trip(SystemTime now, std::chrono::seconds rest) {
  // Never shortens a longer opening already in force (a quota rest outlasting an AUTH retry).
  open_until_ =
      open_ && state(now) == BreakerState::open ? std::max(open_until_, now + rest) : now + rest;
  open_ = true;
  probe_out_ = false;
}

}  // namespace sluice::pool
