#include "campaign_book.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace sluice::scheduler {

namespace {

// Stride scheduling: a campaign of priority p advances its pass by kStride / p per message,
// so over time priorities 5 and 1 get a 5:1 share of whatever capacity they compete for.
constexpr std::uint64_t kStride = 1'000'000;

std::string field(const std::string& text, const std::string& name) {
  const auto key = name + "=";
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == ' ') {
      const auto start = at + key.size();
      return text.substr(start, text.find(' ', start) - start);
    }
    at += key.size();
  }
  return {};
}

}  // namespace

std::string CampaignOverride::encode() const {
  std::ostringstream out;
  out.precision(17);  // the rate round-trips exactly
  out << "paused=" << (paused ? 1 : 0);
  if (rate) {
    out << " rate=" << *rate << " rate_text=" << rate_text << " burst=" << burst;
    if (expires) out << " expires=" << to_micros(*expires);
  }
  return out.str();
}

CampaignOverride CampaignOverride::decode(const std::string& bytes) {
  CampaignOverride c;
  c.paused = field(bytes, "paused") == "1";
  const auto rate = field(bytes, "rate");
  if (!rate.empty()) {
    c.rate = std::strtod(rate.c_str(), nullptr);
    c.rate_text = field(bytes, "rate_text");
    c.burst = static_cast<std::uint32_t>(std::strtoul(field(bytes, "burst").c_str(), nullptr, 10));
    const auto expires = field(bytes, "expires");
    if (!expires.empty()) c.expires = from_micros(std::strtoll(expires.c_str(), nullptr, 10));
  }
  return c;
}

CampaignBook::CampaignBook(std::vector<CampaignConfig> configured, CampaignConfig defaults)
    : defaults_(std::move(defaults)) {
  for (auto& c : configured) {
    auto id = c.id;
    configured_.emplace(std::move(id), std::move(c));
  }
}

const CampaignConfig* CampaignBook::configured(const std::string& id) const {
  auto it = configured_.find(id);
  return it == configured_.end() ? nullptr : &it->second;
}

Campaign& CampaignBook::get(const std::string& id, SystemTime now) {
  auto it = campaigns_.find(id);
  if (it != campaigns_.end()) return it->second;
  Campaign campaign;
  if (const auto* c = configured(id)) {
    campaign.config = *c;
  } else {
    campaign.config = defaults_;
    campaign.config.id = id;
    campaign.config.group.clear();
  }
  if (id.empty()) {  // transactional mail is never campaign-throttled
    campaign.config.rate = 0;
    campaign.config.rate_text = "0";
    campaign.config.window = SendWindow();
  }
  campaign.group = campaign.config.group;
  campaign.bucket = TokenBucket(campaign.config.rate, campaign.config.burst, now);
  campaign.pass = global_pass_;
  return campaigns_.emplace(id, std::move(campaign)).first->second;
}

Campaign* CampaignBook::find(const std::string& id) {
  auto it = campaigns_.find(id);
  return it == campaigns_.end() ? nullptr : &it->second;
}

void CampaignBook::set_override(Campaign& campaign, CampaignOverride control, SystemTime now) {
  campaign.control = std::move(control);
  const double rate = campaign.effective_rate();
  const auto burst = campaign.control.rate ? campaign.control.burst : campaign.config.burst;
  campaign.bucket.set_rate(rate, burst, now);
}

void CampaignBook::set_group_paused(const std::string& group, bool paused) {
  if (paused) {
    paused_groups_.insert(group);
  } else {
    paused_groups_.erase(group);
  }
}

bool CampaignBook::may_send(const Campaign& campaign, SystemTime now) const {
  if (campaign.config.id.empty()) return true;
  if (campaign.control.paused || (!campaign.group.empty() && group_paused(campaign.group))) {
    return false;
  }
  if (!campaign.config.window.open_at(now)) return false;
  return campaign.bucket.next_token(now) <= now;
}

std::optional<SystemTime> CampaignBook::next_chance(const Campaign& campaign,
                                                    SystemTime now) const {
  if (campaign.control.paused || (!campaign.group.empty() && group_paused(campaign.group))) {
    return std::nullopt;
  }
  if (!campaign.config.window.open_at(now)) return campaign.config.window.next_change(now);
  return campaign.bucket.next_token(now);
}

void CampaignBook::charge(Campaign& campaign) {
  global_pass_ = std::max(global_pass_, campaign.pass);
  campaign.pass += kStride / std::max<std::uint32_t>(1, campaign.config.priority);
}

std::vector<std::pair<std::string, std::string>> CampaignBook::expire_overrides(SystemTime now) {
  std::vector<std::pair<std::string, std::string>> expired;
  for (auto& [id, campaign] : campaigns_) {
    if (campaign.control.rate && campaign.control.expires && *campaign.control.expires <= now) {
      auto control = campaign.control;
      auto before = campaign.effective_rate_text();
      control.rate.reset();
      control.expires.reset();
      control.rate_text.clear();
      set_override(campaign, control, now);
      expired.emplace_back(id, std::move(before));
    }
  }
  return expired;
}

namespace {

std::uint64_t* count_of(SchedulerView& view, Waiting waiting) {
  switch (waiting) {
    case Waiting::ready:
      return &view.ready;
    case Waiting::window:
      return &view.waiting_window;
    case Waiting::paused:
      return &view.paused;
    case Waiting::none:
      break;
  }
  return nullptr;
}

// The campaign's due messages not in flight nor parked: as its last due read found them when
// that read was complete, else its queued messages less those (a long campaign's deferred mail
// is then counted as due). Never more than its queued mail allows.
std::uint64_t waiting_messages(const Campaign& c) {
  if (!c.has_due) return 0;
  const std::uint64_t busy =
      std::uint64_t{c.in_flight} - std::min(c.in_flight, c.parking) + c.parked;
  const std::uint64_t bound = c.queued > busy ? c.queued - busy : 0;
  return c.due_capped ? bound : std::min(bound, c.due_seen);
}

}  // namespace

void CampaignBook::recount(Campaign& campaign, SystemTime now) {
  Waiting now_as = Waiting::none;
  const std::uint64_t messages = waiting_messages(campaign);
  if (messages > 0) {
    if (!campaign.config.id.empty() &&
        (campaign.control.paused || (!campaign.group.empty() && group_paused(campaign.group)))) {
      now_as = Waiting::paused;
    } else if (!campaign.config.window.always_open() && !campaign.config.window.open_at(now)) {
      now_as = Waiting::window;
    } else {
      now_as = Waiting::ready;
    }
  }
  if (auto* before = count_of(waiting_, campaign.counted_as)) *before -= campaign.counted;
  if (auto* after = count_of(waiting_, now_as)) *after += messages;
  campaign.counted_as = now_as;
  campaign.counted = messages;
}

void CampaignBook::prune(std::size_t keep) {
  if (campaigns_.size() <= keep) return;
  std::erase_if(campaigns_, [this](auto& entry) {
    const Campaign& c = entry.second;
    const bool idle = !c.config.id.empty() && c.queued == 0 && c.in_flight == 0 && !c.has_due &&
                      c.control.empty() && c.parked == 0;
    if (idle && c.counted_as != Waiting::none) *count_of(waiting_, c.counted_as) -= c.counted;
    return idle;
  });
}

}  // namespace sluice::scheduler
