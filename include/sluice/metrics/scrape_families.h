#pragma once
// What a scrape collects rather than counts as it goes: the queue (store stats and the
// scheduler's view), the accounts (the pool's snapshots) and the campaigns (the scheduler's
// views), turned into metric families at each GET /metrics. Pure: the caller gathers the
// inputs (metrics_endpoints.cpp); these only shape them, so every value and the campaign cap
// are tested without a store, a pool or a clock.

#include <prometheus/metric_family.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/pool/account_pool.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/controls.h"
#include "sluice/scheduler/delivery_events.h"

namespace sluice::metrics {

using Families = std::vector<prometheus::MetricFamily>;

struct QueueFacts {
  queue::QueueStats stats;
  std::optional<scheduler::SchedulerView> view;  // absent: every active message counts as ready
  std::optional<SystemTime> oldest_arrival;      // of the oldest active or held message
  bool oldest_known = true;  // false: not found within this scrape's bounded read; not exported
  std::uint64_t map_limit_bytes = 0;  // queue_map_size_limit
};

// sluice_queue_messages{state}, sluice_queue_oldest_message_age_seconds, sluice_queue_map_*.
Families queue_families(const QueueFacts& facts, SystemTime now);

// sluice_account_*. `configured_rates`: account -> messages per second from the accounts file
// (0 or absent: unlimited).
Families account_families(const std::vector<pool::AccountSnapshot>& accounts,
                          const std::map<std::string, double>& configured_rates);

// Which campaigns a scrape exports (metrics_campaign_linger, metrics_campaign_limit).
struct CampaignPolicy {
  std::chrono::seconds linger{600};
  std::size_t limit = 500;
};

struct CampaignSelection {
  std::vector<scheduler::CampaignView> exported;  // busiest first
  std::size_t dropped = 0;                        // active, but over the limit
};

// Active campaigns (queued or in flight, or sent within the linger), the busiest (queued + in
// flight) first, ties by the latest send then by id, at most policy.limit.
CampaignSelection select_campaigns(std::vector<scheduler::CampaignView> views, SystemTime now,
                                   const CampaignPolicy& policy);

// sluice_campaign_* for the selection, and sluice_campaigns_exported / _dropped.
Families campaign_families(const CampaignSelection& selection);

// Messages per second of a rate as the configuration writes it ("20/s", "600/m"); "0" and
// anything unparseable: 0 (unlimited).
double rate_per_second(std::string_view text);

}  // namespace sluice::metrics
