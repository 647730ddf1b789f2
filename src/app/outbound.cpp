#include "outbound.h"

#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>

#include "sluice/config/lookup_table.h"
#include "sluice/config/values.h"
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

constexpr const char* kAccountControlKey = "control/account/";

// Persisted run-time limits of an account: "rate=20/s burst=5 hourly=100 daily=500", any subset.
std::string encode_limits(const scheduler::ControlRequest& r) {
  std::string out;
  auto add = [&out](const std::string& k, const std::string& v) {
    out += (out.empty() ? "" : " ") + k + "=" + v;
  };
  if (!r.rate.empty()) add("rate", r.rate);
  if (r.burst) add("burst", std::to_string(*r.burst));
  if (r.hourly_limit) add("hourly", std::to_string(*r.hourly_limit));
  if (r.daily_limit) add("daily", std::to_string(*r.daily_limit));
  return out;
}

scheduler::ControlRequest decode_limits(const std::string& name, const std::string& text) {
  scheduler::ControlRequest r;
  r.target = scheduler::ControlTarget::account;
  r.action = scheduler::ControlAction::set_limits;
  r.name = name;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find(' ', at);
    auto word = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    auto key = word.substr(0, eq), value = word.substr(eq + 1);
    auto number = [&value] {
      return static_cast<std::uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
    };
    if (key == "rate") r.rate = value;
    if (key == "burst") r.burst = number();
    if (key == "hourly") r.hourly_limit = number();
    if (key == "daily") r.daily_limit = number();
  }
  return r;
}

}  // namespace

Result<std::unique_ptr<Outbound>> Outbound::build(const config::Settings& settings,
                                                  asio::io_context& io,
                                                  asio::any_io_executor blocking,
                                                  const Clock& clock, queue::QueueStore& store,
                                                  OutboundObservers observers) {
  std::unique_ptr<Outbound> out(new Outbound(clock));
  out->io_ = &io;
  dns::ResolverOptions resolver_options;
  resolver_options.servers = settings.delivery.dns_servers;
  resolver_options.events = observers.resolver;
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
      delivery::SmtpTransportOptions options{
          account, settings.smtpd.myhostname, settings.smtp_tls_ca_file,
          smtp_timeouts(settings.delivery), observers.connections};
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

  auto throttle = pool::AccountThrottle::create(settings.accounts, clock.now());
  if (!throttle) return throttle.error();
  out->throttle_ = std::make_unique<pool::AccountThrottle>(std::move(*throttle));
  for (const auto& account : settings.accounts) {
    // A restart never resets a quota: the ledger written before each message is read back.
    auto ledger = store.get_state(pool::AccountThrottle::ledger_key(account.name));
    if (!ledger) return make_error("account " + account.name + ": " + ledger.error().message);
    if (*ledger) {
      if (auto restored = out->throttle_->restore(account.name, **ledger); !restored) {
        spdlog::error("account {}: unreadable quota ledger ({}); counting from zero", account.name,
                      restored.error().message);
      }
    }
  }

  pool::PoolPolicy policy;
  policy.breaker.failure_threshold = settings.delivery.breaker_failure_threshold;
  policy.breaker.cool_down = settings.delivery.breaker_cool_down;
  policy.quota_rest = settings.delivery.quota_rest_time;
  policy.auth_rest = settings.delivery.auth_rest_time;
  out->pool_ = std::make_unique<pool::AccountPool>(settings.accounts, policy, out->throttle_.get());
  out->router_ = std::make_unique<pool::PoolRouter>(
      *out->pool_, sender_routing(settings.delivery), std::move(by_index),
      settings.delivery.breaker_cool_down, out->throttle_.get());
  // Run-time limits an operator set survive restarts.
  auto restored = store.scan_state(
      kAccountControlKey, "", [&](const std::string& key, const std::string& value) {
        const auto name = key.substr(std::string(kAccountControlKey).size());
        if (auto changed = out->control_account(decode_limits(name, value)); !changed) {
          spdlog::warn("account {}: stored limits not applied: {}", name, changed.error().message);
        }
        return true;
      });
  if (!restored) return make_error("cannot read account controls: " + restored.error().message);
  out->heartbeat_interval_ = settings.delivery.heartbeat_interval;
  return out;
}

