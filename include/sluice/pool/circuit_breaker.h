#pragma once
// A circuit breaker per upstream account: closed (traffic flows); open after
// `failure_threshold` consecutive failures (no traffic at all); half-open after `cool_down`,
// when exactly one probe (a heartbeat or one message) may try; closed again when it succeeds,
// open again (for another cool-down) when it fails. Pure: time is passed in.

#include <chrono>
#include <cstdint>

#include "sluice/common/clock.h"

namespace sluice::pool {

enum class BreakerState { closed, open, half_open };

const char* to_string(BreakerState state);

struct BreakerPolicy {
  std::uint32_t failure_threshold = 5;
  std::chrono::seconds cool_down{30};
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerPolicy policy = {}) : policy_(policy) {}

  // May a connection attempt go ahead now? In half-open state the first caller gets the probe
  // (returns true once) until record_success/record_failure settles it.
  bool try_acquire(SystemTime now);
  // Would try_acquire succeed, without taking the probe? For listings and selection.
  bool would_allow(SystemTime now) const;
  void record_success();
  // Gives back an unused probe (the attempt never happened, so it proves nothing): the next
  // caller in half-open state may take it.
  void release_probe() { probe_out_ = false; }
  void record_failure(SystemTime now);
  // Opens at once (AUTH refused, quota reply): `rest` instead of the cool-down.
  void trip(SystemTime now, std::chrono::seconds rest);

  BreakerState state(SystemTime now) const;
  std::uint32_t consecutive_failures() const { return failures_; }
  SystemTime reopens_at() const { return open_until_; }

 private:
  BreakerPolicy policy_;
  std::uint32_t failures_ = 0;
  bool open_ = false;
  bool probe_out_ = false;
  SystemTime open_until_{};
};

}  // namespace sluice::pool
