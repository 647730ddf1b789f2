// The run-time control routes end to end: a real AdminServer on loopback, a fake
// ControlService behind it.
#include "sluice/admin/control_api.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "fake_control_service.h"
#include "loopback_client.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/queue_json.h"

namespace sluice::admin {
namespace {

using namespace std::chrono_literals;
using scheduler::ControlAction;
using scheduler::ControlTarget;
using testing::HttpAnswer;

constexpr const char* kToken = "control-test-token";

std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class ControlApiTest : public ::testing::Test {
 protected:
  ControlApiTest() {
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}};
    AdminServerOptions options;
    options.logger = std::make_shared<spdlog::logger>(
        "control-api-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<AdminServer>(io.get_executor(), settings, options);
    register_control_api(server->router(), service);
    EXPECT_TRUE(server->start().ok());
  }

  HttpAnswer call(http::verb method, const std::string& target, const std::string& body = "",
                  const std::string& token = kToken) {
    return testing::http_call(io, server->port(), method, target, token, body);
  }

  // Asserts a 400 whose error contains `why` and that the service was not asked.
  void expect_bad_request(http::verb method, const std::string& target, const std::string& body,
                          const std::string& why) {
    auto a = call(method, target, body);
    EXPECT_EQ(a.status, 400u) << target << " " << body;
    EXPECT_NE(text(a.json.at("error")).find(why), std::string::npos)
        << body << " -> " << a.message.body();
    EXPECT_TRUE(service.requests().empty()) << body;
  }

  testing::FakeControlService service;
  boost::asio::io_context io;
  std::unique_ptr<AdminServer> server;
};

TEST_F(ControlApiTest, EveryRouteNeedsAToken) {
  const std::vector<std::pair<http::verb, std::string>> routes = {
      {http::verb::put, "/api/campaigns/a/rate"},    {http::verb::post, "/api/campaigns/a/pause"},
      {http::verb::post, "/api/campaigns/a/resume"}, {http::verb::post, "/api/campaigns/a/cancel"},
      {http::verb::post, "/api/groups/g/pause"},     {http::verb::post, "/api/groups/g/resume"},
      {http::verb::put, "/api/accounts/x/limits"},   {http::verb::get, "/api/campaigns"},
      {http::verb::get, "/api/campaigns/a"},         {http::verb::get, "/api/audit"},
  };
  for (const auto& [method, target] : routes) {
    EXPECT_EQ(call(method, target, R"({"rate": "1/s"})", "").status, 401u) << target;
    EXPECT_EQ(call(method, target, R"({"rate": "1/s"})", "not-the-token").status, 401u) << target;
  }
  EXPECT_TRUE(service.requests().empty());
  EXPECT_TRUE(service.queries().empty());
}

TEST_F(ControlApiTest, SetRatePassesEveryFieldAndAnswersWithTheAuditEntry) {
  auto a =
      call(http::verb::put, "/api/campaigns/spring-sale/rate",
           R"({"rate": "10/s", "burst": 5, "expires_in": "30m", "reason": "site overloaded"})");
  ASSERT_EQ(a.status, 200u) << a.message.body();
  auto requests = service.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.target, ControlTarget::campaign);
  EXPECT_EQ(r.name, "spring-sale");
  EXPECT_EQ(r.action, ControlAction::set_rate);
  EXPECT_EQ(r.rate, "10/s");
  EXPECT_EQ(r.burst, 5u);
  EXPECT_EQ(r.expires_in, std::chrono::seconds(1800));
  EXPECT_EQ(r.reason, "site overloaded");
  EXPECT_EQ(r.actor, "ops");
  EXPECT_TRUE(r.client.starts_with("127.0.0.1:")) << r.client;
  EXPECT_FALSE(r.hourly_limit || r.daily_limit);

  EXPECT_EQ(text(a.json.at("time")), format_rfc3339(testing::FakeControlService::entry_time()));
  EXPECT_EQ(text(a.json.at("actor")), "ops");
  EXPECT_EQ(text(a.json.at("client")), r.client);
  EXPECT_EQ(text(a.json.at("target")), "campaign");
  EXPECT_EQ(text(a.json.at("name")), "spring-sale");
  EXPECT_EQ(text(a.json.at("action")), "set_rate");
  EXPECT_EQ(text(a.json.at("old_value")), "rate=50/s paused=no");
  EXPECT_EQ(text(a.json.at("new_value")), "rate=10/s");
  EXPECT_EQ(text(a.json.at("reason")), "site overloaded");
}

