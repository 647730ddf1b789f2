#pragma once
// Per-account rate and quota: a token bucket (rate=, burst=) and a quota ledger (hourly_limit=,
// daily_limit=, rolling or calendar in tz=) per account. It is the account pool's
// CapacityPolicy ("has capacity" = a token and room in the quota), and the router takes from it
// for the account a message is leased to. The quota is counted when a message is handed to an
// account, not when it is delivered, and the ledger is persisted in the queue's state table
// before the message goes out, so a quota is never exceeded, not across a restart either (a
// crash can only leave a reservation counted that sent nothing: under-use, never over-use).
// Not thread-safe: used on the queue runner's strand with the pool.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/pool/account_pool.h"
#include "sluice/scheduler/quota_ledger.h"
#include "sluice/scheduler/token_bucket.h"

namespace sluice::pool {

// A state-table write the caller must make durable before it relies on the change.
struct StateWrite {
  std::string key;
  std::string value;
};

struct AccountLimits {
  std::optional<double> rate;  // per second; 0: unlimited
  std::string rate_text;
  std::optional<std::uint32_t> burst;
  std::optional<std::uint32_t> hourly_limit;
  std::optional<std::uint32_t> daily_limit;
};

struct ThrottleView {
  std::string rate_text;  // effective
  std::uint32_t hourly_limit = 0, daily_limit = 0;
  std::uint32_t used_hour = 0, used_day = 0;
};

class AccountThrottle final : public CapacityPolicy {
 public:
  // Errors: an account's tz= names no known time zone.
  static Result<AccountThrottle> create(const std::vector<config::AccountSpec>& accounts,
                                        SystemTime now);

  bool has_capacity(const config::AccountSpec& account, SystemTime now) override;
  // Takes a token and counts one message for the account the router leased (always, so a
  // quota set at run time knows what went before). Returns the ledger write to persist when
  // the account has a quota.
  std::optional<StateWrite> take(const std::string& account, SystemTime now);
  // The upstream took nothing (an account fault before any recipient was judged): the
  // reservation made at `taken_at` is returned.
  std::optional<StateWrite> give_back(const std::string& account, SystemTime taken_at,
                                      SystemTime now);
  // Only the rate stops the account now: when its next token comes (else nullopt).
  std::optional<SystemTime> next_token(const std::string& account, SystemTime now) const;
  // Out of quota: when there may be room again (else nullopt).
  std::optional<SystemTime> next_room(const std::string& account, SystemTime now) const;

  // Loads a persisted ledger (state key ledger_key(name)); unknown accounts are ignored.
  Result<void> restore(const std::string& account, std::string_view bytes);
  static std::string ledger_key(const std::string& account) { return "quota/" + account; }
  // Run-time limits (admin API); returns the ledger write when the quota policy changed.
  std::optional<StateWrite> set_limits(const std::string& account, const AccountLimits& limits,
                                       SystemTime now);
  std::optional<ThrottleView> view(const std::string& account, SystemTime now) const;

 private:
  struct Limits {
    scheduler::TokenBucket bucket;
    scheduler::QuotaLedger ledger;
    std::string rate_text;
  };
  std::unordered_map<std::string, Limits> accounts_;
};

}  // namespace sluice::pool