Outbound::~Outbound() { stop(); }

std::vector<pool::AccountSnapshot> Outbound::snapshot() const {
  const auto now = clock_.now();
  auto accounts = pool_->snapshot(now);
  for (auto& a : accounts) {
    if (auto view = throttle_->view(a.name, now)) {
      a.rate = view->rate_text;
      a.hourly_limit = view->hourly_limit;
      a.daily_limit = view->daily_limit;
      a.used_hour = view->used_hour;
      a.used_day = view->used_day;
    }
  }
  return accounts;
}

std::string Outbound::describe(const std::string& account) const {
  const auto now = clock_.now();
  std::string text;
  for (const auto& a : pool_->snapshot(now)) {
    if (a.name == account) text = std::string("status=") + pool::to_string(a.status);
  }
  if (auto view = throttle_->view(account, now)) {
    text += " rate=" + view->rate_text + " hourly_limit=" + std::to_string(view->hourly_limit) +
            " daily_limit=" + std::to_string(view->daily_limit);
  }
  return text;
}

Result<scheduler::AccountChange> Outbound::control_account(const scheduler::ControlRequest& r) {
  bool known = false;
  for (std::size_t i = 0; i < pool_->size(); ++i) known |= pool_->spec(i).name == r.name;
  if (!known) return make_error("no such account: " + r.name, ErrorCode::not_found);
  scheduler::AccountChange change;
  change.old_value = describe(r.name);
  const auto now = clock_.now();
  switch (r.action) {
    case scheduler::ControlAction::disable:
    case scheduler::ControlAction::enable:
      pool_->set_enabled(r.name, r.action == scheduler::ControlAction::enable);
      break;
    case scheduler::ControlAction::set_limits: {
      pool::AccountLimits limits;
      if (!r.rate.empty()) {
        auto rate = config::parse_rate(r.rate);
        if (!rate)
          return make_error("bad rate '" + r.rate + "': " + rate.error().message,
                            ErrorCode::invalid);
        limits.rate = rate->per_second;
        limits.rate_text = rate->text;
      }
      limits.burst = r.burst;
      limits.hourly_limit = r.hourly_limit;
      limits.daily_limit = r.daily_limit;
      if (auto ledger = throttle_->set_limits(r.name, limits, now)) {
        change.writes.emplace_back(ledger->key, ledger->value);
      }
      change.writes.emplace_back(kAccountControlKey + r.name, encode_limits(r));
      break;
    }
    default:
      return make_error("an account can be disabled, enabled or given limits", ErrorCode::invalid);
  }
  change.new_value = describe(r.name);
  return change;
}

void Outbound::attach(scheduler::QueueRunner& runner) {
  runner.set_account_control(
      [this](const scheduler::ControlRequest& request) { return control_account(request); });
}

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
    runner.post([this, done = std::move(done)] { done(snapshot()); });
  };
  access.set_enabled = [this, &runner](
                           std::string name, bool enabled, std::string actor, std::string client,
                           std::function<void(bool, admin::AccountsAccess::Snapshot)> done) {
    scheduler::ControlRequest request;
    request.target = scheduler::ControlTarget::account;
    request.action = enabled ? scheduler::ControlAction::enable : scheduler::ControlAction::disable;
    request.name = name;
    request.actor = std::move(actor);
    request.client = std::move(client);
    runner.controls().apply(
        request, [this, &runner, done = std::move(done)](Result<scheduler::AuditEntry> applied) {
          runner.post([this, found = applied.ok(), done] { done(found, snapshot()); });
        });
  };
  return access;
}

}  // namespace sluice::app
