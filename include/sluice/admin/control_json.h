#pragma once
// The admin API's JSON form of run-time controls (control_api.cpp) and what sluicectl reads.
// Times are RFC 3339 UTC ("2026-12-01T10:30:00Z"), absent times null. Pure; thread-safe.
//   audit entry: {time, actor, client, target: campaign|group|account, name,
//                 action: set_rate|pause|resume|cancel|set_limits|disable|enable,
//                 old_value, new_value, reason}
//   campaign:    {id, group, configured_rate, effective_rate, rate_expires, priority, paused,
//                 group_paused, window, in_window, state, queued, sent, deferred, bounced}

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "sluice/scheduler/controls.h"

namespace sluice::admin {

// The names used on the wire. Kept here rather than scheduler::to_string so the admin API's
// vocabulary stays fixed even if the scheduler's log wording changes.
std::string_view target_name(scheduler::ControlTarget target);
std::string_view action_name(scheduler::ControlAction action);
std::optional<scheduler::ControlTarget> parse_target(std::string_view name);

// One word for the operator: paused (the campaign), group-paused, out-of-window or running,
// in that order of precedence.
std::string_view campaign_state(const scheduler::CampaignView& campaign);

boost::json::object to_json(const scheduler::AuditEntry& entry);
boost::json::object to_json(const scheduler::CampaignView& campaign);

}  // namespace sluice::admin
