#include "sluice/pool/pool_router.h"

namespace sluice::pool {

scheduler::RouteChoice PoolRouter::pick(const queue::QueuedMessage& message,
                                        const std::unordered_set<std::string>& tried,
                                        SystemTime now) {
  scheduler::RouteChoice choice;
  const auto pool_name = routing_.pool_for(message.sender, message.campaign_group);
  if (auto lease = pool_.lease(pool_name, now, tried)) {
    choice.route = scheduler::Route{transports_[lease->account], lease->account, lease->name};
    return choice;
  }
  if (pool_.has_busy_account(pool_name, now, tried)) {
    choice.reason = scheduler::NoRouteReason::busy;
    return choice;
  }
  choice.reason = scheduler::NoRouteReason::unavailable;
  const auto next = pool_.next_change(pool_name, now);
  choice.retry_at = next ? *next : now + look_again_;
  choice.why = pool_.pool_exists(pool_name)
                   ? "no account of pool '" + pool_name + "' can take mail now"
                   : "pool '" + pool_name + "' has no account";
  return choice;
}

void PoolRouter::finished(const scheduler::Route& route, const delivery::DeliveryResult& result,
                          SystemTime now) {
  pool_.release(Lease{route.account, route.account_name}, result, now);
}

}  // namespace sluice::pool
