#pragma once
// `sluicectl accounts`, `sluicectl account show|disable|enable NAME` and `sluicectl account
// limits NAME ...`: the upstream accounts as the daemon sees them (state, breaker, in-flight,
// counts, last error), the operator's switch and the run-time rate and quota limits. Output and
// errors go to the given streams, so tests drive it against a real AdminServer. Single-threaded.

#include <boost/json/object.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "admin_client.h"

namespace sluice::ctl {

// `args` are the words after "accounts" (none) or "account". Exit status: 0, 1 error, 2 usage.
int run_accounts_command(AdminClient& client, const std::vector<std::string>& args,
                         std::ostream& out, std::ostream& err);
int run_account_command(AdminClient& client, const std::vector<std::string>& args,
                        std::ostream& out, std::ostream& err);

// The listing: one line per account, fixed columns, the last error at the end.
std::string render_accounts(const boost::json::array& accounts);

}  // namespace sluice::ctl
