#include "sluice/metrics/scrape_families.h"

#include <algorithm>
#include <initializer_list>

#include "sluice/config/values.h"

namespace sluice::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

MetricFamily family(std::string name, std::string help, MetricType type = MetricType::Gauge) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add(MetricFamily& f, Labels labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

double seconds_between(SystemTime earlier, SystemTime later) {
  return std::max(0.0, std::chrono::duration<double>(later - earlier).count());
}

double as_double(std::uint64_t n) { return static_cast<double>(n); }

// The breaker as operators compare it: 0 closed, 1 half open, 2 open.
double breaker_value(pool::BreakerState state) {
  switch (state) {
    case pool::BreakerState::closed:
      return 0;
    case pool::BreakerState::half_open:
      return 1;
    case pool::BreakerState::open:
      return 2;
  }
  return 2;
}

constexpr std::initializer_list<pool::AccountStatus> kStatuses{
    pool::AccountStatus::up, pool::AccountStatus::down, pool::AccountStatus::resting,
    pool::AccountStatus::auth_failed, pool::AccountStatus::disabled};

}  // namespace

double rate_per_second(std::string_view text) {
  auto rate = config::parse_rate(text);
  return rate ? rate->per_second : 0.0;
}

Families queue_families(const QueueFacts& facts, SystemTime now) {
  const auto& stats = facts.stats;
  auto messages = family("sluice_queue_messages", "Queued messages by state");
  std::uint64_t ready = stats.active, in_flight = 0, waiting_window = 0, waiting_quota = 0,
                paused = 0, deferred = 0;
  if (facts.view) {
    const auto& v = *facts.view;
    ready = v.ready;
    in_flight = v.in_flight;
    waiting_window = v.waiting_window;
    waiting_quota = v.waiting_quota;
    paused = v.paused;
    // The runner knows only what it has looked at; the rest of the active mail waits for its
    // next attempt. The two are read at different moments, so never below zero.
    const auto seen = ready + in_flight + waiting_window + waiting_quota + paused;
    deferred = stats.active > seen ? stats.active - seen : 0;
  }
  for (const auto& [state, n] :
       {std::pair{"ready", ready}, std::pair{"in_flight", in_flight},
        std::pair{"deferred", deferred}, std::pair{"waiting_window", waiting_window},
        std::pair{"waiting_quota", waiting_quota}, std::pair{"paused", paused},
        std::pair{"held", stats.held}, std::pair{"dead", stats.dead}}) {
    add(messages, {{"state", state}}, as_double(n));
  }
  Families out;
  out.push_back(std::move(messages));
  if (facts.oldest_known) {
    auto oldest = family("sluice_queue_oldest_message_age_seconds",
                         "Age of the oldest active or held message (0: none queued)");
    add(oldest, {}, facts.oldest_arrival ? seconds_between(*facts.oldest_arrival, now) : 0.0);
    out.push_back(std::move(oldest));
  }
  for (const auto& [name, help, value] :
       {std::tuple{"sluice_queue_map_used_bytes", "LMDB pages in use times the page size",
                   stats.map_used_bytes},
        std::tuple{"sluice_queue_map_size_bytes", "Current LMDB map size", stats.map_size_bytes},
        std::tuple{"sluice_queue_map_limit_bytes", "queue_map_size_limit: the map grows to this",
                   facts.map_limit_bytes}}) {
    auto f = family(name, help);
    add(f, {}, as_double(value));
    out.push_back(std::move(f));
  }
  return out;
}

