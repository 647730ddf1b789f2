#pragma once
// sluicectl's run-time controls: `campaigns`, `campaign show|rate|pause|resume|cancel`,
// `group pause|resume` and `audit`, through the admin API's control routes. Values (rates,
// durations, numbers) are checked here with the configuration's parsers, so a typo is a usage
// error before anything is sent. Output and errors go to the given streams, so tests drive it
// against a real AdminServer. Single-threaded.

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "admin_client.h"
#include "sluice/common/clock.h"

namespace sluice::ctl {

// `args` are the words after the command word. Exit status: 0, 1 error, 2 usage.
int run_campaigns_command(AdminClient& client, const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err);
int run_campaign_command(AdminClient& client, const std::vector<std::string>& args,
                         std::ostream& out, std::ostream& err);
int run_group_command(AdminClient& client, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);
// `now` turns `--since 30m` into a time.
int run_audit_command(AdminClient& client, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, SystemTime now);

// Sends one change and prints its audit entry as a line (render_change); exit status 0 or 1.
// `not_found` is printed for a 404 when not empty.
int send_change(AdminClient& client, boost::beast::http::verb method, const std::string& target,
                const boost::json::object& body, const std::string& not_found, std::ostream& out,
                std::ostream& err);

}  // namespace sluice::ctl
