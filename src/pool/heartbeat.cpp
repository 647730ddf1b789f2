#include "sluice/pool/heartbeat.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace sluice::pool {

namespace asio = boost::asio;

// Shared with the timers' handlers and the probes' callbacks, which may outlive stop().
struct Heartbeat::State : std::enable_shared_from_this<Heartbeat::State> {
  struct Slot {
    Target target;
    std::unique_ptr<asio::steady_timer> timer;
  };

  State(asio::io_context& io, std::chrono::milliseconds interval, Post post, Report report)
      : strand(asio::make_strand(io)),
        interval(interval),
        post(std::move(post)),
        report(std::move(report)) {}

  void arm(std::size_t slot, std::chrono::milliseconds after) {
    auto& timer = *slots[slot].timer;
    timer.expires_after(after);
    timer.async_wait([self = shared_from_this(), slot](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->probe(slot);
    });
  }

  void probe(std::size_t slot) {
    slots[slot].target.probe(
        [self = shared_from_this(), slot](std::optional<delivery::AccountFault> fault) {
          asio::post(self->strand, [self, slot, fault = std::move(fault)]() mutable {
            if (self->stopped) return;
            const auto account = self->slots[slot].target.account;
            self->post([report = self->report, account, fault = std::move(fault)]() mutable {
              report(account, std::move(fault));
            });
            self->arm(slot, self->interval);
          });
        });
  }

  asio::strand<asio::io_context::executor_type> strand;
  std::chrono::milliseconds interval;
  Post post;
  Report report;
  std::vector<Slot> slots;  // fixed after construction
  bool stopped = false;     // strand only
};

Heartbeat::Heartbeat(asio::io_context& io, std::vector<Target> targets,
                     std::chrono::milliseconds interval, Post post, Report report)
    : state_(std::make_shared<State>(io, interval, std::move(post), std::move(report))) {
  for (auto& target : targets) {
    state_->slots.push_back(
        {std::move(target), std::make_unique<asio::steady_timer>(state_->strand)});
  }
}

Heartbeat::~Heartbeat() { stop(); }

void Heartbeat::start() {
  if (state_->interval.count() <= 0) return;
  asio::post(state_->strand, [state = state_] {
    const auto n = state->slots.size();
    for (std::size_t i = 0; i < n; ++i) {
      // Spread the first probes so a pool of accounts is not checked in one burst.
      state->arm(i, state->interval * static_cast<long>(i + 1) / static_cast<long>(n + 1));
    }
  });
}

void Heartbeat::stop() {
  asio::post(state_->strand, [state = state_] {
    state->stopped = true;
    for (auto& slot : state->slots) slot.timer->cancel();
  });
}

}  // namespace sluice::pool
