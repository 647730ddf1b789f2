#include "inbound.h"

#include <spdlog/spdlog.h>

#include "sluice/smtpd/sender_logins.h"
#include "sluice/smtpd/tls_context.h"

namespace sluice::app {

smtpd::ProtocolLimits protocol_limits(const config::SmtpdSettings& s) {
  smtpd::ProtocolLimits limits;
  limits.myhostname = s.myhostname;
  limits.banner = s.banner;
  limits.message_size_limit = s.message_size_limit;
  limits.recipient_limit = s.recipient_limit;
  limits.line_length_limit = s.line_length_limit;
  limits.hopcount_limit = s.hopcount_limit;
  limits.hard_error_limit = s.hard_error_limit;
  limits.campaign_header = s.campaign_header;
  limits.campaign_group_header = s.campaign_group_header;
  // The loader refused may/encrypt without a certificate.
  limits.tls_offered = s.tls_security_level != config::TlsSecurityLevel::none;
  limits.require_tls = s.tls_security_level == config::TlsSecurityLevel::encrypt;
  limits.auth_enabled = s.sasl_auth_enable;
  limits.auth_requires_tls = s.tls_auth_only;
  return limits;
}

Result<std::unique_ptr<Inbound>> Inbound::build(const config::SmtpdSettings& s,
                                                boost::asio::io_context& io, Wiring wiring) {
  std::unique_ptr<Inbound> in(new Inbound());
  auto& c = in->context_;
  c.limits = protocol_limits(s);
  if (!s.sender_logins.empty()) {
    auto owners = std::make_shared<const smtpd::SenderLogins>(s.sender_logins);
    c.limits.sender_allowed = [owners](std::string_view user, std::string_view sender) {
      return owners->allowed(user, sender);
    };
  }
  c.mynetworks = s.mynetworks;
  c.timeout = s.timeout;
  c.max_connections = s.max_connections;
  c.min_data_rate = s.min_data_rate;
  c.store = wiring.store;
  c.ids = wiring.ids;
  c.clock = wiring.clock;
  c.on_enqueued = std::move(wiring.on_enqueued);
  c.events = wiring.events;

  if (!s.tls_cert_file.empty()) {
    auto tls = smtpd::make_server_tls_context(s.tls_cert_file, s.tls_key_file);
    if (!tls) return tls.error();
    in->tls_ = std::move(*tls);
    c.tls = in->tls_.get();
  }
  if (s.sasl_auth_enable) {
    in->credentials_ = std::make_unique<smtpd::Credentials>(s.sasl_users);
    in->auth_failures_ =
        std::make_unique<smtpd::AuthFailureLimiter>(s.auth_failure_limit, s.auth_failure_window);
    c.credentials = in->credentials_.get();
    c.auth_failures = in->auth_failures_.get();
    c.blocking = in->auth_pool_.get_executor();
    c.error_sleep = s.error_sleep_time;
  }
  smtpd::ConnectionLimits limits;
  limits.per_client = s.client_connection_count_limit;
  limits.rate = s.client_connection_rate_limit;
  if (limits.per_client != 0 || limits.rate != 0) {
    in->client_limiter_ = std::make_unique<smtpd::ConnectionLimiter>(limits);
    c.client_limiter = in->client_limiter_.get();
    c.limit_exceptions = s.client_event_limit_exceptions;
  }

  in->listener_ = std::make_unique<smtpd::Listener>(io, c);
  if (auto ok = in->listener_->open(s.listen); !ok)
    return make_error("smtpd_listen: " + ok.error().message);
  in->description_ =
      "smtpd " + s.listen.to_string() + " (port " + std::to_string(in->listener_->port()) + ")";
  if (s.tls_wrapper_listen) {
    in->wrapper_listener_ = std::make_unique<smtpd::Listener>(io, c, smtpd::ListenerMode::wrapper);
    if (auto ok = in->wrapper_listener_->open(*s.tls_wrapper_listen); !ok) {
      return make_error("smtpd_tls_wrapper_listen: " + ok.error().message);
    }
    in->description_ += ", smtps " + s.tls_wrapper_listen->to_string() + " (port " +
                        std::to_string(in->wrapper_listener_->port()) + ")";
  }
  return in;
}

Inbound::~Inbound() { auth_pool_.join(); }

void Inbound::start() {
  listener_->start();
  if (wrapper_listener_) wrapper_listener_->start();
}

void Inbound::stop() {
  listener_->stop();
  if (wrapper_listener_) wrapper_listener_->stop();
}

std::string Inbound::describe() const { return description_; }

}  // namespace sluice::app
