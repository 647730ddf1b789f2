#include "sluice/admin/control_json.h"

#include "sluice/admin/queue_json.h"

namespace sluice::admin {

using scheduler::ControlAction;
using scheduler::ControlTarget;

std::string_view target_name(ControlTarget target) { return scheduler::to_string(target); }

std::string_view action_name(ControlAction action) { return scheduler::to_string(action); }

std::optional<ControlTarget> parse_target(std::string_view name) {
  for (auto target : {ControlTarget::campaign, ControlTarget::group, ControlTarget::account}) {
    if (target_name(target) == name) return target;
  }
  return std::nullopt;
}

std::string_view campaign_state(const scheduler::CampaignView& c) {
  if (c.paused) return "paused";
  if (c.group_paused) return "group-paused";
  if (!c.in_window) return "out-of-window";
  return "running";
}

boost::json::object to_json(const scheduler::AuditEntry& e) {
  return {
      {"time", format_rfc3339(e.time)},
      {"actor", e.actor},
      {"client", e.client},
      {"target", target_name(e.target)},
      {"name", e.name},
      {"action", action_name(e.action)},
      {"old_value", e.old_value},
      {"new_value", e.new_value},
      {"reason", e.reason},
  };
}

boost::json::object to_json(const scheduler::CampaignView& c) {
  boost::json::object o{
      {"id", c.id},
      {"group", c.group},
      {"configured_rate", c.configured_rate},
      {"effective_rate", c.effective_rate},
      {"priority", c.priority},
      {"paused", c.paused},
      {"group_paused", c.group_paused},
      {"window", c.window},
      {"in_window", c.in_window},
      {"state", campaign_state(c)},
      {"queued", c.queued},
      {"sent", c.sent},
      {"deferred", c.deferred},
      {"bounced", c.bounced},
  };
  o["rate_expires"] = c.rate_expires ? boost::json::value(format_rfc3339(*c.rate_expires))
                                     : boost::json::value(nullptr);
  return o;
}

}  // namespace sluice::admin
