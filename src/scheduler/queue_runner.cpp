#include "sluice/scheduler/queue_runner.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "delivery_log.h"
#include "flight.h"

namespace sluice::scheduler {

namespace asio = boost::asio;

QueueRunner::QueueRunner(asio::io_context& io, queue::QueueStore& store, Router& router,
                         mail::QueueIdGenerator& ids, const Clock& clock, RunnerSettings settings,
                         Random01 random)
    : strand_(asio::make_strand(io)),
      timer_(strand_),
      sweep_timer_(strand_),
      store_(store),
      router_(router),
      ids_(ids),
      clock_(clock),
      settings_(std::move(settings)),
      random_(std::move(random)) {}

void QueueRunner::start() {
  wake();
  post([this] { sweep_dead(); });
}

void QueueRunner::wake() {
  if (wake_pending_.exchange(true)) return;
  asio::post(strand_, [this] {
    wake_pending_ = false;
    schedule();
  });
}

void QueueRunner::post(std::function<void()> work) { asio::post(strand_, std::move(work)); }

void QueueRunner::stop() {
  asio::post(strand_, [this] {
    stopping_ = true;
    timer_.cancel();
    sweep_timer_.cancel();
  });
}

void QueueRunner::schedule() {
  if (stopping_) return;
  const auto now = clock_.now();
  // In-flight messages stay in the index until their result is recorded, so ask for enough
  // entries to see past them.
  const std::size_t free_slots =
      settings_.concurrency - std::min(settings_.concurrency, in_flight_.size());
  // With every account slot busy, messages wait where they are: no attempt is spent and
  // nothing is written; a completion (or the pause's end) makes the runner look again.
  const bool accounts_busy = now < busy_until_;
  if (free_slots > 0 && !accounts_busy) {
    auto due = store_.due(now, in_flight_.size() + free_slots);
    if (!due) {
      spdlog::error("queue runner: cannot read the due index: {}", due.error().message);
    } else {
      std::size_t started = 0;
      for (const auto& entry : *due) {
        if (started == free_slots) break;
        if (in_flight_.contains(entry.id)) continue;
        if (!dispatch(entry)) {
          busy_until_ = now + settings_.no_account_pause;
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
  if (now < busy_until_) until = std::max(until, busy_until_);
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
  auto choice = router_.pick(*message, {}, clock_.now());
  if (!choice.route) {
    if (choice.reason == NoRouteReason::busy) return false;
    park(std::move(*message), choice);
    return true;
  }
  auto body = store_.body(entry.id);
  if (!body) {
    spdlog::error("{}: cannot read the message body: {}", entry.id, body.error().message);
    router_.finished(*choice.route, {}, clock_.now());
    return true;
  }
  auto flight = std::make_shared<Flight>();
  flight->body = std::make_shared<const std::string>(std::move(*body));
  for (const auto& r : message->recipients) {
    if (r.state == mail::RecipientState::pending) flight->pending.push_back(r.address);
  }
  flight->message = std::move(*message);
  begin_flight(entry.id);
  start_leg(flight, std::move(*choice.route));
  return true;
}

void QueueRunner::begin_flight(const mail::QueueId& id) {
  in_flight_.insert(id);
  ++in_flight_count_;
}

void QueueRunner::finish(const mail::QueueId& id) {
  in_flight_.erase(id);
  --in_flight_count_;
  schedule();
}

// No account of the message's pool can take it: it waits, without an attempt, until one may be
// back, so the due index does not keep offering it (Postfix: "delivery temporarily suspended").
void QueueRunner::park(queue::QueuedMessage message, const RouteChoice& choice) {
  const auto now = clock_.now();
  const auto until = std::max(choice.retry_at, now + std::chrono::seconds(1));
  const auto id = message.id;
  spdlog::info("{}: delivery temporarily suspended: {}", id, choice.why);
  begin_flight(id);
  store_.modify(
      id,
      [until, why = choice.why](queue::QueuedMessage& m) {
        if (m.state == queue::MessageState::active) {
          m.next_attempt = until;
          m.last_error = "delivery temporarily suspended: " + why;
        }
        return queue::Edit::keep;
      },
      [this, id](Result<void> written) {
        asio::post(strand_, [this, id, written = std::move(written)] {
          if (!written && written.error().code != ErrorCode::not_found) {
            spdlog::error("{}: cannot postpone: {}", id, written.error().message);
          }
          finish(id);
        });
      });
}

}  // namespace sluice::scheduler
