#include "sluice/pool/account_pool.h"

#include <algorithm>
#include <cassert>

namespace sluice::pool {
namespace {

using delivery::AccountFaultKind;
using delivery::RecipientOutcome;

std::string endpoint_of(const config::AccountSpec& spec) {
  if (spec.kind == config::EndpointKind::maildir) return "maildir:" + spec.maildir_path;
  const bool ipv6 = spec.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);
}

// What a delivery said about the account itself, as opposed to about its recipients.
// none: the lease went unused (no recipients, no fault), which proves nothing either way.
enum class Verdict { healthy, failed, none };

Verdict verdict_of(const delivery::DeliveryResult& result) {
  if (result.fault) return Verdict::failed;
  bool judged = false;
  bool unjudged = false;
  for (const auto& r : result.recipients) {
    (r.account_fault ? unjudged : judged) = true;
  }
  // An upstream that answered is healthy even if it deferred or refused a recipient.
  if (judged) return Verdict::healthy;
  // Recipients not judged because of the account, yet no fault given: still a failure, or
  // the breaker would never learn about it (and a half-open probe would stay out for good).
  if (unjudged) return Verdict::failed;
  return Verdict::none;
}

}  // namespace

const char* to_string(AccountStatus status) {
  switch (status) {
    case AccountStatus::up:
      return "up";
    case AccountStatus::down:
      return "down";
    case AccountStatus::resting:
      return "resting";
    case AccountStatus::auth_failed:
      return "auth_failed";
    case AccountStatus::disabled:
      return "disabled";
  }
  return "unknown";
}

AccountPool::AccountPool(std::vector<config::AccountSpec> accounts, PoolPolicy policy,
                         CapacityPolicy* capacity)
    : policy_(policy), capacity_(capacity) {
  accounts_.reserve(accounts.size());
  for (auto& spec : accounts) accounts_.emplace_back(std::move(spec), policy_.breaker);
}

bool AccountPool::available(const Account& account, SystemTime now) const {
  return account.enabled && !account.auth_failed && now >= account.resting_until &&
         account.breaker.would_allow(now) && account.in_flight < account.spec.max_connections;
}

std::optional<Lease> AccountPool::lease(const std::string& pool, SystemTime now,
                                        const std::unordered_set<std::string>& exclude) {
  // Smooth weighted round-robin (nginx): only this round's candidates move, so an account that
  // is full or out neither gains nor loses share while it sits out.
  std::int64_t total = 0;
  Account* best = nullptr;
  std::size_t best_index = 0;
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& account = accounts_[i];
    if (account.spec.pool != pool || !available(account, now)) continue;
    if (exclude.count(account.spec.name) != 0) continue;
    if (capacity_ && !capacity_->has_capacity(account.spec, now)) continue;
    account.current_weight += account.spec.weight;
    total += account.spec.weight;
    if (!best || account.current_weight > best->current_weight) {
      best = &account;
      best_index = i;
    }
  }
  if (!best) return std::nullopt;
  best->current_weight -= total;
  const bool probe = best->breaker.state(now) == BreakerState::half_open;
  const bool acquired = best->breaker.try_acquire(now);  // takes the probe when half-open
  assert(acquired);
  (void)acquired;
  ++best->in_flight;
  return Lease{best_index, best->spec.name, probe};
}

void AccountPool::release(const Lease& lease, const delivery::DeliveryResult& result,
                          SystemTime now) {
  assert(lease.account < accounts_.size());
  Account& account = accounts_[lease.account];
  if (account.in_flight > 0) --account.in_flight;

  for (const auto& r : result.recipients) {
    switch (r.outcome) {
      case RecipientOutcome::delivered:
        ++account.counters.sent;
        break;
      case RecipientOutcome::deferred:
        if (!r.account_fault) ++account.counters.deferred;
        break;
      case RecipientOutcome::failed:
        ++account.counters.bounced;
        break;
    }
  }

  switch (verdict_of(result)) {
    case Verdict::healthy:
      account.breaker.record_success();
      break;
    case Verdict::failed:
      apply_fault(account,
                  result.fault.value_or(delivery::AccountFault{
                      AccountFaultKind::unavailable, "recipients not tried: account failed"}),
                  now);
      break;
    case Verdict::none:
      if (lease.probe) account.breaker.release_probe();
      break;
  }
}