TEST_F(ControlApiTest, SetRateOptionalMembersAndEncodedIds) {
  ASSERT_EQ(
      call(http::verb::put, "/api/campaigns/spring%20sale%2F2/rate", R"({"rate": " 0 "})").status,
      200u);
  auto r = service.requests().at(0);
  EXPECT_EQ(r.name, "spring sale/2");
  EXPECT_EQ(r.rate, "0");  // unlimited, trimmed as the configuration would
  EXPECT_FALSE(r.burst.has_value());
  EXPECT_FALSE(r.expires_in.has_value());
  EXPECT_EQ(r.reason, "");
  ASSERT_EQ(call(http::verb::put, "/api/campaigns/a/rate",
                 R"({"rate": "600/m", "burst": null, "expires_in": null, "reason": null})")
                .status,
            200u);
  EXPECT_FALSE(service.requests().at(1).burst.has_value());
}

TEST_F(ControlApiTest, SetRateRejectsBadBodiesBeforeTheService) {
  const std::string t = "/api/campaigns/a/rate";
  const auto put = http::verb::put;
  expect_bad_request(put, t, "", "rate is required");
  expect_bad_request(put, t, "{}", "rate is required");
  expect_bad_request(put, t, R"(["10/s"])", "the body must be a JSON object");
  expect_bad_request(put, t, R"("10/s")", "the body must be a JSON object");
  expect_bad_request(put, t, R"({"rate": "10/s", "expire_in": "30m"})",
                     "unknown member 'expire_in'");
  expect_bad_request(put, t, R"({"rate": "fast"})",
                     "rate: 'fast' is not a rate (N/s, N/m or N/h, or 0 for unlimited)");
  expect_bad_request(put, t, R"({"rate": "10"})", "rate: '10' is not a rate");
  expect_bad_request(put, t, R"({"rate": 10})", "rate must be a string");
  expect_bad_request(put, t, R"({"rate": "1/s", "burst": -1})", "burst must be a whole number");
  expect_bad_request(put, t, R"({"rate": "1/s", "burst": 1.5})", "burst must be a whole number");
  expect_bad_request(put, t, R"({"rate": "1/s", "burst": "5"})", "burst must be a whole number");
  expect_bad_request(put, t, R"({"rate": "1/s", "burst": 4294967296})",
                     "burst must be a whole number 0..4294967295");
  expect_bad_request(put, t, R"({"rate": "1/s", "expires_in": "soon"})",
                     "expires_in: 'soon' is not a time");
  expect_bad_request(put, t, R"({"rate": "1/s", "expires_in": "0s"})",
                     "expires_in must be longer than 0s");
  expect_bad_request(put, t, R"({"rate": "1/s", "expires_in": 1800})",
                     "expires_in must be a string");
  expect_bad_request(put, t, R"({"rate": "1/s", "reason": 5})", "reason must be a string");
  // The largest burst still fits.
  EXPECT_EQ(call(put, t, R"({"rate": "1/s", "burst": 4294967295})").status, 200u);
  EXPECT_EQ(service.requests().at(0).burst, 4294967295u);
}

