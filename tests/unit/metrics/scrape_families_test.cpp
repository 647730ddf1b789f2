// The scrape-time families: queue states from the store and the scheduler's view, accounts
// from the pool's snapshots, and which campaigns are exported (activity, linger, cap, order).
#include "sluice/metrics/scrape_families.h"

#include <gtest/gtest.h>

#include "exposition.h"
#include "sluice/metrics/metrics.h"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;
using sluice::testing::sample;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'700'000'000));

std::string text_of(const Families& families) {
  Metrics m(MetricsOptions{});
  return m.expose(families);
}

queue::QueueStats stats(std::uint64_t active, std::uint64_t held, std::uint64_t dead) {
  queue::QueueStats s;
  s.active = active;
  s.held = held;
  s.dead = dead;
  s.messages = active + held + dead;
  s.map_used_bytes = 4096 * 10;
  s.map_size_bytes = 1 << 20;
  return s;
}

std::string state(const char* name) {
  return std::string("sluice_queue_messages{state=\"") + name + "\"}";
}

TEST(QueueFamilies, WithoutASchedulerViewEveryActiveMessageIsReady) {
  QueueFacts facts;
  facts.stats = stats(7, 2, 3);
  facts.map_limit_bytes = 1 << 30;
  const auto text = text_of(queue_families(facts, kNow));
  EXPECT_EQ(sample(text, state("ready")), 7);
  for (auto s : {"in_flight", "deferred", "waiting_window", "waiting_quota", "paused"}) {
    EXPECT_EQ(sample(text, state(s)), 0) << s;
  }
  EXPECT_EQ(sample(text, state("held")), 2);
  EXPECT_EQ(sample(text, state("dead")), 3);
  EXPECT_EQ(sample(text, "sluice_queue_map_used_bytes"), 40960);
  EXPECT_EQ(sample(text, "sluice_queue_map_size_bytes"), 1 << 20);
  EXPECT_EQ(sample(text, "sluice_queue_map_limit_bytes"), 1 << 30);
  EXPECT_EQ(sample(text, "sluice_queue_oldest_message_age_seconds"), 0);  // none found
}

TEST(QueueFamilies, TheViewSplitsActiveMailAndTheRestIsDeferred) {
  QueueFacts facts;
  facts.stats = stats(20, 0, 0);
  facts.view = scheduler::SchedulerView{3, 2, 4, 1, 5};
  const auto text = text_of(queue_families(facts, kNow));
  EXPECT_EQ(sample(text, state("ready")), 3);
  EXPECT_EQ(sample(text, state("in_flight")), 2);
  EXPECT_EQ(sample(text, state("waiting_window")), 4);
  EXPECT_EQ(sample(text, state("waiting_quota")), 1);
  EXPECT_EQ(sample(text, state("paused")), 5);
  EXPECT_EQ(sample(text, state("deferred")), 5);  // 20 - 15
}

TEST(QueueFamilies, DeferredNeverGoesNegativeWhenTheViewIsAhead) {
  QueueFacts facts;
  facts.stats = stats(4, 0, 0);
  facts.view = scheduler::SchedulerView{3, 2, 0, 0, 0};
  EXPECT_EQ(sample(text_of(queue_families(facts, kNow)), state("deferred")), 0);
}

TEST(QueueFamilies, OldestMessageAgeAndUnknownAgeIsLeftOut) {
  QueueFacts facts;
  facts.stats = stats(1, 0, 0);
  facts.oldest_arrival = kNow - 90s;
  EXPECT_EQ(sample(text_of(queue_families(facts, kNow)), "sluice_queue_oldest_message_age_seconds"),
            90);
  facts.oldest_arrival = kNow + 5s;  // a clock stepped back
  EXPECT_EQ(sample(text_of(queue_families(facts, kNow)), "sluice_queue_oldest_message_age_seconds"),
            0);
  facts.oldest_known = false;
  EXPECT_FALSE(
      sample(text_of(queue_families(facts, kNow)), "sluice_queue_oldest_message_age_seconds"));
}

