#include "sluice/admin/accounts_api.h"

#include <boost/json/array.hpp>
#include <memory>

#include "sluice/admin/queue_json.h"

namespace sluice::admin {

namespace {

boost::json::value time_or_null(SystemTime t) {
  if (t == SystemTime{}) return nullptr;
  return boost::json::value(format_rfc3339(t));
}

const pool::AccountSnapshot* find(const AccountsAccess::Snapshot& accounts,
                                  const std::string& name) {
  for (const auto& a : accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Response no_such_account(const std::string& name) {
  return Response::error(http::status::not_found, "no such account: " + name);
}

void set_enabled(const std::shared_ptr<const AccountsAccess>& access, const RequestContext& request,
                 const Reply& reply, bool enabled) {
  const auto name = request.param("name");
  access->set_enabled(name, enabled, request.token_name, request.client,
                      [reply, name](bool found, AccountsAccess::Snapshot accounts) {
    const auto* account = found ? find(accounts, name) : nullptr;
    reply(account ? Response::json(account_json(*account)) : no_such_account(name));
  });
}

}  // namespace

boost::json::object account_json(const pool::AccountSnapshot& a) {
  return {
      {"name", a.name},
      {"pool", a.pool},
      {"endpoint", a.endpoint},
      {"weight", a.weight},
      {"status", pool::to_string(a.status)},
      {"breaker", pool::to_string(a.breaker)},
      {"consecutive_failures", a.consecutive_failures},
      {"in_flight", a.in_flight},
      {"max_connections", a.max_connections},
      {"sent", a.counters.sent},
      {"deferred", a.counters.deferred},
      {"bounced", a.counters.bounced},
      {"faults", a.counters.faults},
      {"last_error", a.last_error},
      {"last_error_at", time_or_null(a.last_error_at)},
      {"resting_until", time_or_null(a.resting_until)},
      {"rate", a.rate},
      {"hourly_limit", a.hourly_limit},
      {"daily_limit", a.daily_limit},
      {"quota_used_hour", a.used_hour},
      {"quota_used_day", a.used_day},
  };
}

void register_accounts_api(Router& router, AccountsAccess access) {
  auto shared = std::make_shared<const AccountsAccess>(std::move(access));
  router.add(http::verb::get, "/api/accounts", [shared](RequestContext, Reply reply) {
    shared->snapshot([reply](AccountsAccess::Snapshot accounts) {
      boost::json::array list;
      for (const auto& a : accounts) list.push_back(account_json(a));
      reply(Response::json(boost::json::object{{"accounts", std::move(list)}}));
    });
  });
  router.add(
      http::verb::get, "/api/accounts/{name}", [shared](RequestContext request, Reply reply) {
        shared->snapshot([reply, name = request.param("name")](AccountsAccess::Snapshot accounts) {
          const auto* account = find(accounts, name);
          reply(account ? Response::json(account_json(*account)) : no_such_account(name));
        });
      });
  router.add(http::verb::post, "/api/accounts/{name}/disable",
             [shared](RequestContext request, Reply reply) {
               set_enabled(shared, request, reply, false);
             });
  router.add(
      http::verb::post, "/api/accounts/{name}/enable",
      [shared](RequestContext request, Reply reply) { set_enabled(shared, request, reply, true); });
}

}  // namespace sluice::admin
