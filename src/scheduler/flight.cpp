// The queue runner's delivery legs: one message goes to one account; recipients the account
// could not judge (its fault, not theirs) move on to the next account of the pool, and once no
// account is left, everything learnt is recorded in one queue write.

#include "flight.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "delivery_log.h"
#include "sluice/outcome/dsn.h"

namespace sluice::scheduler {

namespace asio = boost::asio;

namespace {

// One leg's recipients counted by (result, reply code), so the events hear each pair once. A
// leg rarely sees more than a few distinct pairs; past kSlots the tally reports and starts
// over. No allocation.
class LegTally {
 public:
  LegTally(DeliveryEvents& events, const std::string& account)
      : events_(events), account_(account) {}
  void add(RecipientResult result, std::uint16_t reply_code) {
    for (std::size_t i = 0; i < used_; ++i) {
      if (slots_[i].result == result && slots_[i].reply_code == reply_code) {
        ++slots_[i].count;
        return;
      }
    }
    if (used_ == slots_.size()) report();
    slots_[used_++] = {result, reply_code, 1};
  }
  void report() {
    for (std::size_t i = 0; i < used_; ++i) {
      events_.recipients(account_, slots_[i].result, slots_[i].reply_code, slots_[i].count);
    }
    used_ = 0;
  }

