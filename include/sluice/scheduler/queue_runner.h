#pragma once
// The queue runner: takes due messages from the queue's next-attempt index, hands their pending
// recipients to a transport, and records each result through outcome::apply_delivery_result in
// one queue transaction (done: removed; retry: rescheduled; dead: kept). It is the one place that
// changes the queue after acceptance. Everything runs on its own strand; wake() is thread-safe.
// Throttles, windows and account leasing (later issues) slot in at select_transport / dispatch.

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sluice/common/clock.h"
#include "sluice/delivery/transport.h"
#include "sluice/outcome/disposition.h"
#include "sluice/queue/queue_store.h"

namespace sluice::scheduler {

struct RunnerSettings {
  std::size_t concurrency = 64;  // messages in delivery at once
  outcome::RetryPolicy retry;
  // Upper bound on the sleep between index polls, so a clock step or a missed wake costs at
  // most this much latency.
  std::chrono::milliseconds idle_poll{1000};
  // How long to leave the queue alone once no account could take a due message.
  std::chrono::milliseconds no_account_pause{1000};
};

class QueueRunner {
 public:
  // Picks the transport for a message, or nullptr when no account can take it now (the
  // message then waits without an attempt being counted).
  using TransportSelector = std::function<delivery::Transport*(const queue::QueuedMessage&)>;
  using Random01 = std::function<double()>;  // called on the runner's strand only

  QueueRunner(boost::asio::io_context& io, queue::QueueStore& store, TransportSelector select,
              const Clock& clock, RunnerSettings settings, Random01 random);

  void start();
  // New or rescheduled mail may be due: look at the index now. Cheap when called often.
  void wake();
  // Stops dispatching; results of deliveries under way are still recorded.
  void stop();
  std::size_t in_flight() const { return in_flight_count_.load(); }

 private:
  void schedule();
  // False when no transport can take the message now (it stays due, untouched).
  bool dispatch(const queue::DueEntry& entry);
  void complete(queue::QueuedMessage message, delivery::DeliveryResult result);
  void finish(const mail::QueueId& id);
  void arm_timer(SystemTime until);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  queue::QueueStore& store_;
  TransportSelector select_;
  const Clock& clock_;
  RunnerSettings settings_;
  Random01 random_;
  std::unordered_set<mail::QueueId> in_flight_;  // strand only
  std::atomic<std::size_t> in_flight_count_{0};
  std::atomic<bool> wake_pending_{false};
  bool stopping_ = false;  // strand only
  bool timer_armed_ = false;  // strand only
  SystemTime armed_until_{};  // strand only
  SystemTime no_account_until_{};  // strand only
};

}  // namespace sluice::scheduler