TEST_F(ControlApiTest, PauseResumeCancelWithAndWithoutReason) {
  struct Case {
    std::string path;
    ControlTarget target;
    std::string name;
    ControlAction action;
  };
  const std::vector<Case> cases = {
      {"/api/campaigns/c1/pause", ControlTarget::campaign, "c1", ControlAction::pause},
      {"/api/campaigns/c1/resume", ControlTarget::campaign, "c1", ControlAction::resume},
      {"/api/campaigns/c1/cancel", ControlTarget::campaign, "c1", ControlAction::cancel},
      {"/api/groups/acme/pause", ControlTarget::group, "acme", ControlAction::pause},
      {"/api/groups/acme/resume", ControlTarget::group, "acme", ControlAction::resume},
  };
  for (const auto& c : cases) {
    auto bare = call(http::verb::post, c.path);
    ASSERT_EQ(bare.status, 200u) << c.path << ": " << bare.message.body();
    auto with_reason = call(http::verb::post, c.path, R"({"reason": "stale offer"})");
    ASSERT_EQ(with_reason.status, 200u) << c.path;
    EXPECT_EQ(text(with_reason.json.at("reason")), "stale offer");
    EXPECT_EQ(text(with_reason.json.at("target")),
              c.target == ControlTarget::group ? "group" : "campaign");
    auto requests = service.requests();
    ASSERT_GE(requests.size(), 2u);
    for (auto i : {requests.size() - 2, requests.size() - 1}) {
      EXPECT_EQ(requests[i].target, c.target) << c.path;
      EXPECT_EQ(requests[i].name, c.name) << c.path;
      EXPECT_EQ(requests[i].action, c.action) << c.path;
      EXPECT_EQ(requests[i].actor, "ops");
      EXPECT_TRUE(requests[i].rate.empty());
    }
    EXPECT_EQ(requests[requests.size() - 2].reason, "");
    EXPECT_EQ(requests.back().reason, "stale offer");
  }
  const auto before = service.requests().size();
  EXPECT_EQ(call(http::verb::post, "/api/campaigns/c1/pause", R"({"rate": "1/s"})").status, 400u);
  EXPECT_EQ(call(http::verb::post, "/api/groups/g/resume", "[]").status, 400u);
  EXPECT_EQ(call(http::verb::post, "/api/campaigns/c1/cancel", R"({"reason": true})").status, 400u);
  EXPECT_EQ(service.requests().size(), before);
}

TEST_F(ControlApiTest, AccountLimits) {
  auto a = call(http::verb::put, "/api/accounts/shop-ses/limits",
                R"({"rate": "20/s", "burst": 40, "hourly_limit": 1000, "daily_limit": 0,
                    "reason": "provider raised the quota"})");
  ASSERT_EQ(a.status, 200u) << a.message.body();
  EXPECT_EQ(text(a.json.at("target")), "account");
  EXPECT_EQ(text(a.json.at("action")), "set_limits");
  auto r = service.requests().at(0);
  EXPECT_EQ(r.target, ControlTarget::account);
  EXPECT_EQ(r.name, "shop-ses");
  EXPECT_EQ(r.action, ControlAction::set_limits);
  EXPECT_EQ(r.rate, "20/s");
  EXPECT_EQ(r.burst, 40u);
  EXPECT_EQ(r.hourly_limit, 1000u);
  EXPECT_EQ(r.daily_limit, 0u);  // given as 0 (unlimited), not absent
  EXPECT_EQ(r.reason, "provider raised the quota");

  ASSERT_EQ(
      call(http::verb::put, "/api/accounts/shop-ses/limits", R"({"daily_limit": 500})").status,
      200u);
  auto only = service.requests().at(1);
  EXPECT_TRUE(only.rate.empty());
  EXPECT_FALSE(only.burst || only.hourly_limit);
  EXPECT_EQ(only.daily_limit, 500u);
}

TEST_F(ControlApiTest, AccountLimitsRejectsBadBodies) {
  const std::string t = "/api/accounts/x/limits";
  const auto put = http::verb::put;
  expect_bad_request(put, t, "", "nothing to change");
  expect_bad_request(put, t, R"({"reason": "just because"})", "nothing to change");
  expect_bad_request(put, t, R"({"rate": "lots"})", "rate: 'lots' is not a rate");
  expect_bad_request(put, t, R"({"daily": 5})", "unknown member 'daily'");
  expect_bad_request(put, t, R"({"hourly_limit": -5})", "hourly_limit must be a whole number");
  expect_bad_request(put, t, R"({"daily_limit": "5"})", "daily_limit must be a whole number");
  expect_bad_request(put, t, R"({"expires_in": "1h", "daily_limit": 5})",
                     "unknown member 'expires_in'");
}

TEST_F(ControlApiTest, ServiceErrorsMapToStatuses) {
  const std::vector<std::pair<ErrorCode, unsigned>> cases = {
      {ErrorCode::not_found, 404u},
      {ErrorCode::invalid, 400u},
      {ErrorCode::no_space, 507u},
      {ErrorCode::failed, 500u},
  };
  for (const auto& [code, status] : cases) {
    service.fail_next(make_error("no such account: ghost", code));
    auto a = call(http::verb::put, "/api/accounts/ghost/limits", R"({"daily_limit": 1})");
    EXPECT_EQ(a.status, status);
    EXPECT_NE(text(a.json.at("error")).find("no such account: ghost"), std::string::npos)
        << a.message.body();
  }
  service.fail_next(make_error("map full", ErrorCode::no_space));
  auto full = call(http::verb::post, "/api/campaigns/a/pause");
  EXPECT_EQ(full.status, 507u);
  EXPECT_EQ(text(full.json.at("error")), "cannot store the change: map full");
}

