#include "sluice/outcome/backoff.h"

#include <algorithm>

namespace sluice::outcome {

std::chrono::microseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t attempts,
                                        double random01) {
  using std::chrono::microseconds;
  const auto minimal = std::chrono::duration_cast<microseconds>(policy.minimal);
  const auto maximal = std::max(minimal, std::chrono::duration_cast<microseconds>(policy.maximal));
  // Doubling stops at the cap, so the shift never overflows.
  auto nominal = minimal;
  for (std::uint32_t i = 1; i < attempts && nominal < maximal; ++i) nominal *= 2;
  nominal = std::min(nominal, maximal);
  random01 = std::clamp(random01, 0.0, 1.0);
  auto half = nominal / 2;
  auto delay = half + microseconds(static_cast<long long>(static_cast<double>(half.count()) * random01));
  return std::max(delay, minimal);
}

}  // namespace sluice::outcome
