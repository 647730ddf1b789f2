#include "sluice/scheduler/queue_runner.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <limits>

#include "campaigns.h"
#include "delivery_log.h"
#include "flight.h"
#include "run_controls.h"

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
      random_(std::move(random)),
      campaigns_(std::make_unique<Campaigns>()) {
  campaigns_->controls = std::make_unique<Controls>(*this);
}

QueueRunner::~QueueRunner() = default;

void QueueRunner::configure_campaigns(std::vector<CampaignConfig> configured,
                                      CampaignConfig defaults) {
  campaigns_->book = CampaignBook(std::move(configured), std::move(defaults));
}

ControlService& QueueRunner::controls() { return *campaigns_->controls; }

void QueueRunner::set_account_control(AccountControl control) {
  campaigns_->account_control = std::move(control);
}

void QueueRunner::set_events(DeliveryEvents* events) { events_ = events; }

void QueueRunner::view(std::function<void(SchedulerView)> done) {
  post([this, done = std::move(done)] {
    expire_parked(clock_.now());
    SchedulerView view = campaigns_->book.waiting();
    view.in_flight = in_flight_.size() - parking_;
    view.waiting_quota = parked_.size();
    done(view);
  });
}

void QueueRunner::start() {
  post([this] {
    campaigns_->controls->restore(clock_.now());
    sweep_dead();
  });
  wake();
}

void QueueRunner::wake() {
  if (wake_pending_.exchange(true)) return;
  asio::post(strand_, [this] {
    wake_pending_ = false;
    refresh_wanted_ = true;
    schedule();
  });
}

