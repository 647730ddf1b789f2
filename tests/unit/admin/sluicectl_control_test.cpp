// sluicectl's run-time control commands (campaigns, campaign, group, account limits, audit)
// against a real AdminServer on its own thread with a fake ControlService behind it, and their
// text forms on their own.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <sstream>
#include <thread>

#include "ctl/account_command.h"
#include "ctl/command_args.h"
#include "ctl/control_command.h"
#include "ctl/control_listing.h"
#include "fake_control_service.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/control_api.h"

namespace sluice::ctl {
namespace {

using namespace std::chrono_literals;
using scheduler::ControlAction;
using scheduler::ControlTarget;

constexpr const char* kToken = "ctl-control-token";

TEST(ControlListing, CampaignTable) {
  auto campaigns = boost::json::parse(R"([
    {"id": "spring-sale", "group": "acme", "configured_rate": "50/s", "effective_rate": "10/s",
     "rate_expires": "2025-12-01T10:50:00Z", "priority": 5, "state": "running", "queued": 120,
     "sent": 4000, "deferred": 7, "bounced": 2},
    {"id": "old-offer", "group": "", "configured_rate": "0", "effective_rate": "0",
     "rate_expires": null, "priority": 1, "state": "out-of-window", "queued": 1, "sent": 0,
     "deferred": 0, "bounced": 0}
  ])")
                       .as_array();
  EXPECT_EQ(render_campaigns(campaigns),
            "ID                       GROUP        RATE       EFFECTIVE  PRIO STATE           "
            "QUEUED     SENT DEFERRED  BOUNCED\n"
            "spring-sale              acme         50/s       10/s*         5 running          "
            "  120     4000        7        2\n"
            "old-offer                -            unlimited  unlimited     1 out-of-window    "
            "    1        0        0        0\n"
            "* temporary rate: `sluicectl campaign show ID` says until when\n");
  EXPECT_EQ(render_campaigns({}), "No active campaigns\n");
  auto permanent = boost::json::parse(R"([{"id": "a", "effective_rate": "1/s"}])").as_array();
  EXPECT_EQ(render_campaigns(permanent).find("temporary"), std::string::npos);
}

TEST(ControlListing, CampaignDetail) {
  auto c = boost::json::parse(R"({"id": "spring-sale", "group": "acme", "configured_rate": "50/s",
      "effective_rate": "10/s", "rate_expires": "2025-12-01T10:50:00Z", "priority": 5,
      "paused": false, "group_paused": true, "window": "09:00-21:00 Europe/Moscow",
      "in_window": false, "state": "group-paused", "queued": 120, "sent": 4000, "deferred": 7,
      "bounced": 2})")
               .as_object();
  EXPECT_EQ(render_campaign(c),
            "id:              spring-sale\n"
            "group:           acme\n"
            "state:           group-paused\n"
            "configured rate: 50/s\n"
            "effective rate:  10/s (until 2025-12-01T10:50:00Z)\n"
            "priority:        5\n"
            "paused:          no\n"
            "group paused:    yes\n"
            "window:          09:00-21:00 Europe/Moscow (closed now)\n"
            "queued:          120\n"
            "sent:            4000\n"
            "deferred:        7\n"
            "bounced:         2\n");
  auto sparse = render_campaign(boost::json::parse(R"({"id": "x"})").as_object());
  EXPECT_NE(sparse.find("effective rate:  -\n"), std::string::npos) << sparse;
  EXPECT_NE(sparse.find("window:          -\n"), std::string::npos) << sparse;
}

