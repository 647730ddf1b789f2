#include "account_command.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <limits>

#include "command_args.h"
#include "control_command.h"
#include "sluice/config/values.h"

namespace sluice::ctl {

namespace {

namespace http = boost::beast::http;

constexpr const char* kAccountUsage =
    "usage: sluicectl accounts\n"
    "       sluicectl account show|disable|enable NAME\n"
    "       sluicectl account limits NAME [--rate RATE] [--burst N] [--hourly N] [--daily N]\n"
    "                                     [--reason TEXT]\n";

std::string field(const boost::json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

int usage(std::ostream& err, const std::string& why) {
  if (!why.empty()) err << "sluicectl: " << why << "\n";
  err << kAccountUsage;
  return 2;
}

// `account limits NAME ...`: only the limits given change.
int set_limits(AdminClient& client, const std::vector<std::string>& words, std::ostream& out,
               std::ostream& err) {
  auto args = parse_command_args(words, {"--rate", "--burst", "--hourly", "--daily", "--reason"});
  if (!args) return usage(err, "account limits: " + args.error().message);
  if (args->operands.size() != 2) return usage(err, "");
  const std::string& name = args->operands[1];
  boost::json::object body;
  if (const auto* text = args->option("--rate")) {
    auto rate = config::parse_rate(*text);
    if (!rate) return usage(err, "--rate: " + rate.error().message);
    body["rate"] = rate->text;
  }
  for (auto [option, member] :
       {std::pair{"--burst", "burst"}, std::pair{"--hourly", "hourly_limit"},
        std::pair{"--daily", "daily_limit"}}) {
    const auto* text = args->option(option);
    if (text == nullptr) continue;
    auto n = config::parse_uint(*text, 0, std::numeric_limits<std::uint32_t>::max());
    if (!n) return usage(err, std::string(option) + ": " + n.error().message);
    body[member] = *n;
  }
  if (body.empty()) return usage(err, "account limits: give --rate, --burst, --hourly or --daily");
  if (const auto* reason = args->option("--reason")) body["reason"] = *reason;
  return send_change(client, http::verb::put,
                     "/api/accounts/" + escape_path_segment(name) + "/limits", body,
                     "no such account: " + name, out, err);
}

}  // namespace

std::string render_accounts(const boost::json::array& accounts) {
  if (accounts.empty()) return "No upstream accounts\n";
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %-12s %-11s %-9s %8s %8s %8s %8s %8s  %s\n", "NAME",
                "POOL", "STATUS", "BREAKER", "INFLIGHT", "SENT", "DEFERRED", "BOUNCED", "FAULTS",
                "LAST ERROR");
  out += line;
  for (const auto& value : accounts) {
    if (!value.is_object()) continue;
    const auto& a = value.as_object();
    const auto in_flight = field(a, "in_flight") + "/" + field(a, "max_connections");
    std::snprintf(line, sizeof line, "%-20s %-12s %-11s %-9s %8s %8s %8s %8s %8s  ",
                  field(a, "name").c_str(), field(a, "pool").c_str(), field(a, "status").c_str(),
                  field(a, "breaker").c_str(), in_flight.c_str(), field(a, "sent").c_str(),
                  field(a, "deferred").c_str(), field(a, "bounced").c_str(),
                  field(a, "faults").c_str());
    out += line;
    const auto last_error = field(a, "last_error");
    out += last_error.empty() ? "-" : last_error;
    out += "\n";
  }
  return out;
}

int run_accounts_command(AdminClient& client, const std::vector<std::string>& args,
                         std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << kAccountUsage;
    return 2;
  }
  auto reply = client.call(http::verb::get, "/api/accounts");
  const auto* ok = accepted_reply(reply, err, "");
  if (ok == nullptr) return 1;
  const auto* list = ok->body.is_object() ? ok->body.as_object().if_contains("accounts") : nullptr;
  if (list == nullptr || !list->is_array()) {
    err << "sluicectl: admin API sent no account list\n";
    return 1;
  }
  out << render_accounts(list->as_array());
  return 0;
}

int run_account_command(AdminClient& client, const std::vector<std::string>& args,
                        std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "limits") return set_limits(client, args, out, err);
  if (args.size() != 2 || (args[0] != "show" && args[0] != "disable" && args[0] != "enable")) {
    err << kAccountUsage;
    return 2;
  }
  const auto& verb = args[0];
  const auto& name = args[1];
  std::string target = "/api/accounts/" + escape_path_segment(name);
  if (verb != "show") target += "/" + verb;
  auto reply = client.call(verb == "show" ? http::verb::get : http::verb::post, target);
  const auto* ok = accepted_reply(reply, err, "no such account: " + name);
  if (ok == nullptr) return 1;
  if (!ok->body.is_object()) {
    err << "sluicectl: admin API sent no account\n";
    return 1;
  }
  const auto& a = ok->body.as_object();
  if (verb == "show") {
    for (const auto& [key, value] : a) {
      out << std::string(key) << ": "
          << (value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value))
          << "\n";
    }
  } else {
    out << name << ": " << (verb == "disable" ? "disabled" : "enabled") << " (status "
        << field(a, "status") << ")\n";
  }
  return 0;
}

}  // namespace sluice::ctl
