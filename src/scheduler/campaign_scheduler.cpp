#include "campaign_scheduler.h"

namespace sluice::scheduler {

CampaignScheduler::ReadyKey CampaignScheduler::ready_key(const Campaign& campaign) {
  return {campaign.config.id.empty() ? 0 : 1, campaign.pass, campaign.config.id};
}

void CampaignScheduler::remove(const std::string& id) {
  auto it = places_.find(id);
  if (it == places_.end()) return;
  auto& p = it->second;
  switch (p.where) {
    case Place::Where::ready:
      ready_.erase(p.ready);
      break;
    case Place::Where::sleeping:
      sleeping_.erase(p.sleep);
      break;
    case Place::Where::blocked:
      blocked_.erase(p.ready);
      break;
    case Place::Where::none:
      break;
  }
  places_.erase(it);
}

void CampaignScheduler::place(Campaign& campaign, SystemTime now) {
  const auto& id = campaign.config.id;
  remove(id);
  book_.recount(campaign, now);  // its pause or window may be why it moves
  if (!campaign.has_due) return;
  Place p;
  if (book_.may_send(campaign, now)) {
    p.where = Place::Where::ready;
    p.ready = ready_key(campaign);
    ready_.insert(p.ready);
  } else if (auto when = book_.next_chance(campaign, now)) {
    p.where = Place::Where::sleeping;
    p.sleep = {std::max(*when, now), id};
    sleeping_.insert(p.sleep);
  } else {
    return;  // paused: only a control brings it back (reconsider)
  }
  places_[id] = std::move(p);
}

void CampaignScheduler::mark_due(Campaign& campaign, SystemTime now) {
  campaign.has_due = true;
  auto it = places_.find(campaign.config.id);
  // Already in line, asleep or waiting for a slot: a refresh changes nothing.
  if (it != places_.end() && it->second.where != Place::Where::none) return;
  place(campaign, now);
}

void CampaignScheduler::reconsider(Campaign& campaign, SystemTime now) { place(campaign, now); }

void CampaignScheduler::wake_sleepers(SystemTime now) {
  while (!sleeping_.empty() && sleeping_.begin()->first <= now) {
    auto id = sleeping_.begin()->second;
    if (auto* campaign = book_.find(id)) {
      place(*campaign, now);
    } else {
      remove(id);
    }
  }
}

Campaign* CampaignScheduler::next(SystemTime now) {
  while (!ready_.empty()) {
    const auto& id = std::get<2>(*ready_.begin());
    Campaign* campaign = book_.find(id);
    if (campaign && book_.may_send(*campaign, now)) return campaign;
    if (campaign) {
      place(*campaign, now);  // its bucket ran dry since: to sleep
    } else {
      remove(std::string(id));
    }
  }
  return nullptr;
}

void CampaignScheduler::sent(Campaign& campaign, SystemTime now) {
  book_.charge(campaign);
  campaign.bucket.try_take(now);
  place(campaign, now);
}

void CampaignScheduler::drained(Campaign& campaign) {
  campaign.has_due = false;
  remove(campaign.config.id);
}

void CampaignScheduler::blocked(Campaign& campaign, std::optional<SystemTime> until) {
  const auto id = campaign.config.id;
  remove(id);
  Place p;
  if (until) {
    p.where = Place::Where::sleeping;
    p.sleep = {*until, id};
    sleeping_.insert(p.sleep);
  } else {
    p.where = Place::Where::blocked;
    p.ready = ready_key(campaign);
    blocked_.insert(p.ready);
  }
  places_[id] = std::move(p);
}

void CampaignScheduler::slots_freed(std::size_t count, SystemTime now) {
  while (count-- > 0 && !blocked_.empty()) {
    const auto id = std::get<2>(*blocked_.begin());
    if (auto* campaign = book_.find(id)) {
      place(*campaign, now);
    } else {
      remove(id);
    }
  }
}

std::optional<SystemTime> CampaignScheduler::next_wakeup() const {
  if (sleeping_.empty()) return std::nullopt;
  return sleeping_.begin()->first;
}

}  // namespace sluice::scheduler
