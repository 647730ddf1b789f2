#include "queue_command.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace sluice::ctl {

namespace {

namespace http = boost::beast::http;

constexpr const char* kQueueUsage =
    "usage: sluicectl queue [--dead] [--held]\n"
    "       sluicectl queue show|delete|hold|release|requeue ID\n"
    "       sluicectl queue flush\n";

const AdminReply* accepted(const Result<AdminReply>& reply, std::ostream& err,
                           const std::string& id) {
  return accepted_reply(reply, err, id.empty() ? "" : "no such message: " + id);
}

int list(AdminClient& client, bool dead, bool held, std::ostream& out, std::ostream& err,
         TimeZone zone) {
  std::string state = dead && held ? "held,dead" : dead ? "dead" : held ? "held" : "active,held";
  boost::json::array messages;
  std::string after;
  while (true) {
    std::string target = "/api/queue?state=" + escape_path_segment(state) + "&limit=1000";
    if (!after.empty()) target += "&after=" + escape_path_segment(after);
    auto reply = client.call(http::verb::get, target);
    const auto* ok = accepted(reply, err, "");
    if (ok == nullptr) return 1;
    const auto* page =
        ok->body.is_object() ? ok->body.as_object().if_contains("messages") : nullptr;
    if (page == nullptr || !page->is_array()) {
      err << "sluicectl: admin API sent a listing without messages\n";
      return 1;
    }
    for (const auto& m : page->as_array()) messages.push_back(m);
    const auto* next = ok->body.as_object().if_contains("next_after");
    if (next == nullptr || !next->is_string()) break;
    std::string next_after(next->as_string());
    if (next_after <= after) {  // a server going backwards would loop forever
      err << "sluicectl: admin API paging did not advance\n";
      return 1;
    }
    after = std::move(next_after);
  }
  auto empty = dead && !held   ? "Dead list is empty"
               : held && !dead ? "No held messages"
                               : "Mail queue is empty";
  out << render_listing(messages, zone, empty);
  return 0;
}

}  // namespace

int run_queue_command(AdminClient& client, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, TimeZone zone) {
  bool dead = false;
  bool held = false;
  std::size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    if (args[i] == "--dead") {
      dead = true;
    } else if (args[i] == "--held") {
      held = true;
    } else {
      err << "sluicectl: queue: unknown option " << args[i] << "\n" << kQueueUsage;
      return 2;
    }
  }
  if (i == args.size()) return list(client, dead, held, out, err, zone);
  if (dead || held) {
    err << kQueueUsage;
    return 2;
  }

  const std::string& verb = args[i];
  std::size_t operands = args.size() - i - 1;
  if (verb == "flush" && operands == 0) {
    auto reply = client.call(http::verb::post, "/api/queue/flush");
    const auto* ok = accepted(reply, err, "");
    if (ok == nullptr) return 1;
    const auto* n = ok->body.is_object() ? ok->body.as_object().if_contains("flushed") : nullptr;
    out << "queue flushed: " << (n && n->is_number() ? boost::json::serialize(*n) : "?")
        << " messages due now\n";
    return 0;
  }
  struct Action {
    const char* name;
    http::verb method;
    const char* suffix;
    const char* done;
  };
  static constexpr Action kActions[] = {
      {"show", http::verb::get, "", nullptr},
      {"delete", http::verb::delete_, "", "deleted"},
      {"hold", http::verb::post, "/hold", "held"},
      {"release", http::verb::post, "/release", "released"},
      {"requeue", http::verb::post, "/requeue", "requeued"},
  };
  for (const auto& action : kActions) {
    if (verb != action.name) continue;
    if (operands != 1) break;
    const std::string& id = args[i + 1];
    auto reply =
        client.call(action.method, "/api/queue/" + escape_path_segment(id) + action.suffix);
    const auto* ok = accepted(reply, err, id);
    if (ok == nullptr) return 1;
    if (action.done != nullptr) {
      out << id << ": " << action.done << "\n";
    } else if (ok->body.is_object()) {
      out << render_message(ok->body.as_object(), zone);
    }
    return 0;
  }
  err << "sluicectl: queue: bad command: " << verb << "\n" << kQueueUsage;
  return 2;
}

}  // namespace sluice::ctl
