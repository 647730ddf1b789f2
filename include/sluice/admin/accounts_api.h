#pragma once
// The accounts part of the admin API (sluicectl accounts, sluicectl account ...):
//   GET  /api/accounts                 -> {"accounts": [...]} every account with its state
//   GET  /api/accounts/{name}          -> one account
//   POST /api/accounts/{name}/disable  -> the account, now taking no mail (an operator's hold)
//   POST /api/accounts/{name}/enable   -> the account, back in rotation
// Account JSON: name, pool, endpoint, weight, status (up|down|resting|auth_failed|disabled),
// breaker (closed|open|half_open), consecutive_failures, in_flight, max_connections, sent,
// deferred, bounced, faults, last_error, last_error_at and resting_until (RFC 3339 or null).
// The pool lives on the queue runner's strand: AccountsAccess runs the work there and answers
// through the callbacks, from any thread. 404 for an unknown name.

#include <functional>
#include <string>
#include <vector>

#include "sluice/admin/router.h"
#include "sluice/pool/account_pool.h"

namespace sluice::admin {

struct AccountsAccess {
  using Snapshot = std::vector<pool::AccountSnapshot>;
  std::function<void(std::function<void(Snapshot)>)> snapshot;
  // done(found, snapshot after the change); actor (token name) and client go to the audit log.
  std::function<void(std::string name, bool enabled, std::string actor, std::string client,
                     std::function<void(bool, Snapshot)>)>
      set_enabled;
};

void register_accounts_api(Router& router, AccountsAccess access);

boost::json::object account_json(const pool::AccountSnapshot& account);

}  // namespace sluice::admin
