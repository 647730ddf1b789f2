#pragma once
// The metrics of one daemon: one prometheus::Registry holding the series the stages push to
// through their event interfaces, plus the process series (build info, start time). Built once
// by the composition root and handed to the stages by interface:
//
//   metrics::Metrics metrics({account names, version, start time});
//   smtpd_context.events = &metrics.inbound();
//   resolver.set_events(&metrics.resolver());   // and so on, one line each
//
// The adapters are thread-safe; the object must outlive every stage that reports to it.
// Scrape-time families (queue, accounts, campaigns) are added by metrics_endpoints.h.

#include <memory>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/delivery/connection_events.h"
#include "sluice/dns/resolver_events.h"
#include "sluice/metrics/scrape_families.h"
#include "sluice/scheduler/delivery_events.h"
#include "sluice/smtpd/inbound_events.h"

namespace prometheus {
class Registry;
}

namespace sluice::metrics {

class AccountSeriesCache;
class ConnectionMetrics;
class DeliveryMetrics;
class InboundMetrics;
class ResolverMetrics;

struct MetricsOptions {
  std::vector<std::string> accounts;  // configured accounts: their series export 0 from the start
  std::string version;                // sluice_build_info{version}
  SystemTime start_time{};            // sluice_start_time_seconds
};

// Prometheus' text exposition format, as GET /metrics serves it.
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  explicit Metrics(const MetricsOptions& options);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  smtpd::InboundEvents& inbound();
  scheduler::DeliveryEvents& delivery();
  delivery::ConnectionEvents& connections();
  dns::ResolverEvents& resolver();
  prometheus::Registry& registry() { return *registry_; }

  // The registry's series and then `collected` in the text format; families without a series
  // are left out. Thread-safe.
  std::string expose(const Families& collected) const;

 private:
  std::unique_ptr<prometheus::Registry> registry_;
  std::unique_ptr<AccountSeriesCache> accounts_;
  std::unique_ptr<InboundMetrics> inbound_;
  std::unique_ptr<DeliveryMetrics> delivery_;
  std::unique_ptr<ConnectionMetrics> connections_;
  std::unique_ptr<ResolverMetrics> resolver_;
};

}  // namespace sluice::metrics
