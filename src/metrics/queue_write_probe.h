#pragma once
// Answers /readyz's "is the queue writable?" with a small durable write (put_state of one key,
// synced like any message) at most once per `interval`: callers in between get the cached
// answer, callers during a write wait for it, each at most `timeout` (then "timed out", while
// the write itself may finish later and refresh the cache). Thread-safe; the answer arrives on
// the caller's thread (cached), the store's writer thread or the given executor, so `done` must
// only post (an admin Reply does).

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/queue/queue_store.h"

namespace sluice::metrics {

inline constexpr const char* kReadinessProbeKey = "metrics/readyz";

class QueueWriteProbe : public std::enable_shared_from_this<QueueWriteProbe> {
 public:
  using Done = std::function<void(Result<void>)>;

  QueueWriteProbe(queue::QueueStore& store, const Clock& clock, std::chrono::milliseconds interval,
                  std::chrono::milliseconds timeout)
      : store_(store), clock_(clock), interval_(interval), timeout_(timeout) {}

  // Calls done exactly once. `executor` runs the timeout timer.
  void check(const boost::asio::any_io_executor& executor, Done done);

 private:
  struct Waiter;
  void finish(Result<void> result);

  queue::QueueStore& store_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds timeout_;

  std::mutex mutex_;  // guards the members below
  std::optional<Result<void>> last_;
  SystemTime last_at_{};
  bool writing_ = false;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace sluice::metrics
