#pragma once
// What every admin connection shares with the AdminServer that accepted it: the routes, the
// token check, the limits, the logger and the registry of live sessions (so stop() can close
// them). Held by shared_ptr so that sessions finishing after the server object is gone stay
// valid. Everything but the registry is immutable after start().

#include <memory>
#include <mutex>
#include <unordered_map>

#include "bearer_auth.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/router.h"

namespace spdlog {
class logger;
}

namespace sluice::admin {

class HttpSession;

class ServerContext {
 public:
  ServerContext(std::shared_ptr<const Router> router, BearerAuth auth, AdminServerOptions options);

  const Router& router() const { return *router_; }
  const BearerAuth& auth() const { return auth_; }
  const AdminServerOptions& options() const { return options_; }
  spdlog::logger& logger() const { return *logger_; }

  // Registry of live sessions. enroll() fails once stop_all() has run.
  bool enroll(HttpSession* session, std::weak_ptr<HttpSession> handle);
  void forget(HttpSession* session);
  void stop_all();

 private:
  std::shared_ptr<const Router> router_;
  BearerAuth auth_;
  AdminServerOptions options_;
  std::shared_ptr<spdlog::logger> logger_;

  std::mutex mutex_;  // guards sessions_ and stopped_
  std::unordered_map<HttpSession*, std::weak_ptr<HttpSession>> sessions_;
  bool stopped_ = false;
};

}  // namespace sluice::admin
