#pragma once
// What the SMTP client side reports about its upstream connections, for metrics. Called from
// the connection coroutines (any I/O thread); implementations must be thread-safe. The
// defaults do nothing.

#include <string>

namespace sluice::delivery {

class ConnectionEvents {
 public:
  virtual ~ConnectionEvents() = default;
  // A delivery went out on a new connection (reused = false) or on a cached one (true).
  virtual void connection_used(const std::string& /*account*/, bool /*reused*/) {}
  // The TLS handshake or certificate check with the upstream failed.
  virtual void tls_failed(const std::string& /*account*/) {}
  // The upstream refused our AUTH.
  virtual void auth_failed(const std::string& /*account*/) {}
};

}  // namespace sluice::delivery
