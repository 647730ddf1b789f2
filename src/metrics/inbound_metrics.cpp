#include "sluice/metrics/inbound_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <string>

namespace sluice::metrics {

namespace {

double seconds(std::chrono::steady_clock::duration d) {
  return std::max(0.0, std::chrono::duration<double>(d).count());
}

}  // namespace

InboundMetrics::InboundMetrics(prometheus::Registry& registry)
    : connections_(prometheus::BuildGauge()
                       .Name("sluice_smtpd_connections")
                       .Help("SMTP client connections open now")
                       .Register(registry)
                       .Add({})),
      connections_total_(prometheus::BuildCounter()
                             .Name("sluice_smtpd_connections_total")
                             .Help("SMTP client connections accepted and given a session")
                             .Register(registry)
                             .Add({})),
      refused_family_(prometheus::BuildCounter()
                          .Name("sluice_smtpd_connections_refused_total")
                          .Help("SMTP client connections refused, by reason")
                          .Register(registry)),
      accepted_(prometheus::BuildCounter()
                    .Name("sluice_messages_accepted_total")
                    .Help("Messages committed to the queue and answered 250")
                    .Register(registry)
                    .Add({})),
      accepted_bytes_(prometheus::BuildCounter()
                          .Name("sluice_accepted_bytes_total")
                          .Help("Bytes of accepted messages as stored")
                          .Register(registry)
                          .Add({})),
      accept_latency_(
          prometheus::BuildHistogram()
              .Name("sluice_accept_latency_seconds")
              .Help("Time from the end of a message's data to its 250 (the durable commit)")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries(kAcceptLatencyBuckets.begin(),
                                                               kAcceptLatencyBuckets.end()))),
      rejected_family_(prometheus::BuildCounter()
                           .Name("sluice_messages_rejected_total")
                           .Help("SMTP transaction steps refused, by reply code")
                           .Register(registry)) {
  for (std::size_t i = 0; i < kRefusalReasons.size(); ++i) {
    refused_[i] = &refused_family_.Add({{"reason", std::string(kRefusalReasons[i])}});
  }
  auto& tls = prometheus::BuildCounter()
                  .Name("sluice_smtpd_tls_handshakes_total")
                  .Help("Inbound TLS handshakes (STARTTLS or SMTPS), by result")
                  .Register(registry);
  tls_ = {&tls.Add({{"result", "failed"}}), &tls.Add({{"result", "ok"}})};
  auto& auth = prometheus::BuildCounter()
                   .Name("sluice_smtpd_auth_attempts_total")
                   .Help("Inbound SMTP AUTH exchanges, by result")
                   .Register(registry);
  auth_ = {&auth.Add({{"result", "failed"}}), &auth.Add({{"result", "ok"}})};
}

void InboundMetrics::connection_opened() {
  connections_.Increment();
  connections_total_.Increment();
}

void InboundMetrics::connection_closed() { connections_.Decrement(); }

void InboundMetrics::connection_refused(std::string_view reason) {
  auto known = std::find(kRefusalReasons.begin(), kRefusalReasons.end(), reason);
  if (known != kRefusalReasons.end()) {
    refused_[static_cast<std::size_t>(known - kRefusalReasons.begin())]->Increment();
  } else {
    refused_family_.Add({{"reason", std::string(reason)}}).Increment();
  }
}

void InboundMetrics::message_accepted(std::uint64_t bytes,
                                      std::chrono::steady_clock::duration latency) {
  accepted_.Increment();
  accepted_bytes_.Increment(static_cast<double>(bytes));
  accept_latency_.Observe(seconds(latency));
}

prometheus::Counter& InboundMetrics::rejected_counter(std::uint16_t code) {
  const std::size_t slot = code >= 100 && code < rejected_.size() ? code : 0;
  if (auto* counter = rejected_[slot].load(std::memory_order_acquire)) return *counter;
  auto* counter =
      &rejected_family_.Add({{"code", slot == 0 ? std::string("other") : std::to_string(slot)}});
  rejected_[slot].store(counter, std::memory_order_release);
  return *counter;
}

void InboundMetrics::message_rejected(std::uint16_t code) { rejected_counter(code).Increment(); }

void InboundMetrics::tls_handshake(bool ok) { tls_[ok ? 1 : 0]->Increment(); }

void InboundMetrics::auth_attempt(bool ok) { auth_[ok ? 1 : 0]->Increment(); }

}  // namespace sluice::metrics
