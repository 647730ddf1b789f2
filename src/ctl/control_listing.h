#pragma once
// Text forms of the admin API's run-time control JSON for sluicectl: the campaign table, one
// campaign in detail, the one-line confirmation of a change and the audit log. Pure functions
// over JSON values (fields missing from a newer or older server read as "-"), so they are
// tested without a server.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

namespace sluice::ctl {

// ID GROUP RATE EFFECTIVE PRIO STATE QUEUED SENT DEFERRED BOUNCED, one campaign per line; a
// rate of "0" reads "unlimited"; an effective rate that expires carries '*' (explained below
// the table). "No active campaigns" when empty.
std::string render_campaigns(const boost::json::array& campaigns);

// Every field of one campaign, "name: value" per line.
std::string render_campaign(const boost::json::object& campaign);

// "campaign spring-sale: set_rate rate=50/s -> rate=10/s" from an audit entry.
std::string render_change(const boost::json::object& entry);

// One line per entry: time actor client target name action old -> new "reason".
// "No audit entries" when empty.
std::string render_audit(const boost::json::array& entries);

}  // namespace sluice::ctl
