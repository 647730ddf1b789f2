#include "sluice/pool/pool_router.h"

#include <algorithm>

namespace sluice::pool {

scheduler::RouteChoice PoolRouter::pick(const queue::QueuedMessage& message,
                                        const std::unordered_set<std::string>& tried,
                                        SystemTime now) {
  scheduler::RouteChoice choice;
  const auto pool_name = routing_.pool_for(message.sender, message.campaign_group);
  if (auto lease = pool_.lease(pool_name, now, tried)) {
    scheduler::Route route{
        transports_[lease->account], lease->account, lease->name, lease->probe, now, {}};
    if (throttle_) {
      if (auto write = throttle_->take(lease->name, now)) {
        route.state_write.emplace(std::move(write->key), std::move(write->value));
      }
    }
    choice.route = std::move(route);
    return choice;
  }
  if (pool_.has_busy_account(pool_name, now, tried)) {
    choice.reason = scheduler::NoRouteReason::busy;
    return choice;
  }
  // Accounts held back only by their rate: wait in memory for the next token, no write.
  // Out of quota: the message waits (parked) until the earliest account has room again.
  std::optional<SystemTime> token, room;
  if (throttle_) {
    for (std::size_t i = 0; i < pool_.size(); ++i) {
      const auto& spec = pool_.spec(i);
      if (spec.pool != pool_name || tried.contains(spec.name)) continue;
      if (!pool_.usable_apart_from_capacity(i, now)) continue;
      if (auto t = throttle_->next_token(spec.name, now)) token = token ? std::min(*token, *t) : *t;
      if (auto r = throttle_->next_room(spec.name, now)) room = room ? std::min(*room, *r) : *r;
    }
  }
  if (token) {
    choice.reason = scheduler::NoRouteReason::busy;
    choice.retry_at = *token;
    return choice;
  }
  choice.reason = scheduler::NoRouteReason::unavailable;
  auto next = pool_.next_change(pool_name, now);
  if (room) next = next ? std::min(*next, *room) : *room;
  choice.retry_at = next ? *next : now + look_again_;
  choice.why = room ? "every account of pool '" + pool_name + "' has used its quota"
               : pool_.pool_exists(pool_name)
                   ? "no account of pool '" + pool_name + "' can take mail now"
                   : "pool '" + pool_name + "' has no account";
  return choice;
}

void PoolRouter::finished(const scheduler::Route& route, const delivery::DeliveryResult& result,
                          SystemTime now) {
  // The upstream took nothing: the quota reserved for this message is handed back in memory.
  // The ledger on disk keeps counting it until the account's next reservation is written,
  // which only ever over-counts (and so can never let the quota be exceeded).
  if (throttle_ && delivery::nothing_judged(result.recipients)) {
    throttle_->give_back(route.account_name, route.taken_at, now);
  }
  pool_.release(Lease{route.account, route.account_name, route.probe}, result, now);
}

}  // namespace sluice::pool
