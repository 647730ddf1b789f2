#pragma once
// What the queue runner reports about delivery results and the state of the queue, for metrics.
// Result events are called on the runner's strand; implementations must be thread-safe (the
// scrape thread reads them). The defaults do nothing.

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::scheduler {

enum class RecipientResult { sent, deferred, bounced };

inline const char* to_string(RecipientResult result) {
  switch (result) {
    case RecipientResult::sent:
      return "sent";
    case RecipientResult::deferred:
      return "deferred";
    case RecipientResult::bounced:
      return "bounced";
  }
  return "unknown";
}

class DeliveryEvents {
 public:
  virtual ~DeliveryEvents() = default;
  // One delivery attempt (one leg: one account, one SMTP transaction) started.
  virtual void attempt(const std::string& /*account*/) {}
  // `count` recipients of one leg ended so; `reply_code` is the upstream's (0 when there was
  // no reply: connection failure, timeout).
  virtual void recipients(const std::string& /*account*/, RecipientResult /*result*/,
                          std::uint16_t /*reply_code*/, std::uint32_t /*count*/) {}
  // A message's last recipient was delivered: time from its arrival to that upstream 250.
  virtual void delivered(std::chrono::system_clock::duration /*since_arrival*/) {}
};

// The scheduler's view of the active queue, for sluice_queue_messages{state}. Counts are of
// messages the runner has looked at; `held`/`dead`/total come from the store's stats.
struct SchedulerView {
  std::uint64_t ready = 0;           // due, in a ready queue, waiting for a slot or a token
  std::uint64_t in_flight = 0;       // being delivered now
  std::uint64_t waiting_window = 0;  // due, but their campaign is outside its send window
  std::uint64_t waiting_quota = 0;   // parked: no account of their pool has capacity now
  std::uint64_t paused = 0;          // due, but their campaign or group is paused
};

}  // namespace sluice::scheduler
