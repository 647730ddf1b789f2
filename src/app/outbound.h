#pragma once
// The outbound half of the composition root: the resolver, one transport per account (Maildir
// or SMTP), the account pool with its sender routing, the router the queue runner uses, and
// the heartbeats. Built from the settings; start-up problems (a CA file, a Maildir that cannot
// be created, c-ares) are errors, not a half-built relay.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "sluice/admin/accounts_api.h"
#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/config/settings.h"
#include "sluice/delivery/connection_events.h"
#include "sluice/delivery/transport.h"
#include "sluice/dns/resolver.h"
#include "sluice/pool/account_pool.h"
#include "sluice/pool/account_throttle.h"
#include "sluice/pool/heartbeat.h"
#include "sluice/pool/pool_router.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/queue_runner.h"

namespace sluice::app {

// Where the outbound stages report, for metrics; each null: nowhere. They must outlive the
// Outbound.
struct OutboundObservers {
  delivery::ConnectionEvents* connections = nullptr;  // every SmtpTransport
  dns::ResolverEvents* resolver = nullptr;
};

class Outbound {
 public:
  // `blocking` runs the Maildir transport's file I/O. Quota ledgers and account controls
  // persisted in `store` are restored.
  static Result<std::unique_ptr<Outbound>> build(const config::Settings& settings,
                                                 boost::asio::io_context& io,
                                                 boost::asio::any_io_executor blocking,
                                                 const Clock& clock, queue::QueueStore& store,
                                                 OutboundObservers observers = {});
  ~Outbound();

  scheduler::Router& router() { return *router_; }
  // Gives the runner the account controls (enable/disable, limits) it applies and audits.
  void attach(scheduler::QueueRunner& runner);
  // Starts the heartbeats; their results reach the pool on the runner's strand.
  void start(scheduler::QueueRunner& runner);
  void stop();
  // For the admin API: pool work runs on the runner's strand.
  admin::AccountsAccess accounts_access(scheduler::QueueRunner& runner);

 private:
  explicit Outbound(const Clock& clock) : clock_(clock) {}

  const Clock& clock_;
  std::unique_ptr<dns::CaresResolver> resolver_;
  std::vector<std::shared_ptr<delivery::Transport>> transports_;  // by account index
  Result<scheduler::AccountChange> control_account(const scheduler::ControlRequest& request);
  std::string describe(const std::string& account) const;
  std::vector<pool::AccountSnapshot> snapshot() const;  // with rates and quota use

  std::unique_ptr<pool::AccountThrottle> throttle_;
  std::unique_ptr<pool::AccountPool> pool_;
  std::unique_ptr<pool::PoolRouter> router_;
  std::vector<pool::Heartbeat::Target> heartbeat_targets_;
  std::unique_ptr<pool::Heartbeat> heartbeat_;
  std::chrono::seconds heartbeat_interval_{0};
  boost::asio::io_context* io_ = nullptr;
};

}  // namespace sluice::app
