#pragma once
// Health checks for every SMTP account: each interval, a probe on a fresh connection (connect,
// EHLO, STARTTLS/AUTH as configured, NOOP, QUIT). Results go to the account pool through
// `post`, which runs them on the pool's strand; a probe never overlaps the previous one of the
// same account, and the accounts' first probes are spread over one interval.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sluice/delivery/transport.h"

namespace sluice::pool {

class Heartbeat {
 public:
  using ProbeDone = std::function<void(std::optional<delivery::AccountFault>)>;
  using Probe = std::function<void(ProbeDone)>;
  struct Target {
    std::size_t account = 0;  // index in the account pool
    Probe probe;
  };
  // Runs `result(account, fault)` on the pool's strand (the caller's `post` puts it there).
  using Post = std::function<void(std::function<void()>)>;
  using Report = std::function<void(std::size_t account, std::optional<delivery::AccountFault>)>;

  Heartbeat(boost::asio::io_context& io, std::vector<Target> targets,
            std::chrono::milliseconds interval, Post post, Report report);
  ~Heartbeat();

  void start();
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace sluice::pool