 private:
  struct Slot {
    RecipientResult result = RecipientResult::sent;
    std::uint16_t reply_code = 0;
    std::uint32_t count = 0;
  };
  static constexpr std::size_t kSlots = 8;
  DeliveryEvents& events_;
  const std::string& account_;
  std::array<Slot, kSlots> slots_{};
  std::size_t used_ = 0;
};

// What the queue write makes of a recipient: a deferral past the queue lifetime expires into a
// bounce, as outcome::apply_delivery_result decides.
RecipientResult judged_as(const delivery::RecipientResult& r, bool expired) {
  switch (r.outcome) {
    case delivery::RecipientOutcome::delivered:
      return RecipientResult::sent;
    case delivery::RecipientOutcome::failed:
      return RecipientResult::bounced;
    case delivery::RecipientOutcome::deferred:
      break;
  }
  return expired ? RecipientResult::bounced : RecipientResult::deferred;
}

}  // namespace

// A quota reservation is made durable before the message may use it; if it cannot be, the
// account is treated as failed for this message (the reservation is handed back).
void QueueRunner::go(const FlightPtr& flight, Route route) {
  if (!route.state_write) return start_leg(flight, std::move(route));
  auto write = std::move(*route.state_write);
  route.state_write.reset();
  store_.put_state(
      std::move(write.first), std::move(write.second),
      [this, flight, route = std::move(route)](Result<void> written) mutable {
        asio::post(strand_, [this, flight, route = std::move(route),
                             written = std::move(written)]() mutable {
          if (written) return start_leg(flight, std::move(route));
          delivery::DeliveryResult result;
          result.relay = route.account_name;
          const std::string why = "cannot record the quota of account " + route.account_name +
                                  ": " + written.error().message;
          result.recipients = delivery::unjudged(flight->pending, "451 4.3.0 " + why);
          result.fault = delivery::AccountFault{delivery::AccountFaultKind::unavailable, why};
          leg_done(flight, route, std::move(result));
        });
      });
}

void QueueRunner::start_leg(const FlightPtr& flight, Route route) {
  delivery::DeliveryRequest request;
  request.id = flight->message.id;
  request.sender = flight->message.sender;
  request.recipients = flight->pending;
  request.body = flight->body;
  request.smtputf8 = flight->message.smtputf8;
  request.eight_bit = flight->message.eight_bit;
  auto* transport = route.transport;
  if (events_) events_->attempt(route.account_name);
  transport->deliver(std::move(request), [this, flight, route = std::move(route)](
                                             delivery::DeliveryResult result) mutable {
    asio::post(strand_,
               [this, flight, route = std::move(route), result = std::move(result)]() mutable {
                 leg_done(flight, route, std::move(result));
               });
  });
}

void QueueRunner::leg_done(const FlightPtr& flight, const Route& route,
                           delivery::DeliveryResult result) {
  const auto now = clock_.now();
  router_.finished(route, result, now);
  count_results(flight->campaign(), result);
  const double delay = std::chrono::duration<double>(now - flight->message.arrival).count();
  std::vector<std::string> moved;
  std::vector<delivery::RecipientResult> faulted;
  for (auto& r : result.recipients) {
    spdlog::info("{}", delivery_log_line(flight->message.id, r, result.relay, delay));
    if (r.account_fault) {
      moved.push_back(r.address);
      faulted.push_back(std::move(r));
    } else {
      flight->results.recipients.push_back(std::move(r));
    }
  }
  flight->results.relay = result.relay;
  if (result.fault) {
    spdlog::warn("{}: account {} failed: {}", flight->message.id, route.account_name,
                 result.fault->reason);
  }
  if (!moved.empty() && !stopping_) {
    flight->tried.insert(route.account_name);
    auto next = router_.pick(flight->message, flight->tried, now);
    if (next.route) {
      spdlog::info("{}: moving {} recipient(s) from account {} to {}", flight->message.id,
                   moved.size(), route.account_name, next.route->account_name);
      if (events_) {
        note_leg(*flight, route.account_name);
        // A failover spends no attempt, but this account did not deliver them: for its
        // counts they are deferred (the next account reports what it made of them).
        LegTally tally(*events_, route.account_name);
        for (const auto& r : faulted) tally.add(RecipientResult::deferred, r.reply_code);
        tally.report();
      }
      flight->pending = std::move(moved);
      go(flight, std::move(*next.route));
      return;
    }
    // No other account now: the recipients wait for one, without spending an attempt.
    for (auto& r : faulted) flight->results.recipients.push_back(std::move(r));
    if (events_) note_leg(*flight, route.account_name);
    const auto retry_at =
        next.reason == NoRouteReason::unavailable
            ? next.retry_at
            : now + std::chrono::duration_cast<std::chrono::seconds>(settings_.no_account_pause);
    record(flight, std::max(retry_at, now + std::chrono::seconds(1)));
    return;
  }
  for (auto& r : faulted) flight->results.recipients.push_back(std::move(r));
  if (events_) note_leg(*flight, route.account_name);
  record(flight, now + std::chrono::seconds(1));
}

void QueueRunner::note_leg(Flight& flight, const std::string& account) {
  flight.legs.push_back({account, flight.results.recipients.size()});
}

// Each leg's recipients as the queue write judges them, and the message's delivery latency
// when this attempt sent its last pending recipient (`finished`: none is left pending).
void QueueRunner::report_results(const Flight& flight, SystemTime now, bool expired,
                                 bool finished) {
  const auto& recipients = flight.results.recipients;
  bool sent_any = false;
  std::size_t begin = 0;
  for (const auto& leg : flight.legs) {
    LegTally tally(*events_, leg.account);
    for (std::size_t i = begin; i < leg.end && i < recipients.size(); ++i) {
      const auto result = judged_as(recipients[i], expired);
      sent_any |= result == RecipientResult::sent;
      tally.add(result, recipients[i].reply_code);
    }
    tally.report();
    begin = leg.end;
  }
  if (finished && sent_any) events_->delivered(now - flight.message.arrival);
}

void QueueRunner::record(const FlightPtr& flight, SystemTime account_retry_at) {
  const auto now = clock_.now();
  const double random01 = random_();
  const auto policy = settings_.retry;
  // Recipients that failed for good in this attempt are reported now, as Postfix does, even
  // while others are still deferred. Decided on a copy first: the DSN goes into the queue
  // before the result is recorded, so a crash in between repeats the bounce, never loses it.
  auto report = flight->message;
  std::unordered_set<std::string> failed_before;
  for (const auto& r : report.recipients) {
    if (r.state == mail::RecipientState::failed) failed_before.insert(r.address);
  }
  const auto reported = outcome::apply_delivery_result(report, flight->results, policy, now,
                                                       random01, account_retry_at);
  if (events_) {
    report_results(*flight, now, now - report.arrival >= policy.maximal_queue_lifetime,
                   reported != outcome::Disposition::retry);
  }
  for (auto& r : report.recipients) {
    if (failed_before.contains(r.address))
      r.state = mail::RecipientState::delivered;  // told before
  }
  if (outcome::wants_dsn(report)) send_bounce(report);

  auto disposition = std::make_shared<outcome::Disposition>(outcome::Disposition::retry);
  const auto id = flight->message.id;
  store_.modify(
      id,
      [results = flight->results, policy, now, random01, account_retry_at,
       disposition](queue::QueuedMessage& m) {
        const bool held = m.state == queue::MessageState::held;
        *disposition =
            outcome::apply_delivery_result(m, results, policy, now, random01, account_retry_at);
        if (held && *disposition == outcome::Disposition::retry)
          m.state = queue::MessageState::held;
        return *disposition == outcome::Disposition::done ? queue::Edit::remove : queue::Edit::keep;
      },
      [this, id, campaign = flight->campaign(), disposition](Result<void> written) {
        asio::post(strand_, [this, id, campaign, disposition, written = std::move(written)] {
          if (!written && written.error().code == ErrorCode::not_found) {
            // Removed during delivery (its campaign cancelled, an operator's delete): nothing
            // is left to record and no failing store to back off from.
            spdlog::info("{}: removed during delivery; its result is not recorded", id);
          } else if (!written) {
            // The result is lost but the message is not: it stays due and is delivered again
            // (at-least-once), which is why this is an error worth an operator's eye.
            spdlog::error("{}: cannot record the delivery result: {}", id, written.error().message);
            // Leave it in flight a while so a failing store does not turn into a redelivery loop.
            auto pause = std::make_shared<asio::steady_timer>(strand_, std::chrono::seconds(5));
            pause->async_wait(
                [this, id, campaign, pause](boost::system::error_code) { finish(id, campaign); });
            return;
          } else if (*disposition == outcome::Disposition::done) {
            spdlog::info("{}: removed", id);
            leave_queue(campaign);
          } else if (*disposition == outcome::Disposition::dead) {
            spdlog::warn("{}: no recipient left to try; kept as dead", id);
            leave_queue(campaign);
          }
          finish(id, campaign);
        });
      });
}

void QueueRunner::send_bounce(const queue::QueuedMessage& message) {
  auto original = store_.body(message.id);
  outcome::DsnContext context;
  context.reporting_mta = settings_.myhostname;
  context.postmaster = "MAILER-DAEMON@" + settings_.myhostname;
  context.now = clock_.now();
  queue::QueuedMessage bounce;
  bounce.id = ids_.next();
  context.boundary = bounce.id + "." + settings_.myhostname;
  std::string report = outcome::build_dsn(message, original ? *original : std::string(), context);
  bounce.arrival = context.now;
  bounce.sender = "";  // a bounce is never bounced
  bounce.recipients.push_back({message.sender, mail::RecipientState::pending, {}});
  bounce.size = report.size();
  bounce.smtputf8 = message.smtputf8;
  bounce.client = "local[bounce]";
  bounce.next_attempt = context.now;
  bounce.campaign_group = message.campaign_group;  // routes like its original's group
  const auto bounce_id = bounce.id;
  const auto original_id = message.id;
  store_.enqueue(
      std::move(bounce), std::move(report), [this, bounce_id, original_id](Result<void> written) {
        if (!written) {
          spdlog::error("{}: cannot queue the bounce: {}", original_id, written.error().message);
          return;
        }
        spdlog::info("{}: sender non-delivery notification: {}", original_id, bounce_id);
        wake();
      });
}

// Dead messages stay visible (sluicectl queue --dead) until dead_message_lifetime has passed
// since they died; their next_attempt holds that time.
void QueueRunner::sweep_dead() {
  if (stopping_) return;
  const auto now = clock_.now();
  store_.modify_all(
      [now](queue::QueuedMessage& m) {
        return outcome::dead_message_expired(m, now) ? queue::Edit::remove : queue::Edit::untouched;
      },
      [](Result<void> swept) {
        if (!swept) spdlog::error("cannot sweep dead messages: {}", swept.error().message);
      });
  sweep_timer_.expires_after(settings_.dead_sweep_interval);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep_dead();
  });
}

}  // namespace sluice::scheduler
