#include "sluice/metrics/metrics.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "account_series.h"
#include "sluice/metrics/delivery_metrics.h"
#include "sluice/metrics/inbound_metrics.h"
#include "sluice/metrics/resolver_metrics.h"

namespace sluice::metrics {

Metrics::Metrics(const MetricsOptions& options)
    : registry_(std::make_unique<prometheus::Registry>()),
      accounts_(std::make_unique<AccountSeriesCache>(*registry_, options.accounts)),
      inbound_(std::make_unique<InboundMetrics>(*registry_)),
      delivery_(std::make_unique<DeliveryMetrics>(*registry_, *accounts_)),
      connections_(std::make_unique<ConnectionMetrics>(*accounts_)),
      resolver_(std::make_unique<ResolverMetrics>(*registry_)) {
  prometheus::BuildGauge()
      .Name("sluice_build_info")
      .Help("Always 1; the version of the running sluice as a label")
      .Register(*registry_)
      .Add({{"version", options.version}})
      .Set(1);
  prometheus::BuildGauge()
      .Name("sluice_start_time_seconds")
      .Help("When the daemon started, in seconds since the Unix epoch")
      .Register(*registry_)
      .Add({})
      .Set(std::chrono::duration<double>(options.start_time.time_since_epoch()).count());
}

Metrics::~Metrics() = default;

smtpd::InboundEvents& Metrics::inbound() { return *inbound_; }
scheduler::DeliveryEvents& Metrics::delivery() { return *delivery_; }
delivery::ConnectionEvents& Metrics::connections() { return *connections_; }
dns::ResolverEvents& Metrics::resolver() { return *resolver_; }

std::string Metrics::expose(const Families& collected) const {
  auto families = registry_->Collect();
  families.insert(families.end(), collected.begin(), collected.end());
  std::erase_if(families, [](const prometheus::MetricFamily& f) { return f.metric.empty(); });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace sluice::metrics
