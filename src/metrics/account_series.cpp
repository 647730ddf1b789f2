#include "account_series.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <mutex>

#include "sluice/scheduler/delivery_events.h"

namespace sluice::metrics {

namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

constexpr std::array<const char*, 4> kReplyClasses{"2xx", "4xx", "5xx", "none"};

}  // namespace

std::size_t reply_class_index(std::uint16_t code) {
  if (code >= 200 && code < 300) return 0;
  if (code >= 400 && code < 500) return 1;
  if (code >= 500 && code < 600) return 2;
  return 3;
}

AccountSeriesCache::AccountSeriesCache(prometheus::Registry& registry,
                                       const std::vector<std::string>& accounts)
    : attempts_(counter(registry, "sluice_delivery_attempts_total",
                        "Delivery legs started (one account, one SMTP transaction)")),
      results_(counter(registry, "sluice_deliveries_total",
                       "Recipients whose delivery leg ended, by account and result")),
      replies_(counter(registry, "sluice_delivery_replies_total",
                       "Recipients by the class of the upstream's reply (none: no reply)")),
      connections_(counter(registry, "sluice_upstream_connections_total",
                           "Deliveries by whether their upstream connection was reused")),
      tls_failures_(counter(registry, "sluice_upstream_tls_failures_total",
                            "Upstream TLS handshakes or certificate checks that failed")),
      auth_failures_(counter(registry, "sluice_upstream_auth_failures_total",
                             "Upstream AUTH exchanges refused")) {
  for (const auto& account : accounts) by_account_.try_emplace(account, build(account));
}

AccountSeriesCache::~AccountSeriesCache() = default;

std::unique_ptr<AccountSeries> AccountSeriesCache::build(const std::string& account) const {
  auto series = std::make_unique<AccountSeries>();
  series->attempts = &attempts_.Add({{"account", account}});
  for (auto result : {scheduler::RecipientResult::sent, scheduler::RecipientResult::deferred,
                      scheduler::RecipientResult::bounced}) {
    series->results[static_cast<std::size_t>(result)] =
        &results_.Add({{"account", account}, {"result", scheduler::to_string(result)}});
  }
  for (std::size_t i = 0; i < kReplyClasses.size(); ++i) {
    series->replies[i] = &replies_.Add({{"account", account}, {"class", kReplyClasses[i]}});
  }
  series->connections = {&connections_.Add({{"account", account}, {"reused", "no"}}),
                         &connections_.Add({{"account", account}, {"reused", "yes"}})};
  series->tls_failures = &tls_failures_.Add({{"account", account}});
  series->auth_failures = &auth_failures_.Add({{"account", account}});
  return series;
}

const AccountSeries& AccountSeriesCache::get(const std::string& account) {
  {
    std::shared_lock lock(mutex_);
    auto it = by_account_.find(account);
    if (it != by_account_.end()) return *it->second;
  }
  auto built = build(account);  // outside the lock: Family::Add takes the family's own
  std::unique_lock lock(mutex_);
  return *by_account_.try_emplace(account, std::move(built)).first->second;
}

}  // namespace sluice::metrics
