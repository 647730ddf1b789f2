#include "control_command.h"

#include <boost/json/array.hpp>
#include <limits>

#include "command_args.h"
#include "control_listing.h"
#include "sluice/admin/queue_json.h"
#include "sluice/config/values.h"

namespace sluice::ctl {

namespace {

namespace http = boost::beast::http;

constexpr const char* kCampaignUsage =
    "usage: sluicectl campaigns\n"
    "       sluicectl campaign show ID\n"
    "       sluicectl campaign rate ID RATE [--for DURATION] [--burst N] [--reason TEXT]\n"
    "       sluicectl campaign pause|resume|cancel ID [--reason TEXT]\n";
constexpr const char* kGroupUsage = "usage: sluicectl group pause|resume GROUP [--reason TEXT]\n";
constexpr const char* kAuditUsage =
    "usage: sluicectl audit [--campaign ID | --group GROUP | --account NAME]\n"
    "                       [--since RFC3339|DURATION] [--limit N]\n";

int usage(std::ostream& err, const std::string& why, const char* text) {
  if (!why.empty()) err << "sluicectl: " << why << "\n";
  err << text;
  return 2;
}

// Sets body[member] from a --option that is a whole number; false (and a message) if it is not.
bool count_option(const CommandArgs& args, const char* option, const char* member,
                  boost::json::object& body, std::string& why) {
  const auto* text = args.option(option);
  if (text == nullptr) return true;
  auto n = config::parse_uint(*text, 0, std::numeric_limits<std::uint32_t>::max());
  if (!n) {
    why = std::string(option) + ": " + n.error().message;
    return false;
  }
  body[member] = *n;
  return true;
}

void reason_option(const CommandArgs& args, boost::json::object& body) {
  if (const auto* reason = args.option("--reason")) body["reason"] = *reason;
}

int show_campaign(AdminClient& client, const std::string& id, std::ostream& out,
                  std::ostream& err) {
  auto reply = client.call(http::verb::get, "/api/campaigns/" + escape_path_segment(id));
  const auto* ok = accepted_reply(reply, err, "no such campaign: " + id);
  if (ok == nullptr) return 1;
  if (!ok->body.is_object()) {
    err << "sluicectl: admin API sent no campaign\n";
    return 1;
  }
  out << render_campaign(ok->body.as_object());
  return 0;
}

int set_campaign_rate(AdminClient& client, const CommandArgs& args, std::ostream& out,
                      std::ostream& err) {
  const std::string& id = args.operands[1];
  auto rate = config::parse_rate(args.operands[2]);
  if (!rate) return usage(err, "campaign rate: " + rate.error().message, kCampaignUsage);
  boost::json::object body{{"rate", rate->text}};
  std::string why;
  if (!count_option(args, "--burst", "burst", body, why)) return usage(err, why, kCampaignUsage);
  if (const auto* text = args.option("--for")) {
    auto duration = config::parse_duration(*text);
    if (!duration) return usage(err, "--for: " + duration.error().message, kCampaignUsage);
    body["expires_in"] = *text;
  }
  reason_option(args, body);
  return send_change(client, http::verb::put, "/api/campaigns/" + escape_path_segment(id) + "/rate",
                     body, "", out, err);
}

}  // namespace

int send_change(AdminClient& client, http::verb method, const std::string& target,
                const boost::json::object& body, const std::string& not_found, std::ostream& out,
                std::ostream& err) {
  auto reply = client.call(method, target, body.empty() ? boost::json::value() : body);
  const auto* ok = accepted_reply(reply, err, not_found);
  if (ok == nullptr) return 1;
  if (!ok->body.is_object()) {
    err << "sluicectl: admin API sent no audit entry\n";
    return 1;
  }
  out << render_change(ok->body.as_object());
  return 0;
}

int run_campaigns_command(AdminClient& client, const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err) {
  if (!args.empty()) return usage(err, "", kCampaignUsage);
  auto reply = client.call(http::verb::get, "/api/campaigns");
  const auto* ok = accepted_reply(reply, err, "");
  if (ok == nullptr) return 1;
  const auto* list = ok->body.is_object() ? ok->body.as_object().if_contains("campaigns") : nullptr;
  if (list == nullptr || !list->is_array()) {
    err << "sluicectl: admin API sent no campaign list\n";
    return 1;
  }
  out << render_campaigns(list->as_array());
  return 0;
}

int run_campaign_command(AdminClient& client, const std::vector<std::string>& words,
                         std::ostream& out, std::ostream& err) {
  auto args = parse_command_args(words, {"--for", "--burst", "--reason"});
  if (!args) return usage(err, "campaign: " + args.error().message, kCampaignUsage);
  const auto& operands = args->operands;
  const std::string verb = operands.empty() ? "" : operands[0];
  if (verb != "rate" && (args->option("--for") || args->option("--burst"))) {
    return usage(err, "campaign: --for and --burst go with campaign rate", kCampaignUsage);
  }
  if (verb == "show" && operands.size() == 2 && args->options.empty()) {
    return show_campaign(client, operands[1], out, err);
  }
  if (verb == "rate" && operands.size() == 3) return set_campaign_rate(client, *args, out, err);
  if ((verb == "pause" || verb == "resume" || verb == "cancel") && operands.size() == 2) {
    boost::json::object body;
    reason_option(*args, body);
    return send_change(client, http::verb::post,
                       "/api/campaigns/" + escape_path_segment(operands[1]) + "/" + verb, body, "",
                       out, err);
  }
  return usage(err, "", kCampaignUsage);
}

int run_group_command(AdminClient& client, const std::vector<std::string>& words, std::ostream& out,
                      std::ostream& err) {
  auto args = parse_command_args(words, {"--reason"});
  if (!args) return usage(err, "group: " + args.error().message, kGroupUsage);
  const auto& operands = args->operands;
  if (operands.size() != 2 || (operands[0] != "pause" && operands[0] != "resume")) {
    return usage(err, "", kGroupUsage);
  }
  boost::json::object body;
  reason_option(*args, body);
  return send_change(client, http::verb::post,
                     "/api/groups/" + escape_path_segment(operands[1]) + "/" + operands[0], body,
                     "", out, err);
}

int run_audit_command(AdminClient& client, const std::vector<std::string>& words, std::ostream& out,
                      std::ostream& err, SystemTime now) {
  auto args =
      parse_command_args(words, {"--campaign", "--group", "--account", "--since", "--limit"});
  if (!args) return usage(err, "audit: " + args.error().message, kAuditUsage);
  if (!args->operands.empty()) return usage(err, "", kAuditUsage);
  std::string query;
  auto add = [&query](const std::string& key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + key + "=" + escape_path_segment(value);
  };
  int targets = 0;
  for (const char* key : {"campaign", "group", "account"}) {
    if (const auto* name = args->option(std::string("--") + key)) {
      ++targets;
      add(key, *name);
    }
  }
  if (targets > 1) {
    return usage(err, "audit: give only one of --campaign, --group and --account", kAuditUsage);
  }
  if (const auto* since = args->option("--since")) {
    if (auto at = admin::parse_rfc3339(*since)) {
      add("since", admin::format_rfc3339(*at));
    } else if (auto ago = config::parse_duration(*since)) {
      add("since", admin::format_rfc3339(now - *ago));
    } else {
      return usage(err, "audit: --since wants a time (2026-12-01T10:00:00Z) or a duration (30m)",
                   kAuditUsage);
    }
  }
  if (const auto* limit = args->option("--limit")) {
    auto n = config::parse_uint(*limit, 1, 10000);
    if (!n) return usage(err, "--limit: " + n.error().message, kAuditUsage);
    add("limit", std::to_string(*n));
  }
  auto reply = client.call(http::verb::get, "/api/audit" + query);
  const auto* ok = accepted_reply(reply, err, "");
  if (ok == nullptr) return 1;
  const auto* entries =
      ok->body.is_object() ? ok->body.as_object().if_contains("entries") : nullptr;
  if (entries == nullptr || !entries->is_array()) {
    err << "sluicectl: admin API sent no audit entries\n";
    return 1;
  }
  out << render_audit(entries->as_array());
  return 0;
}

}  // namespace sluice::ctl
