#pragma once
// The admin HTTP/JSON server: a listener on admin_listen and one session per connection, each
// on its own strand of the daemon's executor. Every request is authenticated (Authorization:
// Bearer TOKEN against admin_tokens; unless options.require_token is false, as for the metrics
// endpoints), routed through router() and answered with JSON (or a handler's text); errors
// are {"error": "..."}. One log line per request (method, path, status, token name; never the
// token). With admin_tls_cert_file and admin_tls_key_file it speaks HTTPS only (TLS 1.2+); a
// plain HTTP request there gets a plain 400. Built and started by the daemon's composition root:
//
//   AdminServer admin(io.get_executor(), settings.admin);
//   register_queue_api(admin.router(), store, clock, [&] { runner.wake(); });
//   if (auto r = admin.start(); !r) ...;   // bind/listen errors are values
//   ...
//   admin.stop();
//
// Threading: construct, fill router(), start() and stop() from one thread (the composition
// root). Routes must all be added before start(). Sessions run on the executor's threads and may
// outlive stop() briefly (they hold their own references); the executor's io_context must
// outlive them, and handlers' captures (the queue store, the clock) must outlive the io_context's
// last run.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/admin/router.h"
#include "sluice/common/result.h"
#include "sluice/config/settings.h"

namespace spdlog {
class logger;
}

namespace sluice::admin {

struct AdminServerOptions {
  std::chrono::milliseconds read_timeout{30'000};   // per request, headers and body
  std::chrono::milliseconds write_timeout{30'000};  // per response
  // A handler that never replies (a stuck queue write) costs the client this long, then 503.
  std::chrono::milliseconds reply_timeout{60'000};
  std::size_t body_limit = 1 << 20;  // bytes; larger bodies get 413 and the connection closes
  std::size_t header_limit = 16 * 1024;
  // false: every request is served without a bearer token (the metrics and health endpoints on
  // metrics_listen, for scrapers and load balancers); its log line names no token.
  bool require_token = true;
  // false: request lines log at debug instead of info (frequent scrapes and health checks).
  bool log_requests = true;
  std::shared_ptr<spdlog::logger> logger;  // null: spdlog's default logger
};

class ServerContext;  // private: src/admin/server_context.h

class AdminServer {
 public:
  AdminServer(boost::asio::any_io_executor executor, const config::AdminSettings& settings,
              AdminServerOptions options = {});
  ~AdminServer();  // stop()s
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Routes to serve; fill before start().
  Router& router() { return *router_; }

  // Loads the TLS certificate and key (if any), binds admin_listen and starts accepting. Errors
  // (unusable certificate or key, bad address, address in use, permission) are values naming
  // the file or the address.
  Result<void> start();
  // The bound port (useful with port 0), or 0 before start().
  std::uint16_t port() const { return port_; }
  // Stops accepting and closes every open connection; responses in flight are dropped.
  // Idempotent.
  void stop();

 private:
  class Listener;

  boost::asio::any_io_executor executor_;
  config::ListenAddress listen_;
  std::string tls_cert_file_;  // empty: plain HTTP
  std::string tls_key_file_;
  std::shared_ptr<Router> router_;
  std::shared_ptr<ServerContext> context_;  // auth, options, live sessions; shared with them
  std::shared_ptr<Listener> listener_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace sluice::admin
