#pragma once
// Delivery through one upstream SMTP account: a pool of up to max_connections connections to
// the account's host, reused for up to max_messages_per_connection messages (RSET between them)
// and kept warm for smtp_connection_cache_time_limit. Each connection runs the pure
// ClientProtocol under a thin Asio coroutine shell (smtp_connection.cpp) with TLS from OpenSSL
// and names resolved by the injected Resolver. Heartbeats use probe().
//
// Thread-safe: deliver() and probe() may be called from any thread; the idle list lives on the
// transport's strand, each connection on its own.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sluice/common/result.h"
#include "sluice/config/settings.h"
#include "sluice/delivery/connection_events.h"
#include "sluice/delivery/transport.h"
#include "sluice/dns/resolver.h"

namespace sluice::delivery {

// Postfix's smtp_*_timeout parameters.
struct SmtpTimeouts {
  std::chrono::seconds connect{30};          // smtp_connect_timeout (per address)
  std::chrono::seconds helo{300};            // smtp_helo_timeout: greeting, EHLO, STARTTLS, AUTH
  std::chrono::seconds mail{300};            // smtp_mail_timeout: RSET, MAIL, RCPT, NOOP
  std::chrono::seconds data_init{120};       // smtp_data_init_timeout: DATA until 354
  std::chrono::seconds data_xfer{180};       // smtp_data_xfer_timeout: sending the message
  std::chrono::seconds data_done{600};       // smtp_data_done_timeout: after "."
  std::chrono::seconds quit{300};            // smtp_quit_timeout
  std::chrono::seconds cache_time_limit{2};  // smtp_connection_cache_time_limit: idle reuse
};

struct SmtpTransportOptions {
  config::AccountSpec account;
  std::string helo_name;  // myhostname
  std::string ca_file;    // smtp_tls_CAfile (empty: the system's CAs)
  SmtpTimeouts timeouts;
  // Where connection use and TLS / AUTH failures are reported (metrics); null: nowhere. It
  // must outlive the transport. Health checks (probe()) report their failures too.
  ConnectionEvents* events = nullptr;
};

class SmtpTransport final : public Transport {
 public:
  // Errors: the TLS context cannot be built (CA file unreadable).
  static Result<std::shared_ptr<SmtpTransport>> create(boost::asio::io_context& io,
                                                       dns::Resolver& resolver,
                                                       SmtpTransportOptions options);
  ~SmtpTransport() override;

  void deliver(DeliveryRequest request, Done done) override;
  // A health check on a fresh connection: connect, EHLO, STARTTLS/AUTH as configured, NOOP,
  // QUIT. `done(ok, fault)` with the fault when it failed.
  void probe(std::function<void(std::optional<AccountFault>)> done);
  // Closes idle connections; deliveries under way finish.
  void shutdown();

  const std::string& name() const;

 private:
  struct Impl;
  explicit SmtpTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::delivery
