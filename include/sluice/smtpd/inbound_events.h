#pragma once
// What the SMTP server side reports as it works, for metrics. The listener and the sessions call
// it; the metrics stage implements it (metrics/inbound_metrics.h); tests may record. Every
// method may be called from any I/O thread at once, so implementations must be thread-safe.
// The defaults do nothing, so a stage built without metrics passes a NullInboundEvents.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice::smtpd {

class InboundEvents {
 public:
  virtual ~InboundEvents() = default;
  virtual void connection_opened() {}  // accepted and given a session
  virtual void connection_closed() {}  // its session ended (any reason)
  // Refused before a session starts or at once with a 421: "max_connections",
  // "client_connection_limit", "client_rate_limit".
  virtual void connection_refused(std::string_view /*reason*/) {}
  // A message committed and answered 250: its stored size, and the time from the end of its
  // data to the 250 (the durable commit).
  virtual void message_accepted(std::uint64_t /*bytes*/,
                                std::chrono::steady_clock::duration /*latency*/) {}
  // A transaction step refused with this reply code (MAIL, RCPT, DATA/BDAT, end of data, a
  // failed commit, relay or authentication refusals).
  virtual void message_rejected(std::uint16_t /*code*/) {}
  virtual void tls_handshake(bool /*ok*/) {}  // inbound STARTTLS or SMTPS handshake
  virtual void auth_attempt(bool /*ok*/) {}   // one AUTH exchange, succeeded or not
};

using NullInboundEvents = InboundEvents;

}  // namespace sluice::smtpd