TEST(ControlListing, ChangeAndAuditLines) {
  auto entry = boost::json::parse(R"({"time": "2025-12-01T10:20:00Z", "actor": "ops",
      "client": "127.0.0.1:5555", "target": "campaign", "name": "spring-sale",
      "action": "set_rate", "old_value": "rate=50/s", "new_value": "rate=10/s",
      "reason": "site overloaded"})");
  EXPECT_EQ(render_change(entry.as_object()),
            "campaign spring-sale: set_rate rate=50/s -> rate=10/s\n");
  auto quiet = boost::json::parse(R"({"time": "2025-12-01T10:21:00Z", "actor": "monitor",
      "client": "10.0.0.5:40000", "target": "group", "name": "acme", "action": "pause",
      "old_value": "", "new_value": "paused=yes", "reason": ""})");
  boost::json::array entries{entry, quiet};
  EXPECT_EQ(render_audit(entries),
            "2025-12-01T10:20:00Z ops 127.0.0.1:5555 campaign spring-sale set_rate rate=50/s -> "
            "rate=10/s \"site overloaded\"\n"
            "2025-12-01T10:21:00Z monitor 10.0.0.5:40000 group acme pause - -> paused=yes\n");
  EXPECT_EQ(render_audit({}), "No audit entries\n");
}

