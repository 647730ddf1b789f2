#pragma once
// The outbound adapters: scheduler::DeliveryEvents (attempts, per-recipient results and reply
// classes, delivery latency) and delivery::ConnectionEvents (connection reuse, TLS and AUTH
// failures), onto per-account series built once (AccountSeriesCache, src/metrics/). Built by
// Metrics; thread-safe (the runner's strand and the connection coroutines call them).

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "sluice/delivery/connection_events.h"
#include "sluice/scheduler/delivery_events.h"

namespace prometheus {
class Histogram;
class Registry;
}  // namespace prometheus

namespace sluice::metrics {

class AccountSeriesCache;

// Bucket bounds of sluice_delivery_latency_seconds: 10 ms to a day (mail waits for retries).
inline constexpr std::array<double, 17> kDeliveryLatencyBuckets{
    0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400};

class DeliveryMetrics final : public scheduler::DeliveryEvents {
 public:
  DeliveryMetrics(prometheus::Registry& registry, AccountSeriesCache& accounts);

  void attempt(const std::string& account) override;
  void recipients(const std::string& account, scheduler::RecipientResult result,
                  std::uint16_t reply_code, std::uint32_t count) override;
  void delivered(std::chrono::system_clock::duration since_arrival) override;

 private:
  AccountSeriesCache& accounts_;
  prometheus::Histogram& latency_;
};

class ConnectionMetrics final : public delivery::ConnectionEvents {
 public:
  explicit ConnectionMetrics(AccountSeriesCache& accounts) : accounts_(accounts) {}

  void connection_used(const std::string& account, bool reused) override;
  void tls_failed(const std::string& account) override;
  void auth_failed(const std::string& account) override;

 private:
  AccountSeriesCache& accounts_;
};

}  // namespace sluice::metrics
