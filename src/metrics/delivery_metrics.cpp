#include "sluice/metrics/delivery_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>

#include "account_series.h"

namespace sluice::metrics {

DeliveryMetrics::DeliveryMetrics(prometheus::Registry& registry, AccountSeriesCache& accounts)
    : accounts_(accounts),
      latency_(prometheus::BuildHistogram()
                   .Name("sluice_delivery_latency_seconds")
                   .Help("Time from a message's arrival to the upstream 250 for its last recipient")
                   .Register(registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries(
                                kDeliveryLatencyBuckets.begin(), kDeliveryLatencyBuckets.end()))) {}

void DeliveryMetrics::attempt(const std::string& account) {
  accounts_.get(account).attempts->Increment();
}

void DeliveryMetrics::recipients(const std::string& account, scheduler::RecipientResult result,
                                 std::uint16_t reply_code, std::uint32_t count) {
  const auto& series = accounts_.get(account);
  series.results[static_cast<std::size_t>(result)]->Increment(count);
  series.replies[reply_class_index(reply_code)]->Increment(count);
}

void DeliveryMetrics::delivered(std::chrono::system_clock::duration since_arrival) {
  // A clock stepped backwards makes a negative age; it counts as instant, not as garbage.
  latency_.Observe(std::max(0.0, std::chrono::duration<double>(since_arrival).count()));
}

void ConnectionMetrics::connection_used(const std::string& account, bool reused) {
  accounts_.get(account).connections[reused ? 1 : 0]->Increment();
}

void ConnectionMetrics::tls_failed(const std::string& account) {
  accounts_.get(account).tls_failures->Increment();
}

void ConnectionMetrics::auth_failed(const std::string& account) {
  accounts_.get(account).auth_failures->Increment();
}

}  // namespace sluice::metrics