TEST(CommandArgs, OperandsAndOptionsInAnyOrder) {
  auto args = parse_command_args({"rate", "--for", "30m", "a", "--reason=slow down", "10/s"},
                                 {"--for", "--reason", "--burst"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->operands, (std::vector<std::string>{"rate", "a", "10/s"}));
  EXPECT_EQ(*args->option("--for"), "30m");
  EXPECT_EQ(*args->option("--reason"), "slow down");
  EXPECT_EQ(args->option("--burst"), nullptr);
  // A value is taken as it is, even when it looks like an option.
  auto dashed = parse_command_args({"--reason", "--burst"}, {"--reason", "--burst"});
  ASSERT_TRUE(dashed.ok());
  EXPECT_EQ(*dashed->option("--reason"), "--burst");
  EXPECT_EQ(*parse_command_args({"--reason="}, {"--reason"})->option("--reason"), "");
}

TEST(CommandArgs, Errors) {
  auto message = [](std::vector<std::string> words) {
    auto args = parse_command_args(words, {"--reason"});
    return args ? std::string("ok") : args.error().message;
  };
  EXPECT_EQ(message({"--colour", "red"}), "unknown option --colour");
  EXPECT_EQ(message({"a", "--reason"}), "--reason needs a value");
  EXPECT_EQ(message({"--reason", "a", "--reason=b"}), "--reason given twice");
  EXPECT_EQ(message({"-reason", "x"}), "ok");  // one dash: an operand
}

scheduler::CampaignView view(const std::string& id) {
  scheduler::CampaignView c;
  c.id = id;
  c.group = "acme";
  c.configured_rate = "50/s";
  c.effective_rate = "50/s";
  c.priority = 2;
  c.window = "always";
  c.queued = 3;
  return c;
}

class SluicectlControlTest : public ::testing::Test {
 protected:
  SluicectlControlTest() {
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}};
    admin::AdminServerOptions options;
    options.logger = std::make_shared<spdlog::logger>(
        "ctl-control-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<admin::AdminServer>(io.get_executor(), settings, options);
    admin::register_control_api(server->router(), service);
    EXPECT_TRUE(server->start().ok());
    thread = std::thread([this] { io.run_for(60s); });
  }
  ~SluicectlControlTest() override {
    server->stop();
    work.reset();
    io.stop();
    thread.join();
  }

  using Command = int (*)(AdminClient&, const std::vector<std::string>&, std::ostream&,
                          std::ostream&);
  int run(Command command, std::vector<std::string> args, const std::string& token = kToken) {
    out.str("");
    err.str("");
    AdminClient client(AdminEndpoint{"127.0.0.1", server->port(), token, 10s});
    return command(client, args, out, err);
  }
  int audit(std::vector<std::string> args) {
    out.str("");
    err.str("");
    AdminClient client(AdminEndpoint{"127.0.0.1", server->port(), kToken, 10s});
    return run_audit_command(client, args, out, err, now);
  }

  const SystemTime now = SystemTime(std::chrono::seconds(1'764'584'400));  // 10:20:00Z
  testing::FakeControlService service;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<admin::AdminServer> server;
  std::thread thread;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(SluicectlControlTest, CampaignsAndShow) {
  service.set_campaigns({view("spring-sale")});
  ASSERT_EQ(run(run_campaigns_command, {}), 0) << err.str();
  EXPECT_TRUE(out.str().starts_with("ID  ")) << out.str();
  EXPECT_NE(out.str().find("\nspring-sale              acme         50/s       50/s          2 "
                           "running"),
            std::string::npos)
      << out.str();
  ASSERT_EQ(run(run_campaign_command, {"show", "spring-sale"}), 0) << err.str();
  EXPECT_NE(out.str().find("id:              spring-sale\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("window:          always (open now)\n"), std::string::npos);
  EXPECT_EQ(run(run_campaign_command, {"show", "nope"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: no such campaign: nope\n");
  service.set_campaigns({});
  ASSERT_EQ(run(run_campaigns_command, {}), 0);
  EXPECT_EQ(out.str(), "No active campaigns\n");
}

TEST_F(SluicectlControlTest, CampaignRateSendsEveryOption) {
  ASSERT_EQ(run(run_campaign_command, {"rate", "spring sale", "10/s", "--for", "30m", "--burst",
                                       "5", "--reason", "site overloaded"}),
            0)
      << err.str();
  EXPECT_EQ(out.str(), "campaign spring sale: set_rate rate=50/s paused=no -> rate=10/s\n");
  auto r = service.requests().at(0);
  EXPECT_EQ(r.target, ControlTarget::campaign);
  EXPECT_EQ(r.name, "spring sale");
  EXPECT_EQ(r.action, ControlAction::set_rate);
  EXPECT_EQ(r.rate, "10/s");
  EXPECT_EQ(r.burst, 5u);
  EXPECT_EQ(r.expires_in, std::chrono::seconds(1800));
  EXPECT_EQ(r.reason, "site overloaded");
  EXPECT_EQ(r.actor, "ops");

  ASSERT_EQ(run(run_campaign_command, {"rate", "a", "0"}), 0) << err.str();
  auto bare = service.requests().at(1);
  EXPECT_EQ(bare.rate, "0");
  EXPECT_FALSE(bare.burst || bare.expires_in);
  EXPECT_EQ(bare.reason, "");
}

TEST_F(SluicectlControlTest, PauseResumeCancelAndGroups) {
  ASSERT_EQ(run(run_campaign_command, {"pause", "a", "--reason", "stale"}), 0) << err.str();
  EXPECT_EQ(out.str(), "campaign a: pause rate=50/s paused=no -> paused=yes\n");
  ASSERT_EQ(run(run_campaign_command, {"resume", "a"}), 0) << err.str();
  ASSERT_EQ(run(run_campaign_command, {"cancel", "a"}), 0) << err.str();
  ASSERT_EQ(run(run_group_command, {"pause", "acme", "--reason", "site down"}), 0) << err.str();
  EXPECT_EQ(out.str(), "group acme: pause rate=50/s paused=no -> paused=yes\n");
  ASSERT_EQ(run(run_group_command, {"resume", "acme"}), 0) << err.str();
  auto requests = service.requests();
  ASSERT_EQ(requests.size(), 5u);
  const std::vector<std::tuple<ControlTarget, std::string, ControlAction, std::string>> expected = {
      {ControlTarget::campaign, "a", ControlAction::pause, "stale"},
      {ControlTarget::campaign, "a", ControlAction::resume, ""},
      {ControlTarget::campaign, "a", ControlAction::cancel, ""},
      {ControlTarget::group, "acme", ControlAction::pause, "site down"},
      {ControlTarget::group, "acme", ControlAction::resume, ""}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(requests[i].target, std::get<0>(expected[i])) << i;
    EXPECT_EQ(requests[i].name, std::get<1>(expected[i])) << i;
    EXPECT_EQ(requests[i].action, std::get<2>(expected[i])) << i;
    EXPECT_EQ(requests[i].reason, std::get<3>(expected[i])) << i;
  }
}

TEST_F(SluicectlControlTest, AccountLimits) {
  ASSERT_EQ(run(run_account_command, {"limits", "shop", "--rate", "20/s", "--daily", "500",
                                      "--hourly", "0", "--reason", "new plan"}),
            0)
      << err.str();
  EXPECT_EQ(out.str(), "account shop: set_limits rate=50/s paused=no -> rate=20/s\n");
  auto r = service.requests().at(0);
  EXPECT_EQ(r.target, ControlTarget::account);
  EXPECT_EQ(r.name, "shop");
  EXPECT_EQ(r.action, ControlAction::set_limits);
  EXPECT_EQ(r.rate, "20/s");
  EXPECT_EQ(r.daily_limit, 500u);
  EXPECT_EQ(r.hourly_limit, 0u);
  EXPECT_FALSE(r.burst.has_value());
  EXPECT_EQ(r.reason, "new plan");

  ASSERT_EQ(run(run_account_command, {"limits", "shop", "--burst", "7"}), 0) << err.str();
  EXPECT_EQ(service.requests().at(1).burst, 7u);
  EXPECT_TRUE(service.requests().at(1).rate.empty());

  service.fail_next(make_error("no such account: ghost", ErrorCode::not_found));
  EXPECT_EQ(run(run_account_command, {"limits", "ghost", "--daily", "1"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: no such account: ghost\n");
}

TEST_F(SluicectlControlTest, AuditFiltersAndLines) {
  scheduler::AuditEntry e;
  e.time = now;
  e.actor = "ops";
  e.client = "127.0.0.1:5555";
  e.target = ControlTarget::campaign;
  e.name = "a";
  e.action = ControlAction::pause;
  e.old_value = "paused=no";
  e.new_value = "paused=yes";
  e.reason = "stale";
  service.set_audit({e});
  ASSERT_EQ(audit({"--campaign", "a b", "--since", "30m", "--limit", "5"}), 0) << err.str();
  EXPECT_EQ(out.str(),
            "2025-12-01T10:20:00Z ops 127.0.0.1:5555 campaign a pause paused=no -> paused=yes "
            "\"stale\"\n");
  auto q = service.queries().at(0);
  EXPECT_EQ(q.target, ControlTarget::campaign);
  EXPECT_EQ(q.name, "a b");
  EXPECT_EQ(q.since, now - 30min);
  EXPECT_EQ(q.limit, 5u);

  ASSERT_EQ(audit({"--group", "acme", "--since", "2025-12-01T11:00:00+01:00"}), 0) << err.str();
  q = service.queries().at(1);
  EXPECT_EQ(q.target, ControlTarget::group);
  EXPECT_EQ(q.since, now - 20min);  // 10:00Z
  ASSERT_EQ(audit({"--account", "shop"}), 0) << err.str();
  EXPECT_EQ(service.queries().at(2).target, ControlTarget::account);
  ASSERT_EQ(audit({}), 0);
  EXPECT_FALSE(service.queries().at(3).target.has_value());
  EXPECT_FALSE(service.queries().at(3).since.has_value());

  service.set_audit({});
  ASSERT_EQ(audit({}), 0);
  EXPECT_EQ(out.str(), "No audit entries\n");
}

TEST_F(SluicectlControlTest, UsageErrorsExitWith2AndSendNothing) {
  const std::vector<std::pair<Command, std::vector<std::string>>> cases = {
      {run_campaigns_command, {"extra"}},
      {run_campaign_command, {}},
      {run_campaign_command, {"show"}},
      {run_campaign_command, {"show", "a", "--reason", "x"}},
      {run_campaign_command, {"rate", "a"}},
      {run_campaign_command, {"rate", "a", "fast"}},
      {run_campaign_command, {"rate", "a", "1/s", "--for", "soon"}},
      {run_campaign_command, {"rate", "a", "1/s", "--burst", "many"}},
      {run_campaign_command, {"rate", "a", "1/s", "--colour", "red"}},
      {run_campaign_command, {"rate", "a", "1/s", "--reason"}},
      {run_campaign_command, {"pause", "a", "--burst", "3"}},
      {run_campaign_command, {"pause"}},
      {run_campaign_command, {"pause", "a", "b"}},
      {run_campaign_command, {"melt", "a"}},
      {run_group_command, {"stop", "acme"}},
      {run_group_command, {"pause"}},
      {run_group_command, {"pause", "acme", "--for", "1h"}},
      {run_account_command, {"limits", "shop"}},
      {run_account_command, {"limits", "shop", "--reason", "nothing else"}},
      {run_account_command, {"limits", "shop", "--hourly", "-1"}},
      {run_account_command, {"limits", "shop", "--rate", "quick"}},
      {run_account_command, {"limits", "--daily", "5"}},
  };
  for (const auto& [command, args] : cases) {
    std::string words;
    for (const auto& a : args) words += a + " ";
    EXPECT_EQ(run(command, args), 2) << words;
    EXPECT_NE(err.str().find("usage: sluicectl"), std::string::npos) << words << err.str();
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"--campaign", "a", "--group", "b"},
                                        {"--since", "yesterday"},
                                        {"--limit", "0"},
                                        {"--limit", "10001"},
                                        {"extra"},
                                        {"--campaign"}}) {
    EXPECT_EQ(audit(args), 2) << args[0];
    EXPECT_NE(err.str().find("usage: sluicectl audit"), std::string::npos) << err.str();
  }
  EXPECT_TRUE(service.requests().empty());
  EXPECT_TRUE(service.queries().empty());
}

TEST_F(SluicectlControlTest, UsageErrorsSayWhy) {
  EXPECT_EQ(run(run_campaign_command, {"rate", "a", "fast"}), 2);
  EXPECT_TRUE(err.str().starts_with("sluicectl: campaign rate: 'fast' is not a rate")) << err.str();
  EXPECT_EQ(run(run_campaign_command, {"rate", "a", "1/s", "--for", "soon"}), 2);
  EXPECT_TRUE(err.str().starts_with("sluicectl: --for: 'soon' is not a time")) << err.str();
  EXPECT_EQ(run(run_account_command, {"limits", "shop"}), 2);
  EXPECT_TRUE(err.str().starts_with(
      "sluicectl: account limits: give --rate, --burst, --hourly or --daily\n"))
      << err.str();
  EXPECT_EQ(audit({"--campaign", "a", "--account", "b"}), 2);
  EXPECT_TRUE(err.str().starts_with(
      "sluicectl: audit: give only one of --campaign, --group and --account\n"))
      << err.str();
}

TEST_F(SluicectlControlTest, ServerErrorsExitWith1) {
  service.fail_next(make_error("rate below the account's floor", ErrorCode::invalid));
  EXPECT_EQ(run(run_campaign_command, {"rate", "a", "1/h"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: rate below the account's floor\n");
  EXPECT_EQ(run(run_campaign_command, {"pause", "a"}, "wrong-token"), 1);
  EXPECT_EQ(err.str(), "sluicectl: the admin API refused the token\n");
  EXPECT_EQ(run(run_campaigns_command, {}, ""), 1);
  EXPECT_EQ(err.str(), "sluicectl: the admin API refused the token\n");
  service.fail_next(make_error("audit log unreadable"));
  EXPECT_EQ(audit({}), 1);
  EXPECT_EQ(err.str(), "sluicectl: audit log unreadable\n");
}

}  // namespace
}  // namespace sluice::ctl
