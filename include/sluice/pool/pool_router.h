#pragma once
// The queue runner's Router over the account pool: the message's pool comes from the sender
// routing table, the account from AccountPool::lease, the transport from the account's index.
// Lives on the runner's strand, like the pool it drives.

#include <vector>

#include "sluice/pool/account_pool.h"
#include "sluice/pool/account_throttle.h"
#include "sluice/pool/sender_routing.h"
#include "sluice/scheduler/router.h"

namespace sluice::pool {

class PoolRouter final : public scheduler::Router {
 public:
  // transports[i] delivers for account i of `pool`; all must outlive the router. When no
  // account of a pool can take mail and none says when it may (all disabled, or the only one
  // just failed this message), the message looks again after `look_again`.
  // `throttle` (optional) is the pool's CapacityPolicy: the router charges it for each lease.
  PoolRouter(AccountPool& pool, SenderRouting routing, std::vector<delivery::Transport*> transports,
             std::chrono::seconds look_again, AccountThrottle* throttle = nullptr)
      : pool_(pool),
        routing_(std::move(routing)),
        transports_(std::move(transports)),
        look_again_(look_again),
        throttle_(throttle) {}

  scheduler::RouteChoice pick(const queue::QueuedMessage& message,
                              const std::unordered_set<std::string>& tried,
                              SystemTime now) override;
  void finished(const scheduler::Route& route, const delivery::DeliveryResult& result,
                SystemTime now) override;

 private:
  AccountPool& pool_;
  SenderRouting routing_;
  std::vector<delivery::Transport*> transports_;
  std::chrono::seconds look_again_;
  AccountThrottle* throttle_;
};

}  // namespace sluice::pool
