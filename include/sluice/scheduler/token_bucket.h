#pragma once
// A token bucket: `rate` tokens per second, at most `burst` stored. Used for account rates and
// campaign rates. Pure: time is passed in; the scheduler owns one per account and campaign on
// its strand. A rate of 0 means unlimited.

#include <chrono>

#include "sluice/common/clock.h"

namespace sluice::scheduler {

class TokenBucket {
 public:
  // burst 0: one second's worth of rate (at least 1); a smaller burst is raised to 1, since a
  // bucket that cannot hold one token would never give one. Starts full.
  TokenBucket(double rate_per_second = 0, double burst = 0, SystemTime now = {});

  bool unlimited() const { return rate_ <= 0; }
  // Takes one token when there is one.
  bool try_take(SystemTime now);
  // When try_take will next succeed (now if it would now). Unlimited: now.
  SystemTime next_token(SystemTime now) const;
  // A new rate (or burst) from now on; the tokens held are kept, capped at the new burst.
  void set_rate(double rate_per_second, double burst, SystemTime now);
  double rate() const { return rate_; }
  double burst() const { return burst_; }
  // Tokens held at `now` (refilled, not taken), for metrics and tests; unlimited: infinity.
  double tokens_at(SystemTime now) const;

 private:
  void refill(SystemTime now);
  double rate_ = 0;
  double burst_ = 1;
  double tokens_ = 1;
  SystemTime last_{};
};

}  // namespace sluice::scheduler
