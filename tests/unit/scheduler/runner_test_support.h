#pragma once
// What the queue runner's tests share: a transport whose results the test scripts (it can hold
// deliveries open), a router over a fixed list of accounts, DeliveryEvents that record what
// they hear, and a fixture that drives a real
// QueueRunner over the in-memory store with a manual clock. Single-threaded: the test thread
// runs the io_context in short slices (run_until), so the runner's strand is the test thread.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "manual_clock.h"
#include "memory_queue_store.h"
#include "sluice/config/values.h"
#include "sluice/scheduler/queue_runner.h"

namespace sluice::scheduler::test {

// A transport whose results the test chooses; it can also hold deliveries open.
class ScriptedTransport final : public delivery::Transport {
 public:
  delivery::RecipientOutcome outcome = delivery::RecipientOutcome::delivered;
  std::unordered_map<std::string, delivery::RecipientOutcome>
      outcomes;                // by recipient, else `outcome`
  bool account_fails = false;  // every recipient comes back unjudged, the account blamed
  bool hold_open = false;
  std::vector<delivery::DeliveryRequest> requests;
  std::vector<Done> open;

  void deliver(delivery::DeliveryRequest request, Done done) override {
    requests.push_back(request);
    if (hold_open) {
      open.push_back(std::move(done));
      return;
    }
    done(result_for(request));
  }
  delivery::DeliveryResult result_for(const delivery::DeliveryRequest& request) const {
    using delivery::RecipientOutcome;
    delivery::DeliveryResult result{"scripted[test]", {}, {}};
    for (const auto& r : request.recipients) {
      if (account_fails) {  // no reply: the connection was refused
        result.recipients.push_back(
            {r, RecipientOutcome::deferred, "451 4.4.1 connection refused", true, 0});
        continue;
      }
      auto it = outcomes.find(r);
      const auto o = it == outcomes.end() ? outcome : it->second;
      result.recipients.push_back({r, o,
                                   o == RecipientOutcome::delivered ? "250 2.0.0 ok"
                                   : o == RecipientOutcome::failed  ? "550 5.1.1 no such user"
                                                                    : "451 4.3.0 later",
                                   false,
                                   std::uint16_t(o == RecipientOutcome::delivered ? 250
                                                 : o == RecipientOutcome::failed  ? 550
                                                                                  : 451)});
    }
    if (account_fails)
      result.fault =
          delivery::AccountFault{delivery::AccountFaultKind::unavailable, "connection refused"};
    return result;
  }
  // Completes the delivery held open at `index` (of requests) with the scripted result.
  void complete(std::size_t index) { open.at(index)(result_for(requests.at(index))); }
};

// Accounts in a fixed order; the first usable one not yet tried wins.
class ScriptedRouter final : public Router {
 public:
  struct Account {
    std::string name;
    delivery::Transport* transport;
    bool usable = true;
  };
  std::vector<Account> accounts;
  bool busy = false;
  SystemTime retry_at{};
  std::vector<std::string> finished_accounts;

  RouteChoice pick(const queue::QueuedMessage&, const std::unordered_set<std::string>& tried,
                   SystemTime) override {
    RouteChoice choice;
    if (busy) return choice;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      if (!accounts[i].usable || tried.contains(accounts[i].name)) continue;
      Route route;
      route.transport = accounts[i].transport;
      route.account = i;
      route.account_name = accounts[i].name;
      choice.route = std::move(route);
      return choice;
    }
    choice.reason = NoRouteReason::unavailable;
    choice.retry_at = retry_at;
    choice.why = "no usable account";
    return choice;
  }
  void finished(const Route& route, const delivery::DeliveryResult&, SystemTime) override {
    finished_accounts.push_back(route.account_name);
  }
};

// DeliveryEvents that remember every call; recipients() calls are summed by (account, result,
// reply code), with the number of calls kept too (each pair is reported once per leg).
class RecordingEvents final : public DeliveryEvents {
 public:
  using Key = std::tuple<std::string, RecipientResult, std::uint16_t>;
  std::map<std::string, int> attempts;
  std::map<Key, std::uint32_t> recipients_by;
  std::size_t recipient_calls = 0;
  std::vector<std::chrono::system_clock::duration> latencies;

  void attempt(const std::string& account) override { ++attempts[account]; }
  void recipients(const std::string& account, RecipientResult result, std::uint16_t reply_code,
                  std::uint32_t count) override {
    recipients_by[{account, result, reply_code}] += count;
    ++recipient_calls;
  }
  void delivered(std::chrono::system_clock::duration since_arrival) override {
    latencies.push_back(since_arrival);
  }
};