void QueueRunner::arrived(const std::string& campaign) {
  {
    std::lock_guard lock(arrivals_mutex_);
    arrivals_.push_back(campaign);
  }
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

// Reads which campaigns have active mail (one index seek per campaign) and puts those with
// due mail in line. Their queued counts come along for the API.
void QueueRunner::refresh_campaigns(SystemTime now) {
  refreshed_at_ = now;
  refresh_wanted_ = false;
  auto& c = *campaigns_;
  // Campaigns waiting for an account slot try again at least this often, even when no
  // completion freed one (an account came back, a limit was raised).
  c.scheduler.slots_freed(std::numeric_limits<std::size_t>::max(), now);
  for (auto& [id, campaign] : c.book.all()) {
    campaign.queued = 0;
    c.book.recount(campaign, now);
  }
  std::string after;
  for (;;) {
    auto list = store_.campaigns(after, 1000);
    if (!list) {
      spdlog::error("queue runner: cannot read the campaign index: {}", list.error().message);
      return;
    }
    for (const auto& q : *list) {
      Campaign& campaign = c.book.get(q.campaign, now);
      campaign.queued = q.active;
      if (q.earliest_due <= now) {
        // Mail came due since its last due read found none.
        if (!campaign.due_capped && campaign.due_seen == 0) campaign.due_seen = 1;
        c.scheduler.mark_due(campaign, now);
      }
      c.book.recount(campaign, now);
    }
    if (list->size() < 1000) break;
    after = list->back().campaign;
  }
  c.book.prune(settings_.campaign_memory);
}

void QueueRunner::schedule() {
  if (stopping_) return;
  const auto now = clock_.now();
  auto& c = *campaigns_;
  if (completions_ > 0) {
    // Each freed slot lets a few campaigns that found every account busy try again.
    c.scheduler.slots_freed(completions_ + 4, now);
    completions_ = 0;
  }
  if (now - c.expired_at >= std::chrono::seconds(1)) {
    c.expired_at = now;
    c.controls->expire(now);
  }
  std::vector<std::string> arrivals;
  {
    std::lock_guard lock(arrivals_mutex_);
    arrivals.swap(arrivals_);
  }
  for (const auto& id : arrivals) {
    Campaign& campaign = c.book.get(id, now);
    ++campaign.queued;
    if (!campaign.due_capped) ++campaign.due_seen;
    c.scheduler.mark_due(campaign, now);
    c.book.recount(campaign, now);
  }
  expire_parked(now);
  const auto since_refresh = now - refreshed_at_;
  // A full refresh costs one index seek per campaign: with tens of thousands of campaigns it
  // runs less often (new mail is put in line by arrived() meanwhile).
  const auto refresh_max =
      settings_.refresh_max * static_cast<long>(1 + c.book.all().size() / 10000);
  if ((refresh_wanted_ && since_refresh >= settings_.refresh_min) || since_refresh >= refresh_max) {
    refresh_campaigns(now);
  }
  c.scheduler.wake_sleepers(now);

  std::size_t free_slots =
      settings_.concurrency - std::min(settings_.concurrency, in_flight_.size());
  // Bounded, so an index entry whose record cannot be read never spins the strand.
  std::size_t budget = free_slots * 4 + 64;
  while (free_slots > 0 && budget-- > 0) {
    Campaign* campaign = c.scheduler.next(now);
    if (!campaign) break;
    // A campaign's mail may go through several pools: when the account of its first due
    // message is busy, a few more are tried, so one pool's slow account does not hold back
    // the campaign's (or transactional) mail for another pool.
    constexpr std::size_t kLookahead = 8;
    const std::size_t limit = campaign->in_flight + kLookahead;
    auto due = store_.due_in_campaign(campaign->config.id, now, limit);
    if (!due) {
      spdlog::error("queue runner: cannot read the due index: {}", due.error().message);
      break;
    }
    // What the view counts as this campaign's due mail; its in-flight messages are due too.
    campaign->due_capped = due->size() >= limit;
    campaign->due_seen = due->size() - std::min<std::size_t>(due->size(), campaign->in_flight);
    std::optional<Dispatch> outcome;
    std::optional<SystemTime> busy_until;
    for (const auto& e : *due) {
      if (in_flight_.contains(e.id)) continue;
      std::optional<SystemTime> entry_busy_until;
      outcome = dispatch(e, *campaign, entry_busy_until);
      if (*outcome != Dispatch::busy) break;
      if (entry_busy_until && (!busy_until || *entry_busy_until < *busy_until)) {
        busy_until = entry_busy_until;
      }
      if (!entry_busy_until) busy_until.reset();  // a completion, not a time, will free it
      if (!entry_busy_until) break;
    }
    if (!outcome) {
      c.scheduler.drained(*campaign);
      campaign->due_seen = 0;
      c.book.recount(*campaign, now);
      continue;
    }
    if (*outcome == Dispatch::started || *outcome == Dispatch::parked) {
      campaign->due_seen -= std::min<std::uint64_t>(campaign->due_seen, 1);
    }
    switch (*outcome) {
      case Dispatch::started:
        c.scheduler.sent(*campaign, now);
        --free_slots;
        break;
      case Dispatch::busy:
        c.scheduler.blocked(*campaign, busy_until);
        c.book.recount(*campaign, now);
        break;
      case Dispatch::parked:
      case Dispatch::gone:
        c.scheduler.reconsider(*campaign, now);
        break;
    }
  }

  SystemTime until = now + settings_.idle_poll;
  if (auto wakeup = c.scheduler.next_wakeup()) until = std::min(until, *wakeup);
  if (auto next = store_.next_due(now); next && *next) until = std::min(until, **next);
  if (refresh_wanted_) until = std::min(until, refreshed_at_ + settings_.refresh_min);
  until = std::min(until, refreshed_at_ + refresh_max);
  arm_timer(std::max(until, now));
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

QueueRunner::Dispatch QueueRunner::dispatch(const queue::DueEntry& entry, Campaign& campaign,
                                            std::optional<SystemTime>& busy_until) {
  const auto now = clock_.now();
  auto message = store_.find(entry.id);
  if (!message) return Dispatch::gone;  // removed since the index was read
  if (campaign.group.empty() && !message->campaign_group.empty()) {
    // A campaign not in campaign_maps belongs to the group its mail names.
    campaign.group = message->campaign_group;
    if (!campaigns_->book.may_send(campaign, now)) return Dispatch::gone;  // its group is paused
  }
  auto choice = router_.pick(*message, {}, now);
  if (!choice.route) {
    if (choice.reason == NoRouteReason::busy) {
      if (choice.retry_at != SystemTime{}) busy_until = choice.retry_at;
      return Dispatch::busy;
    }
    park(std::move(*message), choice);
    return Dispatch::parked;
  }
  auto body = store_.body(entry.id);
  if (!body) {
    spdlog::error("{}: cannot read the message body: {}", entry.id, body.error().message);
    router_.finished(*choice.route, {}, now);
    return Dispatch::gone;
  }
  auto flight = std::make_shared<Flight>();
  flight->body = std::make_shared<const std::string>(std::move(*body));
  for (const auto& r : message->recipients) {
    if (r.state == mail::RecipientState::pending) flight->pending.push_back(r.address);
  }
  flight->message = std::move(*message);
  begin_flight(entry.id, campaign.config.id);
  go(flight, std::move(*choice.route));
  return Dispatch::started;
}

void QueueRunner::begin_flight(const mail::QueueId& id, const std::string& campaign) {
  in_flight_.insert(id);
  ++in_flight_count_;
  if (auto* c = campaigns_->book.find(campaign)) ++c->in_flight;
}

void QueueRunner::finish(const mail::QueueId& id, const std::string& campaign) {
  in_flight_.erase(id);
  --in_flight_count_;
  if (auto* c = campaigns_->book.find(campaign); c && c->in_flight > 0) {
    --c->in_flight;
    campaigns_->book.recount(*c, clock_.now());
  }
  ++completions_;
  schedule();
}

// The campaign's queued count follows its mail out at once; an idle runner (everything left
// waits for a retry hours away) may not refresh the counts from the index for a long time. A
// refresh between the write and this callback counts it twice, until the next refresh.
void QueueRunner::leave_queue(const std::string& campaign) {
  if (auto* c = campaigns_->book.find(campaign); c && c->queued > 0) --c->queued;
}

void QueueRunner::count_results(const std::string& campaign,
                                const delivery::DeliveryResult& result) {
  auto* c = campaigns_->book.find(campaign);
  if (!c) return;
  for (const auto& r : result.recipients) {
    if (r.account_fault) continue;
    switch (r.outcome) {
      case delivery::RecipientOutcome::delivered:
        ++c->sent;
        c->last_sent = clock_.now();
        break;
      case delivery::RecipientOutcome::deferred:
        ++c->deferred;
        break;
      case delivery::RecipientOutcome::failed:
        ++c->bounced;
        break;
    }
  }
}

// No account of the message's pool can take it: it waits, without an attempt, until one may be
// back, so the due index does not keep offering it (Postfix: "delivery temporarily suspended").
void QueueRunner::park(queue::QueuedMessage message, const RouteChoice& choice) {
  const auto now = clock_.now();
  const auto until = std::max(choice.retry_at, now + std::chrono::seconds(1));
  const auto id = message.id;
  const auto campaign = message.campaign;
  spdlog::info("{}: delivery temporarily suspended: {}", id, choice.why);
  begin_flight(id, campaign);
  // Counted as waiting for an account (not in flight) from now until it is due again.
  parked_.emplace(until, campaign);
  ++parking_;
  if (auto* c = campaigns_->book.find(campaign)) {
    ++c->parked;
    ++c->parking;
  }
  store_.modify(
      id,
      [until, why = choice.why](queue::QueuedMessage& m) {
        if (m.state == queue::MessageState::active) {
          m.next_attempt = until;
          m.last_error = "delivery temporarily suspended: " + why;
        }
        return queue::Edit::keep;
      },
      [this, id, campaign](Result<void> written) {
        asio::post(strand_, [this, id, campaign, written = std::move(written)] {
          if (!written && written.error().code != ErrorCode::not_found) {
            spdlog::error("{}: cannot postpone: {}", id, written.error().message);
          }
          --parking_;
          if (auto* c = campaigns_->book.find(campaign); c && c->parking > 0) --c->parking;
          finish(id, campaign);
        });
      });
}

// Parked messages whose time has come are due again: no longer waiting for an account. One
// that was removed meanwhile stays counted until then.
void QueueRunner::expire_parked(SystemTime now) {
  while (!parked_.empty() && parked_.begin()->first <= now) {
    auto& book = campaigns_->book;
    if (auto* c = book.find(parked_.begin()->second); c && c->parked > 0) {
      --c->parked;
      book.recount(*c, now);
    }
    parked_.erase(parked_.begin());
  }
}

}  // namespace sluice::scheduler
