#include "sluice/admin/admin_server.h"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <exception>

#include "admin_tls.h"
#include "http_session.h"
#include "server_context.h"

namespace sluice::admin {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string display(const config::ListenAddress& listen) {
  bool v6 = listen.host.find(':') != std::string::npos;
  return (v6 ? "[" + listen.host + "]" : listen.host) + ":" + std::to_string(listen.port);
}

}  // namespace

ServerContext::ServerContext(std::shared_ptr<const Router> router, BearerAuth auth,
                             AdminServerOptions options)
    : router_(std::move(router)),
      auth_(std::move(auth)),
      options_(std::move(options)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()) {}

bool ServerContext::enroll(HttpSession* session, std::weak_ptr<HttpSession> handle) {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  sessions_.emplace(session, std::move(handle));
  return true;
}

void ServerContext::forget(HttpSession* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

void ServerContext::stop_all() {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& [raw, handle] : sessions_) {
      if (auto session = handle.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->close();
}

// Accepts connections on its own strand and hands each to a new HttpSession on a fresh strand.
// After an accept error (out of descriptors, ...) it waits, doubling up to a second, instead of
// spinning.
class AdminServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(const asio::any_io_executor& executor, std::shared_ptr<ServerContext> context,
           std::shared_ptr<asio::ssl::context> tls)
      : executor_(executor),
        strand_(asio::make_strand(executor)),
        acceptor_(strand_),
        backoff_timer_(strand_),
        context_(std::move(context)),
        tls_(std::move(tls)) {}

  // Called before any handler runs, from the composition root's thread.
  Result<std::uint16_t> open(const config::ListenAddress& listen) {
    auto fail = [&](const std::string& why) {
      return make_error("cannot listen on " + display(listen) + ": " + why);
    };
    boost::system::error_code ec;
    auto address = asio::ip::make_address(listen.host, ec);
    if (ec) {
      tcp::resolver resolver(executor_);
      auto results =
          resolver.resolve(listen.host, std::to_string(listen.port), tcp::resolver::passive, ec);
      if (ec || results.empty()) return fail(ec ? ec.message() : "no address");
      address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, listen.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return fail(ec.message());
    }
    return acceptor_.local_endpoint().port();
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->accept(); });
  }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->backoff_timer_.cancel();
    });
  }

 private:
  void accept() {
    if (stopped_) return;
    acceptor_.async_accept(
        asio::make_strand(executor_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      backoff_ =
          std::clamp(backoff_ * 2, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
      context_->logger().warn("admin: accept failed: {}; retrying in {}ms", ec.message(),
                              backoff_.count());
      backoff_timer_.expires_after(backoff_);
      backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    backoff_ = std::chrono::milliseconds(0);
    std::make_shared<HttpSession>(std::move(socket), context_, tls_)->start();
    accept();
  }

  asio::any_io_executor executor_;
  asio::strand<asio::any_io_executor> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_timer_;
  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<asio::ssl::context> tls_;  // null: plain HTTP
  std::chrono::milliseconds backoff_{0};     // strand only
  bool stopped_ = false;                     // strand only
};

AdminServer::AdminServer(asio::any_io_executor executor, const config::AdminSettings& settings,
                         AdminServerOptions options)
    : executor_(std::move(executor)),
      listen_(settings.listen),
      tls_cert_file_(settings.tls_cert_file),
      tls_key_file_(settings.tls_key_file),
      router_(std::make_shared<Router>()),
      context_(std::make_shared<ServerContext>(router_, BearerAuth(settings.tokens),
                                               std::move(options))) {}

AdminServer::~AdminServer() {
  try {
    stop();
  } catch (const std::exception&) {
    // Only allocation can fail here; the sessions close when the io_context goes away.
  }
}

Result<void> AdminServer::start() {
  if (listener_ || stopped_) return make_error("admin server already started");
  std::shared_ptr<asio::ssl::context> tls;
  if (!tls_cert_file_.empty()) {
    auto made = make_admin_tls_context(tls_cert_file_, tls_key_file_);
    if (!made) return made.error();
    tls = std::move(*made);
  }
  const bool https = tls != nullptr;
  auto listener = std::make_shared<Listener>(executor_, context_, std::move(tls));
  auto port = listener->open(listen_);
  if (!port) return port.error();
  port_ = *port;
  listener_ = std::move(listener);
  listener_->start();
  context_->logger().info("admin: listening on {} ({})",
                          display(config::ListenAddress{listen_.host, port_}),
                          https ? "HTTPS" : "HTTP");
  return {};
}

void AdminServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (listener_) listener_->stop();
  context_->stop_all();
}

}  // namespace sluice::admin