void AccountPool::apply_fault(Account& account, const delivery::AccountFault& fault,
                              SystemTime now) {
  ++account.counters.faults;
  account.last_error = fault.reason;
  account.last_error_at = now;
  switch (fault.kind) {
    case AccountFaultKind::unavailable:
      account.breaker.record_failure(now);
      break;
    case AccountFaultKind::quota:
      // The rest is kept apart from the breaker so that a heartbeat (which cannot tell whether
      // the quota has reset) does not end it; tripping the breaker as well frees a half-open
      // probe this delivery may have held, and asks for one probe once the rest is over.
      account.resting_until = std::max(account.resting_until, now + policy_.quota_rest);
      account.breaker.trip(now, policy_.quota_rest);
      break;
    case AccountFaultKind::auth:
      account.auth_failed = true;
      account.auth_retry_at = now + policy_.auth_rest;
      account.breaker.trip(now, policy_.auth_rest);
      break;
  }
}

void AccountPool::heartbeat_ok(std::size_t account, SystemTime /*now*/) {
  assert(account < accounts_.size());
  Account& a = accounts_[account];
  a.auth_failed = false;
  a.breaker.record_success();  // a quota rest still holds: resting_until is separate
}

void AccountPool::heartbeat_failed(std::size_t account, const delivery::AccountFault& fault,
                                   SystemTime now) {
  assert(account < accounts_.size());
  apply_fault(accounts_[account], fault, now);
}

bool AccountPool::set_enabled(const std::string& name, bool enabled) {
  bool found = false;
  for (auto& account : accounts_) {
    if (account.spec.name != name) continue;
    found = true;
    account.enabled = enabled;
    // An operator enabling an account after a refused AUTH has fixed the credentials.
    if (enabled && account.auth_failed) {
      account.auth_failed = false;
      account.breaker.record_success();
    }
  }
  return found;
}

bool AccountPool::has_busy_account(const std::string& pool, SystemTime now,
                                   const std::unordered_set<std::string>& exclude) const {
  for (const auto& account : accounts_) {
    if (account.spec.pool != pool || exclude.count(account.spec.name) != 0) continue;
    if (!account.enabled || account.auth_failed || now < account.resting_until) continue;
    if (account.breaker.state(now) == BreakerState::open) continue;
    // Full, or its half-open probe is out: either way a release is coming.
    if (account.in_flight > 0) return true;
  }
  return false;
}

bool AccountPool::pool_exists(const std::string& pool) const {
  return std::any_of(accounts_.begin(), accounts_.end(),
                     [&](const Account& a) { return a.spec.pool == pool && a.enabled; });
}

std::optional<SystemTime> AccountPool::next_change(const std::string& pool, SystemTime now) const {
  std::optional<SystemTime> earliest;
  for (const auto& account : accounts_) {
    if (account.spec.pool != pool || !account.enabled || available(account, now)) continue;
    // The time at which every timed gate has passed; gates without a time (a probe or a
    // connection slot in use) end with a release, not on the clock.
    SystemTime back = now;
    if (account.resting_until > back) back = account.resting_until;
    if (account.breaker.state(now) == BreakerState::open) {
      back = std::max(back, account.breaker.reopens_at());
    }
    // An AUTH failure ends only with a heartbeat; its retry time is when that may happen.
    if (account.auth_failed) back = std::max(back, account.auth_retry_at);
    if (back <= now) continue;
    if (!earliest || back < *earliest) earliest = back;
  }
  return earliest;
}

std::size_t AccountPool::size() const { return accounts_.size(); }

const config::AccountSpec& AccountPool::spec(std::size_t account) const {
  assert(account < accounts_.size());
  return accounts_[account].spec;
}

std::vector<AccountSnapshot> AccountPool::snapshot(SystemTime now) const {
  std::vector<AccountSnapshot> out;
  out.reserve(accounts_.size());
  for (const auto& a : accounts_) {
    AccountSnapshot s;
    s.name = a.spec.name;
    s.pool = a.spec.pool;
    s.endpoint = endpoint_of(a.spec);
    s.weight = a.spec.weight;
    s.breaker = a.breaker.state(now);
    s.consecutive_failures = a.breaker.consecutive_failures();
    s.in_flight = a.in_flight;
    s.max_connections = a.spec.max_connections;
    s.counters = a.counters;
    s.last_error = a.last_error;
    s.last_error_at = a.last_error_at;
    if (!a.enabled) {
      s.status = AccountStatus::disabled;
    } else if (a.auth_failed) {
      s.status = AccountStatus::auth_failed;
      s.resting_until = a.auth_retry_at;
    } else if (now < a.resting_until) {
      s.status = AccountStatus::resting;
      s.resting_until = a.resting_until;
    } else if (s.breaker != BreakerState::closed) {
      s.status = AccountStatus::down;
      s.resting_until = a.breaker.reopens_at();
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sluice::pool
