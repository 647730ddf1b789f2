// Arbitrary admin API requests into the router and the run-time control routes, as the HTTP
// session dispatches them but without sockets: path matching, percent-decoding of path
// parameters and queries, JSON bodies. Nothing crashes, every routed request is answered exactly
// once, and whatever reaches the control service is well formed (a valid rate, a change to
// make, a bounded audit page).
//
// Input: byte 0 picks the method; then the request target ("/api/...?query") up to the first
// LF, then the body (JSON; empty for none).

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/admin/control_api.h"
#include "sluice/admin/router.h"
#include "sluice/config/values.h"

namespace {

using namespace sluice;
using namespace sluice::admin;
using scheduler::ControlAction;

void check(bool condition) {
  if (!condition) std::abort();
}

// Checks what the routes hand over and answers at once, like a scheduler with no campaigns.
class CheckingService : public scheduler::ControlService {
 public:
  void apply(scheduler::ControlRequest r,
             std::function<void(Result<scheduler::AuditEntry>)> done) override {
    check(!r.name.empty());
    if (!r.rate.empty()) check(config::parse_rate(r.rate).ok());
    if (r.action == ControlAction::set_rate) check(!r.rate.empty());
    if (r.action == ControlAction::set_limits) {
      check(!r.rate.empty() || r.burst || r.hourly_limit || r.daily_limit);
    }
    if (r.expires_in) check(r.expires_in->count() > 0);
    scheduler::AuditEntry entry;
    entry.name = r.name;
    entry.reason = r.reason;
    entry.target = r.target;
    entry.action = r.action;
    done(entry);
  }
  void campaigns(std::function<void(std::vector<scheduler::CampaignView>)> done) override {
    scheduler::CampaignView view;
    view.id = "c1";
    view.rate_expires = SystemTime{};
    done({view});
  }
  void campaign(std::string id,
                std::function<void(std::optional<scheduler::CampaignView>)> done) override {
    check(!id.empty());
    done(std::nullopt);
  }
  void audit(scheduler::AuditQuery query,
             std::function<void(Result<std::vector<scheduler::AuditEntry>>)> done) override {
    check(query.limit >= 1 && query.limit <= kMaxAuditLimit);
    check(!query.target || !query.name.empty());
    done(std::vector<scheduler::AuditEntry>(1));
  }
};

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += hex[u >> 4];
    out += hex[u & 15];
  }
  return out;
}

const Router& router() {
  static CheckingService service;
  static const Router routes = [] {
    Router r;
    register_control_api(r, service);
    return r;
  }();
  return routes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 16 * 1024) return 0;
  constexpr http::verb methods[] = {http::verb::get, http::verb::put, http::verb::post,
                                    http::verb::delete_};
  const http::verb method = methods[data[0] % 4];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto lf = input.find('\n');
  const std::string_view target = input.substr(0, lf);
  const std::string_view body = lf == input.npos ? std::string_view{} : input.substr(lf + 1);
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query = question == target.npos ? "" : target.substr(question + 1);

  auto match = router().match(method, path);
  if (match.outcome != Router::Outcome::found) {
    check(match.handler == nullptr);
    check((match.outcome == Router::Outcome::method_not_allowed) != match.allowed.empty());
    return 0;
  }
  auto parsed_query = parse_query(query);
  if (!parsed_query) return 0;
  for (const auto& [key, value] : *parsed_query) {
    auto again = percent_decode(percent_encode(value), true);
    check(again.ok() && *again == value);
  }
  RequestContext context;
  if (!body.empty()) {
    boost::system::error_code ec;
    context.body = boost::json::parse(body, ec);
    if (ec) return 0;
  }
  context.method = method;
  context.path = std::string(path);
  context.path_params = std::move(match.path_params);
  context.query = std::move(*parsed_query);
  context.token_name = "fuzz";
  context.client = "127.0.0.1:1";
  int replies = 0;
  (*match.handler)(std::move(context), [&replies](Response response) {
    ++replies;
    (void)boost::json::serialize(response.body);
  });
  check(replies == 1);
  return 0;
}
