// /metrics, /healthz and /readyz over a real loopback socket, served by an admin server without
// tokens, with an in-memory queue, fake account and campaign sources and a manual clock.
#include "sluice/metrics/metrics_endpoints.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "../admin/fake_control_service.h"
#include "../admin/loopback_client.h"
#include "exposition.h"
#include "manual_clock.h"
#include "memory_queue_store.h"
#include "metrics/queue_write_probe.h"
#include "sluice/admin/admin_server.h"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;
using sluice::testing::http_call;
using sluice::testing::sample;
namespace http = admin::http;

class MetricsEndpointsTest : public ::testing::Test {
 protected:
  void start(ScrapeSources sources) {
    sources.store = &store;
    sources.clock = &clock;
    sources.probe_timeout = 50ms;
    admin::AdminServerOptions options;
    options.require_token = false;
    options.log_requests = false;
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{"a-token-nobody-sends", "ops"}};
    server = std::make_unique<admin::AdminServer>(io.get_executor(), settings, options);
    register_metrics_endpoints(server->router(), metrics, std::move(sources));
    auto started = server->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  // Answers later, from the io_context, as the runner's strand would.
  AccountsSource accounts_answering(std::vector<pool::AccountSnapshot> accounts) {
    return [this, accounts](std::function<void(std::vector<pool::AccountSnapshot>)> done) {
      boost::asio::post(io, [accounts, done] { done(accounts); });
    };
  }

  void add(const std::string& id, queue::MessageState state) {
    queue::QueuedMessage m;
    m.id = id;
    m.arrival = clock.now() - 120s;
    m.state = state;
    mail::Recipient r;
    r.address = "r@example.com";
    m.recipients.push_back(r);
    store.enqueue(m, "body", [](Result<void>) {});
  }

  sluice::testing::HttpAnswer get(const std::string& path) {
    return http_call(io, server->port(), http::verb::get, path);
  }

  std::optional<std::string> probe_value() { return *store.get_state(kReadinessProbeKey); }

  boost::asio::io_context io;
  sluice::testing::MemoryQueueStore store;
  sluice::testing::ManualClock clock;
  sluice::testing::FakeControlService controls;
  Metrics metrics{MetricsOptions{{"acct"}, "9.9.9", SystemTime(std::chrono::seconds(1))}};
  std::unique_ptr<admin::AdminServer> server;
};

pool::AccountSnapshot account(std::string name, pool::AccountStatus status) {
  pool::AccountSnapshot a;
  a.name = std::move(name);
  a.pool = "default";
  a.status = status;
  return a;
}

TEST_F(MetricsEndpointsTest, MetricsGathersEverySourceIntoOneExposition) {
  add("A1", queue::MessageState::active);
  add("A2", queue::MessageState::active);
  add("A3", queue::MessageState::active);
  add("A4", queue::MessageState::held);
  scheduler::CampaignView campaign;
  campaign.id = "spring";
  campaign.group = "g";
  campaign.queued = 3;
  campaign.sent = 8;
  controls.set_campaigns({campaign});
  ScrapeSources sources;
  sources.map_limit_bytes = 1 << 30;
  sources.accounts = accounts_answering({account("acct", pool::AccountStatus::up)});
  sources.controls = &controls;
  sources.scheduler_view = [this](std::function<void(scheduler::SchedulerView)> done) {
    boost::asio::post(io, [done] { done(scheduler::SchedulerView{1, 1, 0, 0, 0}); });
  };
  start(std::move(sources));
  metrics.inbound().message_accepted(10, 1ms);

  auto a = get("/metrics");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.message[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = a.message.body();
  EXPECT_EQ(sample(text, "sluice_messages_accepted_total"), 1);
  EXPECT_EQ(sample(text, "sluice_queue_messages{state=\"ready\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_queue_messages{state=\"in_flight\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_queue_messages{state=\"deferred\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_queue_messages{state=\"held\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_queue_oldest_message_age_seconds"), 120);
  EXPECT_EQ(sample(text, "sluice_queue_map_limit_bytes"), 1 << 30);
  EXPECT_EQ(sample(text, "sluice_account_up{account=\"acct\",pool=\"default\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_campaign_sent_total{campaign=\"spring\",group=\"g\"}"), 8);
  EXPECT_EQ(sample(text, "sluice_campaigns_exported"), 1);
  EXPECT_EQ(sample(text, "sluice_build_info{version=\"9.9.9\"}"), 1);
  // The registry's families come once, before the collected ones.
  EXPECT_EQ(text.find("# TYPE sluice_messages_accepted_total"),
            text.rfind("# TYPE sluice_messages_accepted_total"));
}

TEST_F(MetricsEndpointsTest, WithoutOptionalSourcesTheQueueIsStillExported) {
  add("A1", queue::MessageState::active);
  start({});
  auto a = get("/metrics");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(sample(a.message.body(), "sluice_queue_messages{state=\"ready\"}"), 1);
  EXPECT_EQ(a.message.body().find("sluice_account_up"), std::string::npos);
  EXPECT_EQ(a.message.body().find("sluice_campaigns_exported"), std::string::npos);
}

TEST_F(MetricsEndpointsTest, HealthzNeedsNoTokenAndNoSource) {
  start({});
  auto a = get("/healthz");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.message.body(), "ok\n");
  EXPECT_EQ(a.message[http::field::content_type], "text/plain; charset=utf-8");
}

