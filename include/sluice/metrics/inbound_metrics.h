#pragma once
// smtpd::InboundEvents onto prometheus-cpp series: connections, refusals, accepted and rejected
// messages, accepted bytes, accept latency, inbound TLS and AUTH. Built once by Metrics; called
// from every I/O thread at once. Every series a message touches is resolved at construction
// or cached lock-free (reply codes), so no event looks a label up under a lock.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "sluice/smtpd/inbound_events.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace sluice::metrics {

class InboundMetrics final : public smtpd::InboundEvents {
 public:
  explicit InboundMetrics(prometheus::Registry& registry);

  void connection_opened() override;
  void connection_closed() override;
  void connection_refused(std::string_view reason) override;
  void message_accepted(std::uint64_t bytes, std::chrono::steady_clock::duration latency) override;
  void message_rejected(std::uint16_t code) override;
  void tls_handshake(bool ok) override;
  void auth_attempt(bool ok) override;

 private:
  prometheus::Counter& rejected_counter(std::uint16_t code);

  prometheus::Gauge& connections_;
  prometheus::Counter& connections_total_;
  prometheus::Family<prometheus::Counter>& refused_family_;
  std::array<prometheus::Counter*, 3> refused_;  // in the order of kRefusalReasons
  prometheus::Counter& accepted_;
  prometheus::Counter& accepted_bytes_;
  prometheus::Histogram& accept_latency_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  // By reply code 100..599 (anything else is counted as code="other" in slot 0); filled on first
  // use. Family::Add returns the same child for the same labels, so a race stores one pointer.
  std::array<std::atomic<prometheus::Counter*>, 600> rejected_{};
  std::array<prometheus::Counter*, 2> tls_;   // failed, ok
  std::array<prometheus::Counter*, 2> auth_;  // failed, ok
};

// The refusal reasons smtpd reports; another reason is counted under its own label, slowly.
inline constexpr std::array<std::string_view, 3> kRefusalReasons{
    "max_connections", "client_connection_limit", "client_rate_limit"};

// Bucket bounds of sluice_accept_latency_seconds: 0.5 ms to 5 s.
inline constexpr std::array<double, 13> kAcceptLatencyBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

}  // namespace sluice::metrics
