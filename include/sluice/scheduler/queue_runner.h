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
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/delivery/transport.h"
#include "sluice/mail/queue_id.h"
#include "sluice/outcome/disposition.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/campaign_config.h"
#include "sluice/scheduler/controls.h"
#include "sluice/scheduler/delivery_events.h"
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
  // How often the queue's list of campaigns with mail is read again (it is also read when
  // woken by new mail, at most every refresh_min).
  std::chrono::milliseconds refresh_max{1000};
  std::chrono::milliseconds refresh_min{50};
  // Campaigns kept in memory without mail or controls before the idle ones are dropped.
  std::size_t campaign_memory = 10000;
};

struct Campaign;  // campaign_book.h

// A change to an account the composition root made (pool enablement, rate, quota): its value
// before and after for the audit log, and state-table writes to make it survive a restart.
struct AccountChange {
  std::string old_value;
  std::string new_value;
  std::vector<std::pair<std::string, std::string>> writes;
};

class QueueRunner {
 public:
  using Random01 = std::function<double()>;  // called on the runner's strand only

  // `ids` names the bounces the runner creates; it and the others must outlive the runner.
  QueueRunner(boost::asio::io_context& io, queue::QueueStore& store, Router& router,
              mail::QueueIdGenerator& ids, const Clock& clock, RunnerSettings settings,
              Random01 random);
  ~QueueRunner();

  // Campaign configuration (campaign_maps, defaults) and the persisted run-time controls;
  // call before start(). Without it every campaign is unlimited and always open.
  void configure_campaigns(std::vector<CampaignConfig> configured, CampaignConfig defaults);
  // The run-time controls (admin API): served on the runner's strand.
  ControlService& controls();
  // Account controls the runner cannot do itself (the pool's enable/disable and limits): the
  // composition root provides them; called on the runner's strand.
  using AccountControl = std::function<Result<AccountChange>(const ControlRequest&)>;
  void set_account_control(AccountControl control);
  // Where delivery results are reported (metrics); null: nowhere. Call before start();
  // `events` must outlive the runner. Its calls come from the runner's strand.
  void set_events(DeliveryEvents* events);

  void start();
  // New or rescheduled mail may be due: look at the index now. Cheap when called often.
  void wake();
  // A new message of `campaign` is queued and due: it is put in line without re-reading the
  // whole campaign list. Thread-safe and cheap.
  void arrived(const std::string& campaign);
  // Runs `work` on the runner's strand (the router and the account pool live there).
  void post(std::function<void()> work);
  // Stops dispatching; results of deliveries under way are still recorded.
  void stop();
  std::size_t in_flight() const { return in_flight_count_.load(); }
  // The active queue as the runner sees it, answered on the runner's strand from counts kept
  // as messages move (no index read). in_flight and waiting_quota are exact; ready,
  // waiting_window and paused count each campaign's due mail as of its last due-index read,
  // or, when that read hit its limit, its queued mail less what is in flight or parked.
  void view(std::function<void(SchedulerView)> done);

 private:
  struct Flight;  // one message in delivery, across the accounts it tries
  using FlightPtr = std::shared_ptr<Flight>;
  struct Campaigns;  // the campaign book, its scheduler and the control service
  class Controls;
  enum class Dispatch { started, busy, parked, gone };

  void schedule();
  void refresh_campaigns(SystemTime now);
  Dispatch dispatch(const queue::DueEntry& entry, Campaign& campaign,
                    std::optional<SystemTime>& busy_until);
  void go(const FlightPtr& flight, Route route);
  void start_leg(const FlightPtr& flight, Route route);
  void leg_done(const FlightPtr& flight, const Route& route, delivery::DeliveryResult result);
  void complete(const FlightPtr& flight);
  void record(const FlightPtr& flight, SystemTime account_retry_at);
  void park(queue::QueuedMessage message, const RouteChoice& choice);
  void send_bounce(const queue::QueuedMessage& message);
  void sweep_dead();
  void finish(const mail::QueueId& id, const std::string& campaign);
  void leave_queue(const std::string& campaign);
  void count_results(const std::string& campaign, const delivery::DeliveryResult& result);
  void note_leg(Flight& flight, const std::string& account);
  void report_results(const Flight& flight, SystemTime now, bool expired, bool finished);
  void expire_parked(SystemTime now);
  void arm_timer(SystemTime until);
  void begin_flight(const mail::QueueId& id, const std::string& campaign);

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
  std::mutex arrivals_mutex_;
  std::vector<std::string> arrivals_;  // guarded by arrivals_mutex_: campaigns with new mail
  bool stopping_ = false;              // strand only
  bool timer_armed_ = false;           // strand only
  SystemTime armed_until_{};           // strand only
  SystemTime refreshed_at_{};          // strand only
  bool refresh_wanted_ = true;         // strand only: new mail arrived since the last refresh
  std::size_t completions_ = 0;        // strand only: slots freed since the last schedule()
  DeliveryEvents* events_ = nullptr;   // strand only after start()
  // Strand only: the campaigns of parked messages, by when they are due again; and how many
  // parks are still being written (those are in in_flight_ too).
  std::multimap<SystemTime, std::string> parked_;
  std::size_t parking_ = 0;
  std::unique_ptr<Campaigns> campaigns_;
};

}  // namespace sluice::scheduler
