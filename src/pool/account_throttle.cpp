#include "sluice/pool/account_throttle.h"

#include <date/tz.h>

namespace sluice::pool {

Result<AccountThrottle> AccountThrottle::create(const std::vector<config::AccountSpec>& accounts,
                                                SystemTime now) {
  AccountThrottle throttle;
  for (const auto& a : accounts) {
    scheduler::QuotaPolicy policy;
    policy.hourly_limit = a.hourly_limit;
    policy.daily_limit = a.daily_limit;
    policy.mode = a.quota_mode == config::QuotaMode::calendar ? scheduler::QuotaMode::calendar
                                                              : scheduler::QuotaMode::rolling;
    if (!a.time_zone.empty() && a.time_zone != "UTC") {
      try {
        policy.zone = date::locate_zone(a.time_zone);
      } catch (const std::exception&) {
        return make_error(a.file + ":" + std::to_string(a.line) + ": account " + a.name +
                              ": unknown time zone '" + a.time_zone + "'",
                          ErrorCode::invalid);
      }
    }
    throttle.accounts_.emplace(
        a.name, Limits{scheduler::TokenBucket(a.rate.per_second, a.burst, now),
                       scheduler::QuotaLedger(policy), a.rate.text.empty() ? "0" : a.rate.text});
  }
  return throttle;
}

bool AccountThrottle::has_capacity(const config::AccountSpec& account, SystemTime now) {
  auto it = accounts_.find(account.name);
  if (it == accounts_.end()) return true;
  return it->second.bucket.next_token(now) <= now && it->second.ledger.can_take(now);
}

std::optional<StateWrite> AccountThrottle::take(const std::string& account, SystemTime now) {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  it->second.bucket.try_take(now);
  // Counted even without a quota (a limit set at run time then knows what was sent), but made
  // durable only when there is a quota to keep.
  it->second.ledger.take(now);
  if (!it->second.ledger.limited()) return std::nullopt;
  return StateWrite{ledger_key(account), it->second.ledger.serialize()};
}

std::optional<StateWrite> AccountThrottle::give_back(const std::string& account,
                                                     SystemTime taken_at, SystemTime now) {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  it->second.ledger.give_back(taken_at, now);
  if (!it->second.ledger.limited()) return std::nullopt;
  return StateWrite{ledger_key(account), it->second.ledger.serialize()};
}

std::optional<SystemTime> AccountThrottle::next_token(const std::string& account,
                                                      SystemTime now) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end() || !it->second.ledger.can_take(now)) return std::nullopt;
  const auto next = it->second.bucket.next_token(now);
  return next > now ? std::optional<SystemTime>(next) : std::nullopt;
}

std::optional<SystemTime> AccountThrottle::next_room(const std::string& account,
                                                     SystemTime now) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  return it->second.ledger.next_room(now);
}

Result<void> AccountThrottle::restore(const std::string& account, std::string_view bytes) {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return {};
  auto ledger = scheduler::QuotaLedger::deserialize(bytes, it->second.ledger.policy());
  if (!ledger) return ledger.error();
  it->second.ledger = std::move(*ledger);
  return {};
}

std::optional<StateWrite> AccountThrottle::set_limits(const std::string& account,
                                                      const AccountLimits& limits, SystemTime now) {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  auto& a = it->second;
  if (limits.rate || limits.burst) {
    const double rate = limits.rate ? *limits.rate : a.bucket.rate();
    const double burst = limits.burst ? *limits.burst : (limits.rate ? 0 : a.bucket.burst());
    a.bucket.set_rate(rate, burst, now);
    if (limits.rate) a.rate_text = limits.rate_text.empty() ? "0" : limits.rate_text;
  }
  if (!limits.hourly_limit && !limits.daily_limit) return std::nullopt;
  auto policy = a.ledger.policy();
  if (limits.hourly_limit) policy.hourly_limit = *limits.hourly_limit;
  if (limits.daily_limit) policy.daily_limit = *limits.daily_limit;
  a.ledger.set_policy(policy);
  return StateWrite{ledger_key(account), a.ledger.serialize()};
}

std::optional<ThrottleView> AccountThrottle::view(const std::string& account,
                                                  SystemTime now) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) return std::nullopt;
  const auto& a = it->second;
  return ThrottleView{a.rate_text, a.ledger.policy().hourly_limit, a.ledger.policy().daily_limit,
                      a.ledger.used_hour(now), a.ledger.used_day(now)};
}

}  // namespace sluice::pool
