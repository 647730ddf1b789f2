#include "sluice/delivery/smtp_transport.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "smtp_connection.h"

namespace sluice::delivery {

namespace asio = boost::asio;

namespace {

DeliveryResult faulted(const DeliveryRequest& request, std::string relay, AccountFault fault) {
  DeliveryResult result;
  result.relay = std::move(relay);
  result.recipients = unjudged(request.recipients, "451 4.4.1 " + fault.reason);
  result.fault = std::move(fault);
  return result;
}

}  // namespace

// Every connection of the account and the idle list share one strand: no lock anywhere.
struct SmtpTransport::Impl : std::enable_shared_from_this<SmtpTransport::Impl> {
  struct Idle {
    std::shared_ptr<SmtpConnection> connection;
    std::shared_ptr<asio::steady_timer> expiry;
  };

  Impl(asio::io_context& io, dns::Resolver& resolver, SmtpTransportOptions options)
      : resolver(resolver),
        options(std::move(options)),
        tls(asio::ssl::context::tls_client),
        strand(asio::make_strand(io)),
        relay(this->options.account.name + "[" + this->options.account.host +
              "]:" + std::to_string(this->options.account.port)) {}

  ClientOptions client_options() const {
    const auto& account = options.account;
    ClientOptions client;
    client.helo_name = options.helo_name;
    client.tls = account.tls == config::TlsMode::none       ? ClientTls::none
                 : account.tls == config::TlsMode::starttls ? ClientTls::starttls
                                                            : ClientTls::implicit;
    client.username = account.username;
    client.password = account.password;
    client.allow_plaintext_auth = account.tls == config::TlsMode::none;
    return client;
  }

  std::shared_ptr<SmtpConnection> make_connection() {
    return std::make_shared<SmtpConnection>(strand, tls, options.timeouts, client_options(),
                                            options.account.host, options.account.port,
                                            options.account.tls_verify);
  }

  // A connection that could not be opened: why, for the events.
  void report_open_failure(const SmtpConnection& connection) const {
    if (!options.events) return;
    if (connection.tls_failed()) options.events->tls_failed(options.account.name);
    if (connection.auth_refused()) options.events->auth_failed(options.account.name);
  }

  std::shared_ptr<SmtpConnection> take_idle() {
    while (!idle.empty()) {
      auto entry = std::move(idle.back());
      idle.pop_back();
      entry.expiry->cancel();
      if (entry.connection->usable()) return entry.connection;
    }
    return nullptr;
  }

  void keep_idle(std::shared_ptr<SmtpConnection> connection) {
    auto expiry = std::make_shared<asio::steady_timer>(strand, options.timeouts.cache_time_limit);
    idle.push_back({connection, expiry});
    expiry->async_wait([self = shared_from_this(), connection](boost::system::error_code ec) {
      if (ec) return;  // taken for another message, or shut down
      std::erase_if(self->idle, [&](const Idle& e) { return e.connection == connection; });
      asio::co_spawn(self->strand, connection->quit(), asio::detached);
    });
  }

  void put_back(std::shared_ptr<SmtpConnection> connection) {
    const auto limit = options.account.max_messages_per_connection;
    if (!shut && connection->usable() && (limit == 0 || connection->transactions() < limit)) {
      keep_idle(std::move(connection));
    } else {
      asio::co_spawn(strand, connection->quit(), asio::detached);
    }
  }

  asio::awaitable<void> deliver(DeliveryRequest request, Done done) {
    Transaction transaction;
    const auto& rewrite = options.account.sender_rewrite;
    transaction.sender = !rewrite.empty() && !request.sender.empty() ? rewrite : request.sender;
    transaction.recipients = request.recipients;
    transaction.body = request.body;
    transaction.smtputf8 = request.smtputf8;
    transaction.eight_bit = request.eight_bit;

    auto connection = take_idle();
    // A cached connection the upstream has dropped meanwhile fails before anything is judged;
    // that is not the account's fault, so it gets one fresh connection.
    for (int tries = 0; tries < 2; ++tries) {
      const bool reused = connection != nullptr;
      if (!connection) {
        connection = make_connection();
        if (auto fault = co_await connection->open(resolver)) {
          report_open_failure(*connection);
          connection->close();
          done(faulted(request, relay, std::move(*fault)));
          co_return;
        }
      }
      auto result = co_await connection->transact(transaction);
      if (reused && result.fault && nothing_judged(result.recipients)) {
        connection->close();
        connection.reset();
        continue;
      }
      if (options.events) options.events->connection_used(options.account.name, reused);
      put_back(std::move(connection));
      done(DeliveryResult{relay, std::move(result.recipients), std::move(result.fault)});
      co_return;
    }
    done(faulted(request, relay,
                 AccountFault{AccountFaultKind::unavailable, "no usable connection"}));
  }

  asio::awaitable<void> probe(std::function<void(std::optional<AccountFault>)> done) {
    auto connection = make_connection();
    auto fault = co_await connection->open(resolver);
    if (fault) report_open_failure(*connection);
    if (!fault) fault = co_await connection->probe();
    co_await connection->quit();
    done(std::move(fault));
  }

  dns::Resolver& resolver;
  SmtpTransportOptions options;
  asio::ssl::context tls;
  asio::strand<asio::io_context::executor_type> strand;
  std::string relay;       // "account[host]:port" for log lines
  std::vector<Idle> idle;  // strand only
  bool shut = false;       // strand only
};

Result<std::shared_ptr<SmtpTransport>> SmtpTransport::create(asio::io_context& io,
                                                             dns::Resolver& resolver,
                                                             SmtpTransportOptions options) {
  auto impl = std::make_shared<Impl>(io, resolver, std::move(options));
  SSL_CTX_set_min_proto_version(impl->tls.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  const auto& ca_file = impl->options.ca_file;
  // smtp_tls_CAfile adds to the system's CAs, as in Postfix.
  impl->tls.set_default_verify_paths(ec);
  if (ec) return make_error("cannot load the system's CA certificates: " + ec.message());
  if (!ca_file.empty()) {
    impl->tls.load_verify_file(ca_file, ec);
    if (ec) return make_error("smtp_tls_CAfile " + ca_file + ": " + ec.message());
  }
  return std::shared_ptr<SmtpTransport>(new SmtpTransport(std::move(impl)));
}

SmtpTransport::SmtpTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SmtpTransport::~SmtpTransport() { shutdown(); }

void SmtpTransport::deliver(DeliveryRequest request, Done done) {
  asio::co_spawn(impl_->strand, impl_->deliver(std::move(request), std::move(done)),
                 asio::detached);
}

void SmtpTransport::probe(std::function<void(std::optional<AccountFault>)> done) {
  asio::co_spawn(impl_->strand, impl_->probe(std::move(done)), asio::detached);
}

void SmtpTransport::shutdown() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->shut = true;
    for (auto& entry : impl->idle) {
      entry.expiry->cancel();
      asio::co_spawn(impl->strand, entry.connection->quit(), asio::detached);
    }
    impl->idle.clear();
  });
}

const std::string& SmtpTransport::name() const { return impl_->options.account.name; }

}  // namespace sluice::delivery
