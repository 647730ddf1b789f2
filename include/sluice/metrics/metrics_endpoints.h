#pragma once
// The routes served on metrics_listen, without a token (an AdminServer with require_token =
// false; see README "Metrics"):
//   GET /metrics -> the registry's series plus what is collected at scrape time: the queue
//                   (QueueStore::stats, the scheduler's view, the oldest message), the accounts
//                   (the pool's snapshots) and the active campaigns, in the text format 0.0.4
//   GET /healthz -> 200 "ok\n" while the process serves HTTP
//   GET /readyz  -> 200 "ready\n" when a probe write to the queue succeeds and an account is
//                   up, else 503 with one line: "queue not writable: ..." / "no usable account"
// Sources are asked asynchronously (the pool and the scheduler answer from the runner's
// strand); the text is built on the connection's strand once every answer is in. A source that
// never answers costs the scraper the server's reply_timeout, then 503.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/admin/router.h"
#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/metrics/metrics.h"
#include "sluice/metrics/scrape_families.h"
#include "sluice/pool/account_pool.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/controls.h"
#include "sluice/scheduler/delivery_events.h"

namespace sluice::metrics {

// Same shape as admin::AccountsAccess::snapshot: done(snapshots), from any thread.
using AccountsSource = std::function<void(std::function<void(std::vector<pool::AccountSnapshot>)>)>;
using SchedulerViewSource = std::function<void(std::function<void(scheduler::SchedulerView)>)>;

struct ScrapeSources {
  queue::QueueStore* store = nullptr;              // required
  const Clock* clock = nullptr;                    // required
  std::uint64_t map_limit_bytes = 0;               // queue_map_size_limit
  std::map<std::string, double> configured_rates;  // account -> messages/s (accounts file)
  AccountsSource accounts;                         // empty: no account series, never ready
  scheduler::ControlService* controls = nullptr;   // null: no campaign series
  SchedulerViewSource scheduler_view;              // empty: active mail counts as ready
  CampaignPolicy campaign_policy;
  std::chrono::milliseconds probe_interval{1000};  // at most one probe write per interval
  std::chrono::milliseconds probe_timeout{2000};   // longest /readyz waits for it
};

// Everything must outlive the server's sessions.
void register_metrics_endpoints(admin::Router& router, Metrics& metrics, ScrapeSources sources);

// /readyz's verdict: nullopt when ready, else the one-line reason.
std::optional<std::string> unready_reason(const Result<void>& queue_probe,
                                          const std::vector<pool::AccountSnapshot>& accounts);

}  // namespace sluice::metrics
