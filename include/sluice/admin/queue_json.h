#pragma once
// The admin API's JSON form of queue records, shared by the server (queue_api.cpp) and
// sluicectl. Times are RFC 3339 UTC with second precision ("2023-11-14T22:13:20Z").
// Pure functions; thread-safe.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"
#include "sluice/queue/queue_store.h"

namespace sluice::admin {

std::string format_rfc3339(SystemTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; nullopt otherwise.
std::optional<SystemTime> parse_rfc3339(std::string_view text);

std::string_view to_string(queue::MessageState state);   // active|held|dead
std::string_view to_string(mail::RecipientState state);  // pending|delivered|failed

// {id, arrival, sender, size, campaign, group, client, state, attempts, next_attempt,
//  last_error, smtputf8, eight_bit, recipients: [{address, state, last_reply}]}
boost::json::object to_json(const queue::QueuedMessage& message);
// {messages, active, held, dead, map_used_bytes, map_size_bytes}
boost::json::object to_json(const queue::QueueStats& stats);

}  // namespace sluice::admin
