#pragma once
// The pick-account seam of the queue runner: for one message, which account (and its
// transport) delivers it now, or why none can. The account pool implements it
// (pool::PoolRouter); unit tests script it. Called on the runner's strand only.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_set>

#include "sluice/common/clock.h"
#include "sluice/delivery/transport.h"
#include "sluice/queue/queue_store.h"

namespace sluice::scheduler {

struct Route {
  delivery::Transport* transport = nullptr;
  std::size_t account = 0;  // the router's own index, handed back in finished()
  std::string account_name;
  bool probe = false;       // the lease holds the account's half-open breaker probe
  SystemTime taken_at{};    // when the account's quota was charged for this message
  // A quota ledger to make durable (queue state table) before the message may go out.
  std::optional<std::pair<std::string, std::string>> state_write;
};

enum class NoRouteReason {
  busy,         // accounts are up but every slot is taken (wait for a completion) or their
                // rate allows no message yet (wait until retry_at)
  unavailable,  // no account of the message's pool can take mail now (down, resting, disabled)
};

struct RouteChoice {
  std::optional<Route> route;
  NoRouteReason reason = NoRouteReason::busy;  // when !route
  // unavailable: when an account may be back (the message waits); busy: when a rate-limited
  // account has its next token (unset: when a delivery completes).
  SystemTime retry_at{};
  std::string why;        // unavailable: for the message's last error and the log
};

class Router {
 public:
  virtual ~Router() = default;
  // An account for `message`, none of `tried` (accounts that failed it in this attempt).
  virtual RouteChoice pick(const queue::QueuedMessage& message,
                           const std::unordered_set<std::string>& tried, SystemTime now) = 0;
  // Every picked route comes back here exactly once, with what the delivery said.
  virtual void finished(const Route& route, const delivery::DeliveryResult& result,
                        SystemTime now) = 0;
};

}  // namespace sluice::scheduler