pool::AccountSnapshot account(std::string name, pool::AccountStatus status) {
  pool::AccountSnapshot a;
  a.name = std::move(name);
  a.pool = "bulk";
  a.status = status;
  a.max_connections = 10;
  return a;
}

TEST(AccountFamilies, HealthStatusBreakerSlotsQuotaAndRates) {
  auto a = account("a", pool::AccountStatus::up);
  a.in_flight = 3;
  a.used_hour = 40;
  a.used_day = 400;
  a.hourly_limit = 100;
  a.rate = "120/m";
  auto b = account("b", pool::AccountStatus::resting);
  b.breaker = pool::BreakerState::open;
  auto c = account("c", pool::AccountStatus::auth_failed);
  c.breaker = pool::BreakerState::half_open;
  const auto text = text_of(account_families({a, b, c}, {{"a", 5.0}}));
  EXPECT_EQ(sample(text, "sluice_account_up{account=\"a\",pool=\"bulk\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_account_up{account=\"b\",pool=\"bulk\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_account_status{account=\"b\",status=\"resting\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_account_status{account=\"b\",status=\"up\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_account_status{account=\"c\",status=\"auth_failed\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_account_status{account=\"c\",status=\"disabled\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_account_breaker_state{account=\"a\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_account_breaker_state{account=\"c\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_account_breaker_state{account=\"b\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_account_in_flight{account=\"a\"}"), 3);
  EXPECT_EQ(sample(text, "sluice_account_max_connections{account=\"a\"}"), 10);
  EXPECT_EQ(sample(text, "sluice_account_quota_used{account=\"a\",window=\"hour\"}"), 40);
  EXPECT_EQ(sample(text, "sluice_account_quota_used{account=\"a\",window=\"day\"}"), 400);
  EXPECT_EQ(sample(text, "sluice_account_quota_limit{account=\"a\",window=\"hour\"}"), 100);
  EXPECT_FALSE(sample(text, "sluice_account_quota_limit{account=\"a\",window=\"day\"}"));
  EXPECT_FALSE(sample(text, "sluice_account_quota_limit{account=\"b\",window=\"hour\"}"));
  EXPECT_EQ(sample(text, "sluice_account_rate_configured{account=\"a\"}"), 5);
  EXPECT_EQ(sample(text, "sluice_account_rate_configured{account=\"b\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_account_rate_effective{account=\"a\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_account_rate_effective{account=\"b\"}"), 0);  // "0": unlimited
}

TEST(AccountFamilies, NoAccountsMeansNoAccountFamiliesAtAll) {
  const auto text = text_of(account_families({}, {}));
  EXPECT_EQ(text.find("sluice_account_"), std::string::npos) << text;
}

scheduler::CampaignView campaign(std::string id, std::uint64_t queued, std::uint64_t in_flight,
                                 std::optional<SystemTime> last_sent = std::nullopt) {
  scheduler::CampaignView c;
  c.id = std::move(id);
  c.group = "g";
  c.queued = queued;
  c.in_flight = in_flight;
  c.last_sent = last_sent;
  return c;
}

std::vector<std::string> ids(const CampaignSelection& s) {
  std::vector<std::string> out;
  for (const auto& c : s.exported) out.push_back(c.id);
  return out;
}

TEST(SelectCampaigns, OnlyActiveOrRecentlySendingCampaignsAreExported) {
  CampaignPolicy policy;  // 10 minutes
  auto s = select_campaigns(
      {campaign("queued", 1, 0), campaign("flying", 0, 1), campaign("recent", 0, 0, kNow - 10min),
       campaign("finished", 0, 0, kNow - 10min - 1s), campaign("never", 0, 0)},
      kNow, policy);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"flying", "queued", "recent"}));
  EXPECT_EQ(s.dropped, 0u);
}

