#pragma once
// `sluicectl queue ...`: parses the subcommand, calls the admin API through an AdminClient and
// prints the result (listings like mailq). Output and errors go to the given streams, so tests
// drive it against a real AdminServer. Single-threaded.

#include <ostream>
#include <string>
#include <vector>

#include "admin_client.h"
#include "queue_listing.h"

namespace sluice::ctl {

// Exit status: 0 done, 1 error (printed to `err` as "sluicectl: ..."), 2 bad usage.
// `args` are the words after "queue".
int run_queue_command(AdminClient& client, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, TimeZone zone = TimeZone::local);

}  // namespace sluice::ctl