scheduler::CampaignView campaign_view(const std::string& id) {
  scheduler::CampaignView c;
  c.id = id;
  c.group = "acme";
  c.configured_rate = "50/s";
  c.effective_rate = "10/s";
  c.rate_expires = SystemTime(std::chrono::seconds(1'764'586'200));
  c.priority = 5;
  c.window = "09:00-21:00 Europe/Moscow";
  c.in_window = true;
  c.queued = 120;
  c.sent = 4000;
  c.deferred = 7;
  c.bounced = 2;
  return c;
}

TEST_F(ControlApiTest, ListAndShowCampaigns) {
  auto paused = campaign_view("old-offer");
  paused.paused = true;
  paused.rate_expires.reset();
  // The scheduler also lists transactional mail (id ""), for the metrics; the API does not.
  service.set_campaigns({campaign_view(""), campaign_view("spring-sale"), paused});
  auto list = call(http::verb::get, "/api/campaigns");
  ASSERT_EQ(list.status, 200u);
  const auto& campaigns = list.json.at("campaigns").as_array();
  ASSERT_EQ(campaigns.size(), 2u);
  const auto& c = campaigns[0].as_object();
  EXPECT_EQ(text(c.at("id")), "spring-sale");
  EXPECT_EQ(text(c.at("group")), "acme");
  EXPECT_EQ(text(c.at("configured_rate")), "50/s");
  EXPECT_EQ(text(c.at("effective_rate")), "10/s");
  EXPECT_EQ(text(c.at("rate_expires")), "2025-12-01T10:50:00Z");
  EXPECT_EQ(c.at("priority").to_number<int>(), 5);
  EXPECT_EQ(c.at("paused").as_bool(), false);
  EXPECT_EQ(c.at("group_paused").as_bool(), false);
  EXPECT_EQ(text(c.at("window")), "09:00-21:00 Europe/Moscow");
  EXPECT_EQ(c.at("in_window").as_bool(), true);
  EXPECT_EQ(text(c.at("state")), "running");
  EXPECT_EQ(c.at("queued").to_number<int>(), 120);
  EXPECT_EQ(c.at("sent").to_number<int>(), 4000);
  EXPECT_EQ(c.at("deferred").to_number<int>(), 7);
  EXPECT_EQ(c.at("bounced").to_number<int>(), 2);
  EXPECT_TRUE(campaigns[1].at("rate_expires").is_null());
  EXPECT_EQ(text(campaigns[1].at("state")), "paused");

  auto one = call(http::verb::get, "/api/campaigns/old-offer");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(text(one.json.at("id")), "old-offer");
  auto missing = call(http::verb::get, "/api/campaigns/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(text(missing.json.at("error")), "no such campaign: nope");

  service.set_campaigns({});
  auto empty = call(http::verb::get, "/api/campaigns");
  ASSERT_EQ(empty.status, 200u);
  EXPECT_TRUE(empty.json.at("campaigns").as_array().empty());
}

TEST_F(ControlApiTest, AuditFiltersReachTheService) {
  scheduler::AuditEntry e;
  e.time = SystemTime(std::chrono::seconds(1'764'584'400));
  e.actor = "monitor";
  e.client = "10.0.0.5:40000";
  e.target = ControlTarget::group;
  e.name = "acme";
  e.action = ControlAction::pause;
  e.old_value = "paused=no";
  e.new_value = "paused=yes";
  e.reason = "site down";
  service.set_audit({e});
  auto a = call(http::verb::get,
                "/api/audit?campaign=spring%20sale&since=2025-12-01T10:00:00%2B01:00&limit=5");
  ASSERT_EQ(a.status, 200u) << a.message.body();
  const auto& entries = a.json.at("entries").as_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(text(entries[0].at("actor")), "monitor");
  EXPECT_EQ(text(entries[0].at("target")), "group");
  EXPECT_EQ(text(entries[0].at("action")), "pause");
  EXPECT_EQ(text(entries[0].at("time")), "2025-12-01T10:20:00Z");
  auto q = service.queries().at(0);
  EXPECT_EQ(q.target, ControlTarget::campaign);
  EXPECT_EQ(q.name, "spring sale");
  EXPECT_EQ(q.since, SystemTime(std::chrono::seconds(1'764'579'600)));  // 09:00Z
  EXPECT_EQ(q.limit, 5u);

  ASSERT_EQ(call(http::verb::get, "/api/audit").status, 200u);
  auto all = service.queries().at(1);
  EXPECT_FALSE(all.target.has_value());
  EXPECT_EQ(all.name, "");
  EXPECT_FALSE(all.since.has_value());
  EXPECT_EQ(all.limit, kDefaultAuditLimit);

  ASSERT_EQ(call(http::verb::get, "/api/audit?group=acme&limit=999999").status, 200u);
  EXPECT_EQ(service.queries().at(2).target, ControlTarget::group);
  EXPECT_EQ(service.queries().at(2).limit, kMaxAuditLimit);
  ASSERT_EQ(call(http::verb::get, "/api/audit?account=shop").status, 200u);
  EXPECT_EQ(service.queries().at(3).target, ControlTarget::account);
  EXPECT_EQ(service.queries().at(3).name, "shop");
}

TEST_F(ControlApiTest, AuditRejectsBadQueries) {
  for (const auto& [query, why] : std::vector<std::pair<std::string, std::string>>{
           {"campaign=a&group=b", "give only one of campaign, group and account"},
           {"campaign=", "campaign must not be empty"},
           {"since=yesterday", "invalid since: 'yesterday'"},
           {"since=2025-12-01", "invalid since"},
           {"limit=0", "invalid limit: 0"},
           {"limit=ten", "invalid limit: ten"},
           {"limit=-1", "invalid limit"},
           {"campaing=a", "unknown parameter 'campaing'"},
       }) {
    auto a = call(http::verb::get, "/api/audit?" + query);
    EXPECT_EQ(a.status, 400u) << query;
    EXPECT_NE(text(a.json.at("error")).find(why), std::string::npos) << a.message.body();
  }
  EXPECT_TRUE(service.queries().empty());
  service.fail_next(make_error("cannot read the audit log"));
  auto failed = call(http::verb::get, "/api/audit");
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(text(failed.json.at("error")), "cannot read the audit log");
}

TEST_F(ControlApiTest, AnswersFromTheServiceThreadAreDelivered) {
  service.set_campaigns({campaign_view("a")});
  service.defer(true);
  // Plays the scheduler's strand: callbacks run there, not on the I/O thread.
  std::atomic<bool> stop{false};
  std::thread scheduler([&] {
    while (!stop.load()) {
      if (service.run_deferred() == 0) std::this_thread::yield();
    }
  });
  auto paused = call(http::verb::post, "/api/campaigns/a/pause");
  auto list = call(http::verb::get, "/api/campaigns");
  auto one = call(http::verb::get, "/api/campaigns/a");
  auto log = call(http::verb::get, "/api/audit");
  stop = true;
  scheduler.join();
  EXPECT_EQ(paused.status, 200u);
  EXPECT_EQ(list.status, 200u);
  EXPECT_EQ(one.status, 200u);
  EXPECT_EQ(log.status, 200u);
}

TEST_F(ControlApiTest, WrongMethodsAre405) {
  EXPECT_EQ(call(http::verb::post, "/api/campaigns/a/rate", R"({"rate": "1/s"})").status, 405u);
  EXPECT_EQ(call(http::verb::get, "/api/campaigns/a/pause").status, 405u);
  EXPECT_EQ(call(http::verb::put, "/api/groups/g/pause").status, 405u);
  EXPECT_EQ(call(http::verb::post, "/api/accounts/x/limits", R"({"daily_limit": 1})").status, 405u);
  EXPECT_EQ(call(http::verb::post, "/api/audit").status, 405u);
  EXPECT_EQ(call(http::verb::delete_, "/api/campaigns/a").status, 405u);
  EXPECT_TRUE(service.requests().empty());
}

}  // namespace
}  // namespace sluice::admin
