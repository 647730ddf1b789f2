#include "sluice/admin/control_api.h"

#include <boost/json/array.hpp>
#include <charconv>
#include <initializer_list>
#include <limits>

#include "sluice/admin/control_json.h"
#include "sluice/admin/queue_json.h"
#include "sluice/config/values.h"

namespace sluice::admin {

namespace {

using scheduler::ControlAction;
using scheduler::ControlRequest;
using scheduler::ControlService;
using scheduler::ControlTarget;

Error invalid(std::string message) { return make_error(std::move(message), ErrorCode::invalid); }

Response service_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::not_found:
      return Response::error(http::status::not_found, error.message);
    case ErrorCode::invalid:
      return Response::error(http::status::bad_request, error.message);
    case ErrorCode::no_space:
      return Response::error(http::status::insufficient_storage,
                             "cannot store the change: " + error.message);
    case ErrorCode::failed:
      break;
  }
  return Response::error(http::status::internal_server_error, error.message);
}

// The request body as an object with only `allowed` members; no body is an empty object. A
// misspelt member is refused rather than ignored: "expire_in" must not make a change permanent.
Result<boost::json::object> body_object(const boost::json::value& body,
                                        std::initializer_list<std::string_view> allowed) {
  if (body.is_null()) return boost::json::object{};
  if (!body.is_object()) return invalid("the body must be a JSON object");
  for (const auto& member : body.as_object()) {
    bool known = false;
    for (auto name : allowed) known = known || member.key() == name;
    if (!known) return invalid("unknown member '" + std::string(member.key()) + "'");
  }
  return body.as_object();
}

Result<std::optional<std::string>> optional_string(const boost::json::object& body,
                                                   std::string_view name) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return invalid(std::string(name) + " must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<std::uint32_t>> optional_count(const boost::json::object& body,
                                                    std::string_view name) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::uint32_t>{};
  constexpr auto max = std::numeric_limits<std::uint32_t>::max();
  const bool fits =
      (v->is_int64() && v->as_int64() >= 0 && static_cast<std::uint64_t>(v->as_int64()) <= max) ||
      (v->is_uint64() && v->as_uint64() <= max);
  if (!fits)
    return invalid(std::string(name) + " must be a whole number 0.." + std::to_string(max));
  return std::optional<std::uint32_t>(
      static_cast<std::uint32_t>(v->is_int64() ? v->as_int64() : v->as_uint64()));
}

// A rate member checked with the configuration's syntax; the text as written goes on.
Result<std::string> checked_rate(const std::string& text) {
  auto rate = config::parse_rate(text);
  if (!rate) return invalid("rate: " + rate.error().message);
  return rate->text;
}

ControlRequest new_request(ControlTarget target, std::string name, ControlAction action) {
  ControlRequest request;
  request.target = target;
  request.name = std::move(name);
  request.action = action;
  return request;
}

// The reason member, allowed in every change body.
Result<void> read_reason(const boost::json::object& body, ControlRequest& request) {
  auto reason = optional_string(body, "reason");
  if (!reason) return reason.error();
  request.reason = reason->value_or("");
  return {};
}

Result<ControlRequest> rate_request(const RequestContext& http) {
  auto body = body_object(http.body, {"rate", "burst", "expires_in", "reason"});
  if (!body) return body.error();
  auto request = new_request(ControlTarget::campaign, http.param("id"), ControlAction::set_rate);
  auto rate = optional_string(*body, "rate");
  if (!rate) return rate.error();
  if (!*rate) return invalid("rate is required (\"10/s\", \"600/m\", \"0\" for unlimited)");
  auto checked = checked_rate(**rate);
  if (!checked) return checked.error();
  request.rate = *checked;
  auto burst = optional_count(*body, "burst");
  if (!burst) return burst.error();
  request.burst = *burst;
  auto expires = optional_string(*body, "expires_in");
  if (!expires) return expires.error();
  if (*expires) {
    auto duration = config::parse_duration(**expires);
    if (!duration) return invalid("expires_in: " + duration.error().message);
    if (duration->count() == 0) return invalid("expires_in must be longer than 0s");
    request.expires_in = *duration;
  }
  if (auto reason = read_reason(*body, request); !reason) return reason.error();
  return request;
}

Result<ControlRequest> simple_request(const RequestContext& http, ControlTarget target,
                                      const std::string& name, ControlAction action) {
  auto body = body_object(http.body, {"reason"});
  if (!body) return body.error();
  auto request = new_request(target, name, action);
  if (auto reason = read_reason(*body, request); !reason) return reason.error();
  return request;
}