class RunnerTest : public ::testing::Test {
 protected:
  void enqueue(const std::string& id, std::vector<std::string> rcpts = {"a@x"},
               std::string sender = "", std::string campaign = "", std::string group = "") {
    queue::QueuedMessage m;
    m.id = id;
    m.sender = sender;
    m.arrival = clock.now();
    m.next_attempt = clock.now();
    m.campaign = std::move(campaign);
    m.campaign_group = std::move(group);
    for (auto& r : rcpts) m.recipients.push_back({r, mail::RecipientState::pending, {}});
    store.enqueue(m, "Subject: x\r\n\r\nbody\r\n", [](Result<void> r) { ASSERT_TRUE(r); });
  }
  // A message of `campaign` (its X-Campaign-Group header as `group`).
  void enqueue_campaign(const std::string& id, std::string campaign, std::string group = "") {
    enqueue(id, {"a@x"}, "", std::move(campaign), std::move(group));
  }
  std::unique_ptr<QueueRunner> make_runner(delivery::Transport* transport,
                                           std::size_t concurrency = 8) {
    router.accounts = {{"only", transport}};
    return make_runner(concurrency);
  }
  static RunnerSettings settings(std::size_t concurrency) {
    RunnerSettings settings;
    settings.concurrency = concurrency;
    settings.retry.backoff = {std::chrono::seconds(300), std::chrono::seconds(4000)};
    settings.idle_poll = std::chrono::milliseconds(5);
    settings.myhostname = "relay.test";
    settings.refresh_min = std::chrono::milliseconds(0);  // the manual clock does not move itself
    return settings;
  }
  std::unique_ptr<QueueRunner> make_runner(std::size_t concurrency) {
    return std::make_unique<QueueRunner>(io, store, router, ids, clock, settings(concurrency),
                                         [] { return 1.0; });
  }
  // Runs the loop until `done` holds or a bounded number of short slices passes.
  template <class Pred>
  bool run_until(Pred done) {
    for (int i = 0; i < 200 && !done(); ++i) {
      io.restart();  // the loop stops whenever it runs out of work
      io.run_for(std::chrono::milliseconds(5));
    }
    return done();
  }
  // Runs the loop for a while, for checks that nothing (more) happens.
  void run_for(std::chrono::milliseconds how_long) {
    io.restart();
    io.run_for(how_long);
  }

  boost::asio::io_context io;
  testing::ManualClock clock;
  testing::MemoryQueueStore store;
  ScriptedRouter router;
  mail::QueueIdGenerator ids{clock, 7};
};

// A runner with campaigns configured and one scripted account, and blocking wrappers around
// its asynchronous ControlService.
class CampaignFixture : public RunnerTest {
 protected:
  static CampaignConfig campaign(std::string id, const std::string& rate = "0",
                                 std::uint32_t priority = 1, std::string group = "") {
    CampaignConfig c;
    c.id = std::move(id);
    auto parsed = config::parse_rate(rate);
    EXPECT_TRUE(parsed) << rate;
    if (parsed) c.rate = parsed->per_second;
    c.rate_text = rate;
    c.priority = priority;
    c.group = std::move(group);
    return c;
  }
  static ControlRequest request(ControlTarget target, std::string name, ControlAction action) {
    ControlRequest r;
    r.target = target;
    r.name = std::move(name);
    r.action = action;
    r.actor = "ops-token";
    r.client = "192.0.2.7";
    r.reason = "testing";
    return r;
  }
  static ControlRequest campaign_request(std::string id, ControlAction action) {
    return request(ControlTarget::campaign, std::move(id), action);
  }
  static ControlRequest set_rate(std::string id, std::string rate,
                                 std::optional<std::chrono::seconds> expires_in = {}) {
    auto r = campaign_request(std::move(id), ControlAction::set_rate);
    r.rate = std::move(rate);
    r.expires_in = expires_in;
    return r;
  }

  // A runner over `store` with `configured` campaigns, started.
  std::unique_ptr<QueueRunner> start_runner(std::vector<CampaignConfig> configured = {},
                                            std::size_t concurrency = 8) {
    router.accounts = {{"only", &transport}};
    auto runner = make_runner(concurrency);
    runner->configure_campaigns(std::move(configured), CampaignConfig{});
    runner->set_events(&events);
    runner->start();
    return runner;
  }
  // Stops and drops the runner after its queued work has run (a shutdown, before a restart).
  void shut_down() {
    runner->stop();
    run_for(std::chrono::milliseconds(20));
    runner.reset();
  }

  Result<AuditEntry> apply(ControlRequest r) {
    std::optional<Result<AuditEntry>> out;
    runner->controls().apply(std::move(r), [&](Result<AuditEntry> e) { out = std::move(e); });
    EXPECT_TRUE(run_until([&] { return out.has_value(); })) << "apply never answered";
    return out ? std::move(*out) : Result<AuditEntry>(make_error("no answer"));
  }
  std::vector<AuditEntry> audit(AuditQuery query = {}) {
    std::optional<Result<std::vector<AuditEntry>>> out;
    runner->controls().audit(std::move(query),
                             [&](Result<std::vector<AuditEntry>> e) { out = std::move(e); });
    EXPECT_TRUE(run_until([&] { return out.has_value(); })) << "audit never answered";
    if (!out || !*out) return {};
    return std::move(**out);
  }
  std::optional<CampaignView> view(std::string id) {
    bool answered = false;
    std::optional<CampaignView> out;
    runner->controls().campaign(std::move(id), [&](std::optional<CampaignView> v) {
      out = std::move(v);
      answered = true;
    });
    EXPECT_TRUE(run_until([&] { return answered; }));
    return out;
  }
  std::vector<CampaignView> views() {
    std::optional<std::vector<CampaignView>> out;
    runner->controls().campaigns([&](std::vector<CampaignView> v) { out = std::move(v); });
    EXPECT_TRUE(run_until([&] { return out.has_value(); }));
    return out ? *out : std::vector<CampaignView>{};
  }

  bool queued(const std::string& id) { return static_cast<bool>(store.find(id)); }
  // Deliveries handed to the transport for messages whose id starts with `prefix`.
  std::size_t sent(const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& r : transport.requests) n += r.id.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  std::optional<std::string> state(const std::string& key) {
    auto value = store.get_state(key);
    return value ? *value : std::nullopt;
  }

  // The runner's view, answered on its strand.
  SchedulerView scheduler_view() {
    std::optional<SchedulerView> out;
    runner->view([&](SchedulerView v) { out = v; });
    EXPECT_TRUE(run_until([&] { return out.has_value(); })) << "view never answered";
    return out.value_or(SchedulerView{});
  }

  ScriptedTransport transport;
  RecordingEvents events;
  std::unique_ptr<QueueRunner> runner;  // declared last: destroyed before what it uses
};

}  // namespace sluice::scheduler::test
