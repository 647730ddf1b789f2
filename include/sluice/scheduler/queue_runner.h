#pragma once
// The queue runner: takes due messages from the queue's next-attempt index, asks the router for
// an account, hands the pending recipients to that account's transport, and records the
// per-recipient results through outcome::apply_delivery_result in one queue transaction (done:
// removed; retry: rescheduled; dead: kept, with a DSN to the sender). When an account fails
// (refused, TLS, AUTH, 421, quota, timeout) its recipients move to another account of the pool
// at once, without spending an attempt; with no account left the message waits for one.
// It is the one place that changes the queue after acceptance. Everything runs on its own
// strand; wake() and post() are thread-safe. Throttles and windows (later) slot in the router.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "sluice/common/clock.h"
#include "sluice/delivery/transport.h"
#include "sluice/mail/queue_id.h"
#include "sluice/outcome/disposition.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/router.h"

namespace sluice::scheduler {

struct RunnerSettings {
  std::size_t concurrency = 64;  // messages in delivery at once
  outcome::RetryPolicy retry;
  // Upper bound on the sleep between index polls, so a clock step or a missed wake costs at
  // most this much latency.
  std::chrono::milliseconds idle_poll{1000};
  // How long to leave the queue alone once every account slot was busy and nothing completed.
  std::chrono::milliseconds no_account_pause{1000};
  // Bounces: the reporting MTA's name (myhostname) and how often dead messages are swept.
  std::string myhostname = "localhost";
  std::chrono::milliseconds dead_sweep_interval{3600 * 1000};
};

class QueueRunner {
 public:
  using Random01 = std::function<double()>;  // called on the runner's strand only

  // `ids` names the bounces the runner creates; it and the others must outlive the runner.
  QueueRunner(boost::asio::io_context& io, queue::QueueStore& store, Router& router,
              mail::QueueIdGenerator& ids, const Clock& clock, RunnerSettings settings,
              Random01 random);

  void start();
  // New or rescheduled mail may be due: look at the index now. Cheap when called often.
  void wake();
  // Runs `work` on the runner's strand (the router and the account pool live there).
  void post(std::function<void()> work);
  // Stops dispatching; results of deliveries under way are still recorded.
  void stop();
  std::size_t in_flight() const { return in_flight_count_.load(); }

 private:
  struct Flight;  // one message in delivery, across the accounts it tries
  using FlightPtr = std::shared_ptr<Flight>;

  void schedule();
  // False when every account slot is busy (the message stays due, untouched).
  bool dispatch(const queue::DueEntry& entry);
  void start_leg(const FlightPtr& flight, Route route);
  void leg_done(const FlightPtr& flight, const Route& route, delivery::DeliveryResult result);
  void complete(const FlightPtr& flight);
  void record(const FlightPtr& flight, SystemTime account_retry_at);
  void park(queue::QueuedMessage message, const RouteChoice& choice);
  void send_bounce(const queue::QueuedMessage& message);
  void sweep_dead();
  void finish(const mail::QueueId& id);
  void arm_timer(SystemTime until);
  void begin_flight(const mail::QueueId& id);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer sweep_timer_;
  queue::QueueStore& store_;
  Router& router_;
  mail::QueueIdGenerator& ids_;
  const Clock& clock_;
  RunnerSettings settings_;
  Random01 random_;
  std::unordered_set<mail::QueueId> in_flight_;  // strand only: in delivery or being written
  std::atomic<std::size_t> in_flight_count_{0};
  std::atomic<bool> wake_pending_{false};
  bool stopping_ = false;     // strand only
  bool timer_armed_ = false;  // strand only
  SystemTime armed_until_{};  // strand only
  SystemTime busy_until_{};   // strand only
};

}  // namespace sluice::scheduler