Families account_families(const std::vector<pool::AccountSnapshot>& accounts,
                          const std::map<std::string, double>& configured_rates) {
  auto up = family("sluice_account_up", "1 when the account is usable (status up), else 0");
  auto status = family("sluice_account_status", "1 for the account's current status, 0 others");
  auto breaker =
      family("sluice_account_breaker_state", "Circuit breaker: 0 closed, 1 half open, 2 open");
  auto in_flight = family("sluice_account_in_flight", "Deliveries under way on the account");
  auto max_connections = family("sluice_account_max_connections", "The account's max_connections");
  auto used = family("sluice_account_quota_used", "Messages counted against the quota window");
  auto limit = family("sluice_account_quota_limit", "Quota per window (only when one is set)");
  auto configured = family("sluice_account_rate_configured",
                           "Messages per second from the accounts file (0: unlimited)");
  auto effective = family("sluice_account_rate_effective",
                          "Messages per second after run-time limits (0: unlimited)");
  for (const auto& a : accounts) {
    const Labels account{{"account", a.name}};
    add(up, {{"account", a.name}, {"pool", a.pool}},
        a.status == pool::AccountStatus::up ? 1.0 : 0.0);
    for (auto s : kStatuses) {
      add(status, {{"account", a.name}, {"status", pool::to_string(s)}}, a.status == s ? 1.0 : 0.0);
    }
    add(breaker, account, breaker_value(a.breaker));
    add(in_flight, account, a.in_flight);
    add(max_connections, account, a.max_connections);
    add(used, {{"account", a.name}, {"window", "hour"}}, a.used_hour);
    add(used, {{"account", a.name}, {"window", "day"}}, a.used_day);
    if (a.hourly_limit != 0) add(limit, {{"account", a.name}, {"window", "hour"}}, a.hourly_limit);
    if (a.daily_limit != 0) add(limit, {{"account", a.name}, {"window", "day"}}, a.daily_limit);
    auto rate = configured_rates.find(a.name);
    add(configured, account, rate == configured_rates.end() ? 0.0 : rate->second);
    add(effective, account, rate_per_second(a.rate));
  }
  Families out;
  for (auto* f : {&up, &status, &breaker, &in_flight, &max_connections, &used, &limit, &configured,
                  &effective}) {
    out.push_back(std::move(*f));
  }
  return out;
}

CampaignSelection select_campaigns(std::vector<scheduler::CampaignView> views, SystemTime now,
                                   const CampaignPolicy& policy) {
  const auto active = [&](const scheduler::CampaignView& c) {
    return c.queued > 0 || c.in_flight > 0 || (c.last_sent && now - *c.last_sent <= policy.linger);
  };
  std::erase_if(views, [&](const scheduler::CampaignView& c) { return !active(c); });
  const auto busier = [](const scheduler::CampaignView& a, const scheduler::CampaignView& b) {
    const auto load_a = a.queued + a.in_flight, load_b = b.queued + b.in_flight;
    if (load_a != load_b) return load_a > load_b;
    const auto sent_a = a.last_sent.value_or(SystemTime{}),
               sent_b = b.last_sent.value_or(SystemTime{});
    if (sent_a != sent_b) return sent_a > sent_b;
    return a.id < b.id;
  };
  CampaignSelection selection;
  if (views.size() > policy.limit) {
    std::partial_sort(views.begin(), views.begin() + static_cast<std::ptrdiff_t>(policy.limit),
                      views.end(), busier);
    selection.dropped = views.size() - policy.limit;
    views.resize(policy.limit);
  } else {
    std::sort(views.begin(), views.end(), busier);
  }
  selection.exported = std::move(views);
  return selection;
}

Families campaign_families(const CampaignSelection& selection) {
  using prometheus::MetricType;
  auto sent =
      family("sluice_campaign_sent_total", "Recipients delivered since start", MetricType::Counter);
  auto deferred = family("sluice_campaign_deferred_total", "Recipient deferrals since start",
                         MetricType::Counter);
  auto bounced = family("sluice_campaign_bounced_total", "Recipients bounced since start",
                        MetricType::Counter);
  auto queued = family("sluice_campaign_queued_messages", "Active messages of the campaign");
  auto configured = family("sluice_campaign_rate_configured",
                           "Messages per second from campaign_maps or the default (0: unlimited)");
  auto effective = family("sluice_campaign_rate_effective",
                          "Messages per second after run-time overrides (0: unlimited)");
  auto paused = family("sluice_campaign_paused", "1 when the campaign or its group is paused");
  auto in_window = family("sluice_campaign_in_window", "1 when inside its send window");
  for (const auto& c : selection.exported) {
    const Labels labels{{"campaign", c.id}, {"group", c.group}};
    add(sent, labels, as_double(c.sent));
    add(deferred, labels, as_double(c.deferred));
    add(bounced, labels, as_double(c.bounced));
    add(queued, labels, as_double(c.queued));
    add(configured, labels, rate_per_second(c.configured_rate));
    add(effective, labels, rate_per_second(c.effective_rate));
    add(paused, labels, c.paused || c.group_paused ? 1.0 : 0.0);
    add(in_window, labels, c.in_window ? 1.0 : 0.0);
  }
  auto exported = family("sluice_campaigns_exported", "Campaigns exported in this scrape");
  add(exported, {}, as_double(selection.exported.size()));
  auto dropped =
      family("sluice_campaigns_dropped", "Active campaigns left out by metrics_campaign_limit");
  add(dropped, {}, as_double(selection.dropped));
  Families out;
  for (auto* f : {&sent, &deferred, &bounced, &queued, &configured, &effective, &paused, &in_window,
                  &exported, &dropped}) {
    out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace sluice::metrics