Result<ControlRequest> limits_request(const RequestContext& http) {
  auto body = body_object(http.body, {"rate", "burst", "hourly_limit", "daily_limit", "reason"});
  if (!body) return body.error();
  auto request = new_request(ControlTarget::account, http.param("name"), ControlAction::set_limits);
  auto rate = optional_string(*body, "rate");
  if (!rate) return rate.error();
  if (*rate) {
    auto checked = checked_rate(**rate);
    if (!checked) return checked.error();
    request.rate = *checked;
  }
  for (auto [name, out] :
       {std::pair{"burst", &request.burst}, std::pair{"hourly_limit", &request.hourly_limit},
        std::pair{"daily_limit", &request.daily_limit}}) {
    auto count = optional_count(*body, name);
    if (!count) return count.error();
    *out = *count;
  }
  if (request.rate.empty() && !request.burst && !request.hourly_limit && !request.daily_limit) {
    return invalid("nothing to change: give rate, burst, hourly_limit or daily_limit");
  }
  if (auto reason = read_reason(*body, request); !reason) return reason.error();
  return request;
}

void apply(ControlService& service, Result<ControlRequest> parsed, const RequestContext& http,
           const Reply& reply) {
  if (!parsed) return reply(Response::error(http::status::bad_request, parsed.error().message));
  ControlRequest request = std::move(*parsed);
  request.actor = http.token_name;
  request.client = http.client;
  service.apply(std::move(request), [reply](Result<scheduler::AuditEntry> entry) {
    reply(entry ? Response::json(to_json(*entry)) : service_error(entry.error()));
  });
}

Result<scheduler::AuditQuery> audit_query(const RequestContext& http) {
  scheduler::AuditQuery query;
  for (const auto& [key, value] : http.query) {
    if (auto target = parse_target(key)) {
      if (query.target) return invalid("give only one of campaign, group and account");
      if (value.empty()) return invalid(key + " must not be empty");
      query.target = target;
      query.name = value;
    } else if (key == "since") {
      auto since = parse_rfc3339(value);
      if (!since) return invalid("invalid since: '" + value + "' (RFC 3339: 2026-12-01T10:00:00Z)");
      query.since = since;
    } else if (key == "limit") {
      std::size_t limit = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || end != value.data() + value.size() || limit == 0) {
        return invalid("invalid limit: " + value);
      }
      query.limit = std::min(limit, kMaxAuditLimit);
    } else {
      return invalid("unknown parameter '" + key + "'");
    }
  }
  return query;
}

void audit(ControlService& service, const RequestContext& http, const Reply& reply) {
  auto query = audit_query(http);
  if (!query) return reply(Response::error(http::status::bad_request, query.error().message));
  service.audit(std::move(*query), [reply](Result<std::vector<scheduler::AuditEntry>> entries) {
    if (!entries) return reply(service_error(entries.error()));
    boost::json::array list;
    for (const auto& e : *entries) list.push_back(to_json(e));
    reply(Response::json(boost::json::object{{"entries", std::move(list)}}));
  });
}

}  // namespace

void register_control_api(Router& router, ControlService& service) {
  using Build = std::function<Result<ControlRequest>(const RequestContext&)>;
  auto change = [&service](Build build) {
    return [&service, build = std::move(build)](RequestContext request, Reply reply) {
      apply(service, build(request), request, reply);
    };
  };
  auto simple = [&](ControlTarget target, const char* param, ControlAction action) {
    return change([target, param, action](const RequestContext& request) {
      return simple_request(request, target, request.param(param), action);
    });
  };
  router.add(http::verb::put, "/api/campaigns/{id}/rate", change(rate_request));
  router.add(http::verb::post, "/api/campaigns/{id}/pause",
             simple(ControlTarget::campaign, "id", ControlAction::pause));
  router.add(http::verb::post, "/api/campaigns/{id}/resume",
             simple(ControlTarget::campaign, "id", ControlAction::resume));
  router.add(http::verb::post, "/api/campaigns/{id}/cancel",
             simple(ControlTarget::campaign, "id", ControlAction::cancel));
  router.add(http::verb::post, "/api/groups/{group}/pause",
             simple(ControlTarget::group, "group", ControlAction::pause));
  router.add(http::verb::post, "/api/groups/{group}/resume",
             simple(ControlTarget::group, "group", ControlAction::resume));
  router.add(http::verb::put, "/api/accounts/{name}/limits", change(limits_request));

  router.add(http::verb::get, "/api/campaigns", [&service](RequestContext, Reply reply) {
    service.campaigns([reply](std::vector<scheduler::CampaignView> campaigns) {
      boost::json::array list;
      for (const auto& c : campaigns) {
        if (!c.id.empty()) list.push_back(to_json(c));  // transactional mail is no campaign
      }
      reply(Response::json(boost::json::object{{"campaigns", std::move(list)}}));
    });
  });
  router.add(
      http::verb::get, "/api/campaigns/{id}", [&service](RequestContext request, Reply reply) {
        auto id = request.param("id");
        service.campaign(id, [reply, id](std::optional<scheduler::CampaignView> campaign) {
          reply(campaign ? Response::json(to_json(*campaign))
                         : Response::error(http::status::not_found, "no such campaign: " + id));
        });
      });
  router.add(http::verb::get, "/api/audit",
             [&service](RequestContext request, Reply reply) { audit(service, request, reply); });
}

}  // namespace sluice::admin
