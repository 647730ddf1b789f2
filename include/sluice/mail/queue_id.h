#pragma once
// Queue ids: 16 upper-case hex digits, the arrival time in microseconds (11 digits) followed by
// a 20-bit sequence mixed with a per-process random start, so ids sort roughly by arrival and do
// not repeat within one process or across restarts (the clock moves on).

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"

namespace sluice::mail {

using QueueId = std::string;

bool is_valid_queue_id(std::string_view id);

// Thread-safe: sessions on every I/O thread draw ids from one generator.
class QueueIdGenerator {
 public:
  QueueIdGenerator(const Clock& clock, std::uint32_t random_start);
  QueueId next();

 private:
  const Clock& clock_;
  std::atomic<std::uint32_t> sequence_;
};

}  // namespace sluice::mail
