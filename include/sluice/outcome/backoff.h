#pragma once
// Exponential backoff with jitter between minimal_backoff_time and maximal_backoff_time.
// Pure: the caller supplies the random draw, so schedules are tested exactly.

#include <chrono>
#include <cstdint>

namespace sluice::outcome {

struct BackoffPolicy {
  std::chrono::seconds minimal{300};
  std::chrono::seconds maximal{4000};
};

// The wait before attempt `attempts + 1`, given `attempts` failed ones (>= 1). The nominal delay
// doubles from `minimal` and is capped at `maximal`; `random01` in [0, 1) spreads it over
// [nominal/2, nominal] ("equal jitter") so a burst of failures does not retry in lockstep,
// without ever dropping below half the nominal wait or below `minimal`.
std::chrono::microseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t attempts,
                                        double random01);

}  // namespace sluice::outcome
