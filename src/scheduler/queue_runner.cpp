#include "sluice/scheduler/queue_runner.h"

#include <memory>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "delivery_log.h"

namespace sluice::scheduler {

namespace asio = boost::asio;

QueueRunner::QueueRunner(asio::io_context& io, queue::QueueStore& store, TransportSelector select,
                         const Clock& clock, RunnerSettings settings, Random01 random)
    : strand_(asio::make_strand(io)),
      timer_(strand_),
      store_(store),
      select_(std::move(select)),
      clock_(clock),
      settings_(settings),
      random_(std::move(random)) {}

void QueueRunner::start() { wake(); }

void QueueRunner::wake() {
  if (wake_pending_.exchange(true)) return;
  asio::post(strand_, [this] {
    wake_pending_ = false;
    schedule();
  });
}

void QueueRunner::stop() {
  asio::post(strand_, [this] {
    stopping_ = true;
    timer_.cancel();
  });
}

void QueueRunner::schedule() {
  if (stopping_) return;
  const auto now = clock_.now();
  // In-flight messages stay in the index until their result is recorded, so ask for enough
  // entries to see past them.
  const std::size_t free_slots = settings_.concurrency - std::min(settings_.concurrency, in_flight_.size());
  // With no account to take mail, messages wait where they are: no attempt is spent and
  // nothing is written, and new mail does not make the runner look again until the pause ends.
  const bool accounts_resting = now < no_account_until_;
  if (free_slots > 0 && !accounts_resting) {
    auto due = store_.due(now, in_flight_.size() + free_slots);
    if (!due) {
      spdlog::error("queue runner: cannot read the due index: {}", due.error().message);
    } else {
      std::size_t started = 0;
      for (const auto& entry : *due) {
        if (started == free_slots) break;
        if (in_flight_.contains(entry.id)) continue;
        if (!dispatch(entry)) {
          no_account_until_ = now + settings_.no_account_pause;
          break;
        }
        ++started;
      }
    }
  }
  if (in_flight_.size() >= settings_.concurrency) return;  // a completion reschedules
  // Everything due by now is dispatched or waits for a free slot (a completion reschedules).
  auto next = store_.next_due(now);
  SystemTime until = now + settings_.idle_poll;
  if (next && *next && **next < until) until = **next;
  if (now < no_account_until_) until = std::max(until, no_account_until_);
  arm_timer(until);
}

void QueueRunner::arm_timer(SystemTime until) {
  // Re-arming costs a timerfd_settime system call; under load schedule() runs for every
  // message, so keep an earlier wake-up that is already set: it re-evaluates anyway.
  if (timer_armed_ && armed_until_ <= until) return;
  timer_armed_ = true;
  armed_until_ = until;
  auto wait = until - clock_.now();
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(wait, SystemTime::duration::zero())));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // replaced by an earlier wake-up, or stop()
    timer_armed_ = false;
    schedule();
  });
}

bool QueueRunner::dispatch(const queue::DueEntry& entry) {
  auto message = store_.find(entry.id);
  if (!message) return true;  // removed since the index was read
  delivery::Transport* transport = select_(*message);
  if (!transport) return false;
  auto body = store_.body(entry.id);
  if (!body) {
    spdlog::error("{}: cannot read the message body: {}", entry.id, body.error().message);
    return true;
  }
  delivery::DeliveryRequest request;
  request.id = message->id;
  request.sender = message->sender;
  for (const auto& r : message->recipients) {
    if (r.state == mail::RecipientState::pending) request.recipients.push_back(r.address);
  }
  request.body = std::make_shared<const std::string>(std::move(*body));

  in_flight_.insert(entry.id);
  ++in_flight_count_;
  transport->deliver(std::move(request),
                     [this, m = std::move(*message)](delivery::DeliveryResult result) mutable {
                       asio::post(strand_, [this, m = std::move(m),
                                            result = std::move(result)]() mutable {
                         complete(std::move(m), std::move(result));
                       });
                     });
  return true;
}

void QueueRunner::complete(queue::QueuedMessage message, delivery::DeliveryResult result) {
  const auto now = clock_.now();
  const double delay = std::chrono::duration<double>(now - message.arrival).count();
  for (const auto& r : result.recipients) {
    spdlog::info("{}", delivery_log_line(message.id, r, result.relay, delay));
  }
  auto disposition = std::make_shared<outcome::Disposition>(outcome::Disposition::retry);
  const double random01 = random_();
  auto policy = settings_.retry;
  auto id = message.id;
  store_.modify(
      id,
      [result = std::move(result), policy, now, random01, disposition](queue::QueuedMessage& m) {
        const bool held = m.state == queue::MessageState::held;
        *disposition = outcome::apply_delivery_result(m, result, policy, now, random01);
        if (held && *disposition == outcome::Disposition::retry) m.state = queue::MessageState::held;
        return *disposition == outcome::Disposition::done ? queue::Edit::remove : queue::Edit::keep;
      },
      [this, id, disposition](Result<void> written) {
        asio::post(strand_, [this, id, disposition, written = std::move(written)] {
          if (!written) {
            // The result is lost but the message is not: it stays due and is delivered again
            // (at-least-once), which is why this is an error worth an operator's eye.
            spdlog::error("{}: cannot record the delivery result: {}", id, written.error().message);
            // Leave it in flight a while so a failing store does not turn into a redelivery loop.
            auto pause = std::make_shared<asio::steady_timer>(strand_, std::chrono::seconds(5));
            pause->async_wait([this, id, pause](boost::system::error_code) { finish(id); });
            return;
          } else if (*disposition == outcome::Disposition::done) {
            spdlog::info("{}: removed", id);
          } else if (*disposition == outcome::Disposition::dead) {
            spdlog::warn("{}: no recipient left to try; kept as dead", id);
          }
          finish(id);
        });
      });
}

void QueueRunner::finish(const mail::QueueId& id) {
  in_flight_.erase(id);
  --in_flight_count_;
  schedule();
}

}  // namespace sluice::scheduler
