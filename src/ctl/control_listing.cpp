#include "control_listing.h"

#include <boost/json/serialize.hpp>
#include <cstdio>

namespace sluice::ctl {

namespace {

// The member as text: strings as they are, other values as JSON, missing, null or empty "-".
std::string field(const boost::json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return v->as_string().empty() ? "-" : std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  return boost::json::serialize(*v);
}

std::string rate(const boost::json::object& o, const char* name) {
  auto text = field(o, name);
  return text == "0" ? "unlimited" : text;
}

bool has_expiry(const boost::json::object& o) {
  const auto* v = o.if_contains("rate_expires");
  return v != nullptr && v->is_string();
}

}  // namespace

std::string render_campaigns(const boost::json::array& campaigns) {
  if (campaigns.empty()) return "No active campaigns\n";
  std::string out;
  char line[512];
  const char* format = "%-24s %-12s %-10s %-10s %4s %-13s %8s %8s %8s %8s\n";
  std::snprintf(line, sizeof line, format, "ID", "GROUP", "RATE", "EFFECTIVE", "PRIO", "STATE",
                "QUEUED", "SENT", "DEFERRED", "BOUNCED");
  out += line;
  bool any_expiry = false;
  for (const auto& value : campaigns) {
    if (!value.is_object()) continue;
    const auto& c = value.as_object();
    auto effective = rate(c, "effective_rate");
    if (has_expiry(c)) {
      effective += "*";
      any_expiry = true;
    }
    std::snprintf(line, sizeof line, format, field(c, "id").c_str(), field(c, "group").c_str(),
                  rate(c, "configured_rate").c_str(), effective.c_str(),
                  field(c, "priority").c_str(), field(c, "state").c_str(),
                  field(c, "queued").c_str(), field(c, "sent").c_str(),
                  field(c, "deferred").c_str(), field(c, "bounced").c_str());
    out += line;
  }
  if (any_expiry) out += "* temporary rate: `sluicectl campaign show ID` says until when\n";
  return out;
}

std::string render_campaign(const boost::json::object& c) {
  auto effective = rate(c, "effective_rate");
  if (has_expiry(c)) effective += " (until " + field(c, "rate_expires") + ")";
  const auto* in_window = c.if_contains("in_window");
  auto window = field(c, "window");
  if (in_window != nullptr && in_window->is_bool()) {
    window += in_window->as_bool() ? " (open now)" : " (closed now)";
  }
  std::string out;
  auto add = [&out](const char* name, const std::string& value) {
    char label[32];
    std::snprintf(label, sizeof label, "%-17s", (std::string(name) + ":").c_str());
    out += label + value + "\n";
  };
  add("id", field(c, "id"));
  add("group", field(c, "group"));
  add("state", field(c, "state"));
  add("configured rate", rate(c, "configured_rate"));
  add("effective rate", effective);
  add("priority", field(c, "priority"));
  add("paused", field(c, "paused"));
  add("group paused", field(c, "group_paused"));
  add("window", window);
  add("queued", field(c, "queued"));
  add("sent", field(c, "sent"));
  add("deferred", field(c, "deferred"));
  add("bounced", field(c, "bounced"));
  return out;
}

std::string render_change(const boost::json::object& e) {
  return field(e, "target") + " " + field(e, "name") + ": " + field(e, "action") + " " +
         field(e, "old_value") + " -> " + field(e, "new_value") + "\n";
}

std::string render_audit(const boost::json::array& entries) {
  if (entries.empty()) return "No audit entries\n";
  std::string out;
  for (const auto& value : entries) {
    if (!value.is_object()) continue;
    const auto& e = value.as_object();
    out += field(e, "time") + " " + field(e, "actor") + " " + field(e, "client") + " " +
           field(e, "target") + " " + field(e, "name") + " " + field(e, "action") + " " +
           field(e, "old_value") + " -> " + field(e, "new_value");
    const auto* reason = e.if_contains("reason");
    const bool has_reason =
        reason != nullptr && reason->is_string() && !reason->as_string().empty();
    out += has_reason ? " \"" + std::string(reason->as_string()) + "\"\n" : "\n";
  }
  return out;
}

}  // namespace sluice::ctl
