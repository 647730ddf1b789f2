#include "outbound.h"

#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>

#include "sluice/config/lookup_table.h"
#include "sluice/delivery/maildir_transport.h"
#include "sluice/delivery/smtp_transport.h"

namespace sluice::app {

namespace asio = boost::asio;

namespace {

delivery::SmtpTimeouts smtp_timeouts(const config::DeliverySettings& d) {
  delivery::SmtpTimeouts t;
  t.connect = d.connect_timeout;
  t.helo = d.helo_timeout;
  t.mail = d.mail_timeout;
  t.data_init = d.data_init_timeout;
  t.data_xfer = d.data_xfer_timeout;
  t.data_done = d.data_done_timeout;
  t.quit = d.quit_timeout;
  t.cache_time_limit = d.connection_cache_time_limit;
  return t;
}

pool::SenderRouting sender_routing(const config::DeliverySettings& d) {
  config::LookupTable table;
  for (const auto& [key, pool] : d.sender_pools) table.put({key, pool, 0});
  return pool::SenderRouting(std::move(table));
}

}  // namespace

Result<std::unique_ptr<Outbound>> Outbound::build(const config::Settings& settings,
                                                  asio::io_context& io,
                                                  asio::any_io_executor blocking,
                                                  const Clock& clock) {
  std::unique_ptr<Outbound> out(new Outbound(clock));
  out->io_ = &io;
  dns::ResolverOptions resolver_options;
  resolver_options.servers = settings.delivery.dns_servers;
  auto resolver = dns::CaresResolver::create(asio::make_strand(io), resolver_options);
  if (!resolver) return make_error("DNS resolver: " + resolver.error().message);
  out->resolver_ = std::move(*resolver);

  std::vector<delivery::Transport*> by_index;
  for (std::size_t i = 0; i < settings.accounts.size(); ++i) {
    const auto& account = settings.accounts[i];
    std::shared_ptr<delivery::Transport> transport;
    if (account.kind == config::EndpointKind::maildir) {
      auto maildir = delivery::MaildirTransport::open(account.name, account.maildir_path,
                                                      settings.smtpd.myhostname, blocking);
      if (!maildir) return make_error("account " + account.name + ": " + maildir.error().message);
      transport = std::move(*maildir);
    } else {
      delivery::SmtpTransportOptions options{account, settings.smtpd.myhostname,
                                             settings.smtp_tls_ca_file,
                                             smtp_timeouts(settings.delivery)};
      auto smtp = delivery::SmtpTransport::create(io, *out->resolver_, std::move(options));
      if (!smtp) return make_error("account " + account.name + ": " + smtp.error().message);
      if (account.tls == config::TlsMode::none && account.username) {
        spdlog::warn("account {}: tls=none with credentials: AUTH is sent in clear text",
                     account.name);
      }
      auto shared = std::move(*smtp);
      out->heartbeat_targets_.push_back({i, [weak = std::weak_ptr<delivery::SmtpTransport>(shared)](
                                                pool::Heartbeat::ProbeDone done) {
                                           if (auto transport = weak.lock())
                                             transport->probe(std::move(done));
                                         }});
      transport = std::move(shared);
    }
    by_index.push_back(transport.get());
    out->transports_.push_back(std::move(transport));
  }
  if (settings.accounts.empty()) spdlog::warn("no upstream account: mail will wait in the queue");

  pool::PoolPolicy policy;
  policy.breaker.failure_threshold = settings.delivery.breaker_failure_threshold;
  policy.breaker.cool_down = settings.delivery.breaker_cool_down;
  policy.quota_rest = settings.delivery.quota_rest_time;
  policy.auth_rest = settings.delivery.auth_rest_time;
  out->pool_ = std::make_unique<pool::AccountPool>(settings.accounts, policy);
  out->router_ =
      std::make_unique<pool::PoolRouter>(*out->pool_, sender_routing(settings.delivery),
                                         std::move(by_index), settings.delivery.breaker_cool_down);
  out->heartbeat_interval_ = settings.delivery.heartbeat_interval;
  return out;
}

Outbound::~Outbound() { stop(); }

void Outbound::start(scheduler::QueueRunner& runner) {
  if (heartbeat_interval_.count() == 0 || heartbeat_targets_.empty()) return;
  heartbeat_ = std::make_unique<pool::Heartbeat>(
      *io_, heartbeat_targets_, heartbeat_interval_,
      [&runner](std::function<void()> work) { runner.post(std::move(work)); },
      [this, &runner](std::size_t account, std::optional<delivery::AccountFault> fault) {
        const auto now = clock_.now();
        const auto& name = pool_->spec(account).name;
        if (fault) {
          spdlog::warn("account {}: health check failed: {}", name, fault->reason);
          pool_->heartbeat_failed(account, *fault, now);
        } else {
          spdlog::debug("account {}: health check ok", name);
          pool_->heartbeat_ok(account, now);
        }
        runner.wake();  // an account may be back: waiting mail can flow
      });
  heartbeat_->start();
}

void Outbound::stop() {
  if (heartbeat_) heartbeat_->stop();
  for (auto& transport : transports_) {
    if (auto* smtp = dynamic_cast<delivery::SmtpTransport*>(transport.get())) smtp->shutdown();
  }
}

admin::AccountsAccess Outbound::accounts_access(scheduler::QueueRunner& runner) {
  admin::AccountsAccess access;
  access.snapshot = [this, &runner](std::function<void(admin::AccountsAccess::Snapshot)> done) {
    runner.post([this, done = std::move(done)] { done(pool_->snapshot(clock_.now())); });
  };
  access.set_enabled = [this, &runner](
                           std::string name, bool enabled,
                           std::function<void(bool, admin::AccountsAccess::Snapshot)> done) {
    runner.post([this, &runner, name = std::move(name), enabled, done = std::move(done)] {
      const bool found = pool_->set_enabled(name, enabled);
      if (found) {
        spdlog::info("account {}: {} by the operator", name, enabled ? "enabled" : "disabled");
        runner.wake();
      }
      done(found, pool_->snapshot(clock_.now()));
    });
  };
  return access;
}

}  // namespace sluice::app
