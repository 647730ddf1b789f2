#pragma once
// The upstream account pool: which account delivers a message. Among the enabled, healthy
// accounts of the message's pool that have capacity, it spreads the load by weight (smooth
// weighted round-robin, as nginx does) over those with a free connection slot, so no account
// is hammered while others idle. Feedback from deliveries and heartbeats drives each account's
// circuit breaker; quota replies rest an account; AUTH refusals take it out until a heartbeat
// authenticates again or an operator enables it.
//
// Not thread-safe: owned by the queue runner and used on its strand only.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/config/settings.h"
#include "sluice/delivery/transport.h"
#include "sluice/pool/circuit_breaker.h"

namespace sluice::pool {

// Why an account is not taking mail, as the API and `sluicectl accounts` show it.
enum class AccountStatus { up, down, resting, auth_failed, disabled };
const char* to_string(AccountStatus status);

struct AccountCounters {
  std::uint64_t sent = 0;      // recipients delivered
  std::uint64_t deferred = 0;  // recipients deferred by the upstream (4xx)
  std::uint64_t bounced = 0;   // recipients refused permanently (5xx)
  std::uint64_t faults = 0;    // account failures (connect, TLS, AUTH, 421, quota, timeout)
};

struct AccountSnapshot {
  std::string name;
  std::string pool;
  std::string endpoint;  // "host:port" or "maildir:/path"
  std::uint32_t weight = 1;
  AccountStatus status = AccountStatus::up;
  BreakerState breaker = BreakerState::closed;
  std::uint32_t consecutive_failures = 0;
  std::uint32_t in_flight = 0;
  std::uint32_t max_connections = 0;
  AccountCounters counters;
  std::string last_error;
  SystemTime last_error_at{};
  SystemTime resting_until{};  // resting/down: when it may be tried again
  // Rate and quota (filled in from the AccountThrottle by whoever owns it).
  std::string rate = "0";  // effective rate ("0": unlimited)
  std::uint32_t hourly_limit = 0, daily_limit = 0;  // 0: none
  std::uint32_t used_hour = 0, used_day = 0;
};

// The seam for the throttling stage: rate and quota limits add to "has capacity".
class CapacityPolicy {
 public:
  virtual ~CapacityPolicy() = default;
  virtual bool has_capacity(const config::AccountSpec& account, SystemTime now) = 0;
};

struct PoolPolicy {
  BreakerPolicy breaker;
  std::chrono::seconds quota_rest{3600};  // a quota reply rests the account this long
  std::chrono::seconds auth_rest{300};    // after a refused AUTH, next heartbeat try
};

// An account handed out for one delivery. Give it back with release().
struct Lease {
  std::size_t account = 0;  // index into the pool's accounts
  std::string name;
  bool probe = false;  // holds the account's half-open breaker probe
};

class AccountPool {
 public:
  AccountPool(std::vector<config::AccountSpec> accounts, PoolPolicy policy,
              CapacityPolicy* capacity = nullptr);

  // An account of `pool` for one message, not one of `exclude` (names tried already in this
  // attempt), or nullopt when none can take it now.
  std::optional<Lease> lease(const std::string& pool, SystemTime now,
                             const std::unordered_set<std::string>& exclude = {});
  // Gives the lease back with what the delivery said. A result with no recipients and no fault
  // (the lease went unused) frees the slot and the probe and changes nothing else.
  void release(const Lease& lease, const delivery::DeliveryResult& result, SystemTime now);

  // Heartbeat results (connect, EHLO, STARTTLS/AUTH, NOOP, QUIT).
  void heartbeat_ok(std::size_t account, SystemTime now);
  void heartbeat_failed(std::size_t account, const delivery::AccountFault& fault, SystemTime now);

  // Operator controls; false when no account has that name.
  bool set_enabled(const std::string& name, bool enabled);

  // True when some account of `pool` could take mail now or later without an operator (not all
  // disabled). Mail of a pool with no account at all waits, as with all accounts down.
  bool pool_exists(const std::string& pool) const;
  // True when lease() found nothing only because accounts of `pool` (not in `exclude`) that
  // are up are all in use: a release will free one, so the message should wait in memory.
  bool has_busy_account(const std::string& pool, SystemTime now,
                        const std::unordered_set<std::string>& exclude) const;
  // Could the account take mail now, leaving its CapacityPolicy (rate, quota) aside?
  bool usable_apart_from_capacity(std::size_t account, SystemTime now) const {
    return available(accounts_[account], now);
  }
  // The earliest time an account of `pool` that is out now may be tried again (breaker
  // cool-down, rest), so the runner knows when to look again.
  std::optional<SystemTime> next_change(const std::string& pool, SystemTime now) const;

  std::size_t size() const;
  const config::AccountSpec& spec(std::size_t account) const;
  std::vector<AccountSnapshot> snapshot(SystemTime now) const;

 private:
  // Complete here (not only declared) so the implicit destructor and moves compile wherever the
  // pool is used.
  struct Account {
    Account(config::AccountSpec s, BreakerPolicy breaker_policy)
        : spec(std::move(s)), breaker(breaker_policy) {}
    config::AccountSpec spec;
    CircuitBreaker breaker;
    bool enabled = true;
    bool auth_failed = false;    // out until heartbeat_ok or set_enabled(true)
    SystemTime auth_retry_at{};  // when the heartbeat should try AUTH again
    SystemTime resting_until{};  // quota rest: out until then, whatever heartbeats say
    std::uint32_t in_flight = 0;
    std::int64_t current_weight = 0;  // smooth weighted round-robin state
    AccountCounters counters;
    std::string last_error;
    SystemTime last_error_at{};
  };

  bool available(const Account& account, SystemTime now) const;
  void apply_fault(Account& account, const delivery::AccountFault& fault, SystemTime now);
  std::vector<Account> accounts_;
  PoolPolicy policy_;
  CapacityPolicy* capacity_;
};

}  // namespace sluice::pool
