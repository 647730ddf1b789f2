#include "run_controls.h"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "sluice/config/values.h"

namespace sluice::scheduler {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kCampaignKey = "control/campaign/";
constexpr const char* kGroupKey = "control/group/";
constexpr const char* kAuditKey = "audit/";

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string rfc3339(SystemTime t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

std::string describe(const Campaign& c, bool group_paused) {
  std::string text =
      "rate=" + c.effective_rate_text() + " paused=" + (c.control.paused ? "yes" : "no");
  if (group_paused) text += " group_paused=yes";
  return text;
}

template <class T>
Result<T> invalid(std::string why) {
  return make_error(std::move(why), ErrorCode::invalid);
}

}  // namespace

std::string QueueRunner::Controls::audit_key(SystemTime t) {
  return kAuditKey + hex16(static_cast<std::uint64_t>(to_micros(t))) +
         hex16(audit_sequence_++).substr(8);
}

void QueueRunner::Controls::apply(ControlRequest request,
                                  std::function<void(Result<AuditEntry>)> done) {
  runner_.post([this, request = std::move(request), done = std::move(done)]() mutable {
    // What was in effect before, so a change that cannot be stored is taken back and the
    // answer (an error) matches what is in effect. Account changes are the root's to keep.
    auto& book = runner_.campaigns_->book;
    const Campaign* existing = book.find(request.name);
    const CampaignOverride before = existing ? existing->control : CampaignOverride{};
    const bool group_was_paused = book.group_paused(request.name);
    std::function<void()> undo;
    if (request.target == ControlTarget::campaign && request.action != ControlAction::cancel) {
      undo = [this, id = request.name, before] {
        if (Campaign* c = runner_.campaigns_->book.find(id)) {
          runner_.campaigns_->book.set_override(*c, before, runner_.clock_.now());
          runner_.campaigns_->scheduler.reconsider(*c, runner_.clock_.now());
        }
      };
    } else if (request.target == ControlTarget::group) {
      undo = [this, group = request.name, group_was_paused] {
        runner_.campaigns_->book.set_group_paused(group, group_was_paused);
        for (auto& [id, c] : runner_.campaigns_->book.all()) {
          if (c.group == group) runner_.campaigns_->scheduler.reconsider(c, runner_.clock_.now());
        }
      };
    }
    auto answer = [undo = std::move(undo), done = std::move(done)](Result<AuditEntry> stored) {
      if (!stored && undo) undo();
      done(std::move(stored));
    };

    std::vector<std::pair<std::string, std::string>> writes;
    std::vector<std::string> erases;
    auto entry = change(request, runner_.clock_.now(), writes, erases);
    if (!entry) return answer(entry.error());
    if (request.target == ControlTarget::campaign && request.action == ControlAction::cancel) {
      // Audited once the mail is gone: a cancel that could not be written is an error.
      return cancel(request.name, [this, entry = std::move(*entry), writes = std::move(writes),
                                   erases = std::move(erases),
                                   answer = std::move(answer)](Result<void> removed) mutable {
        if (!removed) return answer(removed.error());
        commit(std::move(entry), std::move(writes), std::move(erases), std::move(answer));
      });
    }
    commit(std::move(*entry), std::move(writes), std::move(erases), std::move(answer));
  });
}

Result<AuditEntry> QueueRunner::Controls::change(
    const ControlRequest& request, SystemTime now,
    std::vector<std::pair<std::string, std::string>>& writes, std::vector<std::string>& erases) {
  AuditEntry entry;
  entry.time = now;
  entry.actor = request.actor;
  entry.client = request.client;
  entry.target = request.target;
  entry.name = request.name;
  entry.action = request.action;
  entry.reason = request.reason;
  auto& book = runner_.campaigns_->book;
  switch (request.target) {
    case ControlTarget::campaign: {
      auto changed = change_campaign(request, now, writes, erases);
      if (!changed) return changed;
      entry.old_value = changed->old_value;
      entry.new_value = changed->new_value;
      return entry;
    }
    case ControlTarget::group: {
      if (request.action != ControlAction::pause && request.action != ControlAction::resume) {
        return invalid<AuditEntry>("a group can be paused or resumed");
      }
      if (request.name.empty()) return invalid<AuditEntry>("no group name");
      const bool pause = request.action == ControlAction::pause;
      entry.old_value = std::string("paused=") + (book.group_paused(request.name) ? "yes" : "no");
      book.set_group_paused(request.name, pause);
      entry.new_value = std::string("paused=") + (pause ? "yes" : "no");
      if (pause) {
        writes.emplace_back(kGroupKey + request.name, "paused=1");
      } else {
        erases.push_back(kGroupKey + request.name);
      }
      for (auto& [id, campaign] : book.all()) {
        if (campaign.group == request.name) runner_.campaigns_->scheduler.reconsider(campaign, now);
      }
      return entry;
    }
    case ControlTarget::account: {
      if (!runner_.campaigns_->account_control) {
        return make_error("accounts cannot be controlled here", ErrorCode::failed);
      }
      auto changed = runner_.campaigns_->account_control(request);
      if (!changed) return changed.error();
      entry.old_value = changed->old_value;
      entry.new_value = changed->new_value;
      for (auto& w : changed->writes) writes.push_back(std::move(w));
      runner_.wake();
      return entry;
    }
  }
  return invalid<AuditEntry>("unknown target");
}

Result<AuditEntry> QueueRunner::Controls::change_campaign(
    const ControlRequest& request, SystemTime now,
    std::vector<std::pair<std::string, std::string>>& writes, std::vector<std::string>& erases) {
  if (request.name.empty()) return invalid<AuditEntry>("no campaign id");
  // Refused before the campaign is looked up: a bad request must leave no campaign behind.
  auto rate = config::parse_rate(request.rate);
  if (request.action == ControlAction::set_rate && !rate) {
    return invalid<AuditEntry>("bad rate '" + request.rate + "': " + rate.error().message);
  }
  if (request.action != ControlAction::set_rate && request.action != ControlAction::pause &&
      request.action != ControlAction::resume && request.action != ControlAction::cancel) {
    return invalid<AuditEntry>("a campaign can have its rate set, be paused, resumed or cancelled");
  }
  auto& book = runner_.campaigns_->book;
  Campaign& campaign = book.get(request.name, now);
  AuditEntry entry;
  entry.old_value = describe(campaign, book.group_paused(campaign.group));
  auto control = campaign.control;
  switch (request.action) {
    case ControlAction::set_rate: {
      control.rate = rate->per_second;
      control.rate_text = rate->text;
      control.burst = request.burst.value_or(0);
      control.expires.reset();
      if (request.expires_in) control.expires = now + *request.expires_in;
      break;
    }
    case ControlAction::pause:
      control.paused = true;
      break;
    case ControlAction::resume:
      control.paused = false;
      break;
    case ControlAction::cancel:  // apply() removes the mail
      entry.new_value = "cancelled: its queued mail is removed";
      return entry;
    default:
      break;  // refused above
  }
  book.set_override(campaign, control, now);
  entry.new_value = describe(campaign, book.group_paused(campaign.group));
  if (control.expires) entry.new_value += " (until " + rfc3339(*control.expires) + ")";
  if (control.empty()) {
    erases.push_back(kCampaignKey + request.name);
  } else {
    writes.emplace_back(kCampaignKey + request.name, control.encode());
  }
  runner_.campaigns_->scheduler.reconsider(campaign, now);
  return entry;
}

// Removes every queued (active or held) message of the campaign; dead ones stay visible.
// done(result) runs on the runner's strand.
void QueueRunner::Controls::cancel(const std::string& campaign,
                                   std::function<void(Result<void>)> done) {
  auto removed = std::make_shared<std::size_t>(0);
  runner_.store_.modify_all(
      [campaign, removed](queue::QueuedMessage& m) {
        if (m.campaign != campaign || m.state == queue::MessageState::dead) {
          return queue::Edit::untouched;
        }
        ++*removed;
        return queue::Edit::remove;
      },
      [this, campaign, removed, done = std::move(done)](Result<void> result) {
        if (!result) {
          spdlog::error("campaign {}: cancel failed: {}", campaign, result.error().message);
        } else {
          spdlog::info("campaign {}: cancelled, {} queued message(s) removed", campaign, *removed);
        }
        runner_.post([done, result] { done(result); });
      });
}

void QueueRunner::Controls::commit(AuditEntry entry,
                                   std::vector<std::pair<std::string, std::string>> writes,
                                   std::vector<std::string> erases,
                                   std::function<void(Result<AuditEntry>)> done) {
  spdlog::info("control: {} {} {} by {} from {}: {} -> {}{}", to_string(entry.target), entry.name,
               to_string(entry.action), entry.actor, entry.client, entry.old_value, entry.new_value,
               entry.reason.empty() ? "" : " (" + entry.reason + ")");
  writes.emplace_back(audit_key(entry.time), encode_audit(entry));
  // Every write is one group-committed transaction; the answer waits for all of them.
  struct Pending {
    std::size_t left;
    Result<void> status;
    AuditEntry entry;
    std::function<void(Result<AuditEntry>)> done;
  };
  auto pending = std::make_shared<Pending>(
      Pending{writes.size() + erases.size(), Result<void>(), std::move(entry), std::move(done)});
  auto settle = [this, pending](Result<void> written) {
    runner_.post([pending, written = std::move(written)] {
      if (!written && pending->status) pending->status = written;
      if (--pending->left > 0) return;
      if (!pending->status) return pending->done(pending->status.error());
      pending->done(std::move(pending->entry));
    });
  };
  for (auto& [key, value] : writes) runner_.store_.put_state(key, value, settle);
  for (auto& key : erases) runner_.store_.erase_state(key, settle);
  runner_.wake();
}

void QueueRunner::Controls::restore(SystemTime now) {
  auto& book = runner_.campaigns_->book;
  auto restored = runner_.store_.scan_state(
      kCampaignKey, "", [&](const std::string& key, const std::string& value) {
        Campaign& campaign = book.get(key.substr(std::string(kCampaignKey).size()), now);
        book.set_override(campaign, CampaignOverride::decode(value), now);
        return true;
      });
  if (!restored) spdlog::error("cannot read campaign controls: {}", restored.error().message);
  restored =
      runner_.store_.scan_state(kGroupKey, "", [&](const std::string& key, const std::string&) {
        book.set_group_paused(key.substr(std::string(kGroupKey).size()), true);
        return true;
      });
  if (!restored) spdlog::error("cannot read group controls: {}", restored.error().message);
}

void QueueRunner::Controls::expire(SystemTime now) {
  auto& book = runner_.campaigns_->book;
  for (const auto& [id, old_rate] : book.expire_overrides(now)) {
    Campaign* campaign = book.find(id);
    if (!campaign) continue;
    AuditEntry entry;
    entry.time = now;
    entry.actor = "expiry";
    entry.target = ControlTarget::campaign;
    entry.name = id;
    entry.action = ControlAction::set_rate;
    entry.old_value = "rate=" + old_rate + " (temporary)";
    entry.new_value = describe(*campaign, book.group_paused(campaign->group));
    entry.reason = "the temporary rate expired; the configured rate returns";
    std::vector<std::pair<std::string, std::string>> writes;
    std::vector<std::string> erases;
    if (campaign->control.empty()) {
      erases.push_back(kCampaignKey + id);
    } else {
      writes.emplace_back(kCampaignKey + id, campaign->control.encode());
    }
    runner_.campaigns_->scheduler.reconsider(*campaign, now);
    commit(std::move(entry), std::move(writes), std::move(erases), [](Result<AuditEntry>) {});
  }
}

CampaignView QueueRunner::Controls::view(Campaign& c, SystemTime now) const {
  const auto& book = runner_.campaigns_->book;
  CampaignView v;
  v.id = c.config.id;
  v.group = c.group;
  v.configured_rate = c.config.rate_text;
  v.effective_rate = c.effective_rate_text();
  v.rate_expires = c.control.expires;
  v.priority = c.config.priority;
  v.paused = c.control.paused;
  v.group_paused = !c.group.empty() && book.group_paused(c.group);
  v.window = c.config.window.text() + " " + c.config.window.zone_name();
  v.in_window = c.config.window.open_at(now);
  v.queued = c.queued;
  v.sent = c.sent;
  v.deferred = c.deferred;
  v.bounced = c.bounced;
  v.in_flight = c.in_flight - std::min(c.in_flight, c.parking);  // parks are not deliveries
  v.last_sent = c.last_sent;
  return v;
}

void QueueRunner::Controls::campaigns(std::function<void(std::vector<CampaignView>)> done) {
  runner_.post([this, done = std::move(done)] {
    const auto now = runner_.clock_.now();
    std::vector<CampaignView> views;
    for (auto& [id, campaign] : runner_.campaigns_->book.all()) {
      views.push_back(view(campaign, now));
    }
    std::sort(views.begin(), views.end(),
              [](const CampaignView& a, const CampaignView& b) { return a.id < b.id; });
    done(std::move(views));
  });
}

void QueueRunner::Controls::campaign(std::string id,
                                     std::function<void(std::optional<CampaignView>)> done) {
  runner_.post([this, id = std::move(id), done = std::move(done)] {
    auto& book = runner_.campaigns_->book;
    Campaign* c = book.find(id);
    if (!c && book.configured(id)) c = &book.get(id, runner_.clock_.now());
    if (!c || id.empty()) return done(std::nullopt);
    done(view(*c, runner_.clock_.now()));
  });
}

void QueueRunner::Controls::audit(AuditQuery query,
                                  std::function<void(Result<std::vector<AuditEntry>>)> done) {
  runner_.post([this, query = std::move(query), done = std::move(done)] {
    std::vector<AuditEntry> entries;
    std::string after;
    if (query.since) {
      // Keys sort by time: start just before the first record at `since`.
      after =
          kAuditKey + hex16(static_cast<std::uint64_t>(to_micros(*query.since) - 1)) + "ffffffff";
    }
    auto scanned = runner_.store_.scan_state(kAuditKey, after,
                                             [&](const std::string&, const std::string& value) {
                                               auto entry = decode_audit(value);
                                               if (!entry) return true;
                                               if (query.target && entry->target != *query.target)
                                                 return true;
                                               if (!query.name.empty() && entry->name != query.name)
                                                 return true;
                                               entries.push_back(std::move(*entry));
                                               return entries.size() < query.limit;
                                             });
    if (!scanned) return done(scanned.error());
    done(std::move(entries));
  });
}

}  // namespace sluice::scheduler
