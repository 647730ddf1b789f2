#include "queue_write_probe.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

namespace sluice::metrics {

struct QueueWriteProbe::Waiter {
  Waiter(const boost::asio::any_io_executor& executor, Done callback)
      : done(std::move(callback)), timer(executor) {}

  // The first of the write and the timeout answers.
  void answer(Result<void> result) {
    if (answered.exchange(true)) return;
    done(std::move(result));
  }

  Done done;
  std::atomic<bool> answered{false};
  boost::asio::steady_timer timer;  // its executor only
};

void QueueWriteProbe::check(const boost::asio::any_io_executor& executor, Done done) {
  std::optional<Result<void>> cached;
  bool start = false;
  auto waiter = std::make_shared<Waiter>(executor, std::move(done));
  {
    std::lock_guard lock(mutex_);
    if (last_ && !writing_ && clock_.now() - last_at_ < interval_) {
      cached = *last_;
    } else {
      waiters_.push_back(waiter);
      start = !writing_;
      writing_ = true;
    }
  }
  if (cached) return waiter->answer(std::move(*cached));  // outside the lock: done may post
  waiter->timer.expires_after(timeout_);
  waiter->timer.async_wait([waiter, timeout = timeout_](boost::system::error_code ec) {
    if (ec) return;
    waiter->answer(
        make_error("probe write took longer than " + std::to_string(timeout.count()) + "ms"));
  });
  if (!start) return;
  store_.put_state(
      kReadinessProbeKey, std::to_string(to_micros(clock_.now())),
      [self = shared_from_this()](Result<void> result) { self->finish(std::move(result)); });
}

void QueueWriteProbe::finish(Result<void> result) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    last_ = result;
    last_at_ = clock_.now();
    writing_ = false;
    waiters.swap(waiters_);
  }
  for (auto& waiter : waiters) {
    waiter->answer(result);
    // The timer belongs to its executor: cancel it there, so it stops holding the waiter.
    boost::asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
  }
}

}  // namespace sluice::metrics
