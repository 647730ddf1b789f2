#pragma once
// The inbound half of the composition root: the SMTP listener (and the SMTPS one when
// smtpd_tls_wrapper_listen is set) with everything their sessions share: protocol limits, the
// TLS certificate, the AUTH users and failure limiter, the per-IP connection limiter, the
// sender ownership table and the pool password checks run on. Built from the settings;
// problems (a certificate that does not load, an address in use) are errors naming their cause.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/config/settings.h"
#include "sluice/mail/queue_id.h"
#include "sluice/queue/queue_store.h"
#include "sluice/smtpd/client_limits.h"
#include "sluice/smtpd/credentials.h"
#include "sluice/smtpd/inbound_events.h"
#include "sluice/smtpd/listener.h"

namespace sluice::app {

// The ProtocolLimits of the settings (without sender_allowed, which Inbound adds).
smtpd::ProtocolLimits protocol_limits(const config::SmtpdSettings& s);

class Inbound {
 public:
  struct Wiring {
    queue::QueueStore* store = nullptr;
    mail::QueueIdGenerator* ids = nullptr;
    const Clock* clock = nullptr;
    std::function<void(const std::string& campaign)> on_enqueued;
    smtpd::InboundEvents* events = nullptr;  // may be null
  };
  // Loads the certificate and binds the listeners (nothing is accepted before start()).
  static Result<std::unique_ptr<Inbound>> build(const config::SmtpdSettings& settings,
                                                boost::asio::io_context& io, Wiring wiring);
  ~Inbound();

  void start();
  void stop();  // stops accepting; sessions under way run to their end
  std::uint16_t port() const { return listener_->port(); }
  std::string describe() const;  // for the start-up log line

 private:
  Inbound() = default;

  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<smtpd::Credentials> credentials_;
  std::unique_ptr<smtpd::AuthFailureLimiter> auth_failures_;
  std::unique_ptr<smtpd::ConnectionLimiter> client_limiter_;
  // Password checks (PBKDF2, tens of milliseconds each) stay off the I/O threads.
  boost::asio::thread_pool auth_pool_{2};
  smtpd::SmtpdContext context_;
  std::unique_ptr<smtpd::Listener> listener_;
  std::unique_ptr<smtpd::Listener> wrapper_listener_;
  std::string description_;
};

}  // namespace sluice::app