TEST_F(MetricsEndpointsTest, ReadyWhenTheProbeWriteSucceedsAndAnAccountIsUp) {
  ScrapeSources sources;
  sources.accounts = accounts_answering(
      {account("x", pool::AccountStatus::down), account("y", pool::AccountStatus::up)});
  start(std::move(sources));
  auto a = get("/readyz");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.message.body(), "ready\n");
  EXPECT_EQ(probe_value(), std::to_string(to_micros(clock.now())));
}

TEST_F(MetricsEndpointsTest, NotReadyWithoutAnUsableAccount) {
  ScrapeSources sources;
  sources.accounts = accounts_answering(
      {account("x", pool::AccountStatus::resting), account("y", pool::AccountStatus::disabled)});
  start(std::move(sources));
  auto a = get("/readyz");
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.message.body(), "no usable account\n");
}

TEST_F(MetricsEndpointsTest, NotReadyWhenTheQueueCannotBeWrittenAndTheAnswerIsCachedForASecond) {
  ScrapeSources sources;
  sources.accounts = accounts_answering({account("y", pool::AccountStatus::up)});
  start(std::move(sources));
  store.fail_next_writes(1, make_error("disk full", ErrorCode::no_space));
  auto a = get("/readyz");
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.message.body(), "queue not writable: disk full\n");
  clock.advance(900ms);  // still cached: no new write, same answer
  EXPECT_EQ(get("/readyz").message.body(), "queue not writable: disk full\n");
  EXPECT_FALSE(probe_value());
  clock.advance(100ms);
  EXPECT_EQ(get("/readyz").status, 200u);
  const auto written = probe_value();
  clock.advance(500ms);
  EXPECT_EQ(get("/readyz").status, 200u);
  EXPECT_EQ(probe_value(), written);  // at most one probe write per second
}

TEST_F(MetricsEndpointsTest, AProbeWriteThatHangsIsAnsweredAfterTheBoundedWait) {
  ScrapeSources sources;
  sources.accounts = accounts_answering({account("y", pool::AccountStatus::up)});
  start(std::move(sources));
  store.defer_completions(true);
  auto a = get("/readyz");
  EXPECT_EQ(a.status, 503u);
  EXPECT_EQ(a.message.body(), "queue not writable: probe write took longer than 50ms\n");
  // The write still lands later and refreshes the cached answer.
  EXPECT_EQ(store.run_deferred_completions(), 1u);
  EXPECT_EQ(get("/readyz").status, 200u);
}

TEST(UnreadyReason, QueueFirstThenAccounts) {
  const std::vector<pool::AccountSnapshot> up{account("a", pool::AccountStatus::up)};
  EXPECT_EQ(unready_reason(Result<void>{}, up), std::nullopt);
  EXPECT_EQ(unready_reason(make_error("EIO\non disk"), up), "queue not writable: EIO on disk");
  EXPECT_EQ(unready_reason(make_error("x"), {}), "queue not writable: x");
  EXPECT_EQ(unready_reason(Result<void>{}, {}), "no usable account");
  EXPECT_EQ(unready_reason(Result<void>{}, {account("a", pool::AccountStatus::auth_failed)}),
            "no usable account");
}

}  // namespace
}  // namespace sluice::metrics