TEST(SelectCampaigns, LingerIsConfigurable) {
  CampaignPolicy policy;
  policy.linger = 30s;
  auto views = std::vector{campaign("a", 0, 0, kNow - 29s), campaign("b", 0, 0, kNow - 31s)};
  EXPECT_EQ(ids(select_campaigns(views, kNow, policy)), (std::vector<std::string>{"a"}));
  // The same campaign drops out as the (injected) clock moves on.
  EXPECT_TRUE(ids(select_campaigns(views, kNow + 2s, policy)).empty());
}

TEST(SelectCampaigns, CapKeepsTheBusiestAndCountsTheRest) {
  CampaignPolicy policy;
  policy.limit = 3;
  auto s = select_campaigns({campaign("small", 1, 0), campaign("big", 50, 5),
                             campaign("mid", 10, 0), campaign("idle-new", 0, 0, kNow - 1s),
                             campaign("idle-old", 0, 0, kNow - 60s), campaign("mid2", 9, 1)},
                            kNow, policy);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"big", "mid", "mid2"}));  // mid before mid2: by id
  EXPECT_EQ(s.dropped, 3u);
  policy.limit = 5;
  s = select_campaigns({campaign("small", 1, 0), campaign("idle-old", 0, 0, kNow - 60s),
                        campaign("idle-new", 0, 0, kNow - 1s)},
                       kNow, policy);
  // Equal load: the latest send first.
  EXPECT_EQ(ids(s), (std::vector<std::string>{"small", "idle-new", "idle-old"}));
  policy.limit = 0;
  s = select_campaigns({campaign("small", 1, 0)}, kNow, policy);
  EXPECT_TRUE(s.exported.empty());
  EXPECT_EQ(s.dropped, 1u);
}

TEST(CampaignFamilies, SeriesPerExportedCampaignAndTheCounts) {
  auto c = campaign("spring", 12, 1, kNow);
  c.sent = 30;
  c.deferred = 4;
  c.bounced = 2;
  c.configured_rate = "10/s";
  c.effective_rate = "5/s";
  c.group_paused = true;
  c.in_window = false;
  auto transactional = campaign("", 1, 0);
  transactional.group = "";
  transactional.configured_rate = "0";
  CampaignSelection selection{{c, transactional}, 7};
  const auto text = text_of(campaign_families(selection));
  const std::string l = "{campaign=\"spring\",group=\"g\"}";
  EXPECT_EQ(sample(text, "sluice_campaign_sent_total" + l), 30);
  EXPECT_EQ(sample(text, "sluice_campaign_deferred_total" + l), 4);
  EXPECT_EQ(sample(text, "sluice_campaign_bounced_total" + l), 2);
  EXPECT_EQ(sample(text, "sluice_campaign_queued_messages" + l), 12);
  EXPECT_EQ(sample(text, "sluice_campaign_rate_configured" + l), 10);
  EXPECT_EQ(sample(text, "sluice_campaign_rate_effective" + l), 5);
  EXPECT_EQ(sample(text, "sluice_campaign_paused" + l), 1);
  EXPECT_EQ(sample(text, "sluice_campaign_in_window" + l), 0);
  EXPECT_EQ(sample(text, "sluice_campaign_queued_messages{campaign=\"\",group=\"\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_campaign_rate_configured{campaign=\"\",group=\"\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_campaigns_exported"), 2);
  EXPECT_EQ(sample(text, "sluice_campaigns_dropped"), 7);
  EXPECT_NE(text.find("# TYPE sluice_campaign_sent_total counter"), std::string::npos);
}

TEST(RatePerSecond, ConfigurationSyntaxAndUnparseableIsZero) {
  EXPECT_DOUBLE_EQ(rate_per_second("20/s"), 20);
  EXPECT_DOUBLE_EQ(rate_per_second("600/m"), 10);
  EXPECT_DOUBLE_EQ(rate_per_second("3600/h"), 1);
  EXPECT_DOUBLE_EQ(rate_per_second("0"), 0);
  EXPECT_DOUBLE_EQ(rate_per_second("fast"), 0);
}

}  // namespace
}  // namespace sluice::metrics
