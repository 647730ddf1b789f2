#include "sluice/scheduler/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice::scheduler {
namespace {

// Rates and bursts that are not positive numbers (NaN, negative) mean "not given".
double positive_or_zero(double value) { return value > 0 ? value : 0; }

double burst_for(double rate, double burst) {
  burst = positive_or_zero(burst);
  return std::max(1.0, burst > 0 ? burst : rate);
}

// Waits beyond this (a rate below one token in ~30 years) are reported as this.
constexpr double kMaxWaitSeconds = 1e9;
// Floating-point rounding puts the computed instant within a tick or two of the exact one.
constexpr int kMaxNudges = 64;

// Seconds as a double from the clock's own integer ticks: no rounding to a coarser unit, so
// refills at arbitrary instants add up to exactly rate * total elapsed time.
double seconds_between(SystemTime from, SystemTime to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

TokenBucket::TokenBucket(double rate_per_second, double burst, SystemTime now)
    : rate_(positive_or_zero(rate_per_second)),
      burst_(burst_for(rate_, burst)),
      tokens_(burst_),
      last_(now) {}

double TokenBucket::tokens_at(SystemTime now) const {
  if (unlimited()) return std::numeric_limits<double>::infinity();
  if (now <= last_) return tokens_;
  return std::min(burst_, tokens_ + rate_ * seconds_between(last_, now));
}

void TokenBucket::refill(SystemTime now) {
  // A clock that steps back neither refills nor moves last_ back (which would refill twice).
  if (now <= last_) return;
  if (!unlimited()) tokens_ = tokens_at(now);
  last_ = now;
}

bool TokenBucket::try_take(SystemTime now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

SystemTime TokenBucket::next_token(SystemTime now) const {
  if (unlimited() || tokens_at(now) >= 1) return now;
  // The deficit is refilled deficit / rate seconds after last_. That instant is found on the
  // clock's own tick grid (nanoseconds), starting just below it and stepping up to the first
  // tick at which the refill (as try_take computes it) reaches one token: try_take() at the
  // returned instant always succeeds, and a taker woken at these instants loses under a tick
  // per token even when the burst caps what it could have saved.
  using Ticks = SystemTime::duration;
  const double wait = std::min((1 - tokens_) / rate_, kMaxWaitSeconds);
  const auto ticks = static_cast<Ticks::rep>(
      std::floor(wait * static_cast<double>(Ticks::period::den) / Ticks::period::num));
  SystemTime at = last_ + Ticks(std::max<Ticks::rep>(ticks - 1, 0));
  for (int i = 0; i < kMaxNudges && tokens_at(at) < 1; ++i) at += Ticks(1);
  return std::max(at, now);
}

void TokenBucket::set_rate(double rate_per_second, double burst, SystemTime now) {
  refill(now);
  // An unlimited bucket holds nothing meaningful: one that becomes limited starts full.
  const bool was_unlimited = unlimited();
  rate_ = positive_or_zero(rate_per_second);
  burst_ = burst_for(rate_, burst);
  tokens_ = was_unlimited ? burst_ : std::min(tokens_, burst_);
  last_ = std::max(last_, now);
}

}  // namespace sluice::scheduler
