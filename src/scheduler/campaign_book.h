#pragma once
// The scheduler's memory of campaigns: for each campaign that has mail or a run-time control,
// its configured settings, the operator's overrides (rate, pause), its token bucket, its place
// in the fair share of account capacity (stride scheduling by priority), and its counters.
// Transactional mail is the campaign "" and always goes first. A campaign costs one entry here
// and nothing else (no thread, timer, connection or file); entries without mail or overrides
// are dropped. Groups hold only their pause. Lives on the queue runner's strand.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/scheduler/campaign_config.h"
#include "sluice/scheduler/delivery_events.h"
#include "sluice/scheduler/send_window.h"
#include "sluice/scheduler/token_bucket.h"

namespace sluice::scheduler {

struct CampaignOverride {
  bool paused = false;
  std::optional<double> rate;  // set: replaces the configured rate
  std::string rate_text;
  std::uint32_t burst = 0;
  std::optional<SystemTime> expires;  // of the rate override

  bool empty() const { return !paused && !rate; }
  std::string encode() const;
  static CampaignOverride decode(const std::string& bytes);
};

// Which SchedulerView count a campaign's waiting messages are in.
enum class Waiting : std::uint8_t { none, ready, window, paused };

struct Campaign {
  CampaignConfig config;
  CampaignOverride control;
  std::string group;  // config.group, or the group header of its first message
  TokenBucket bucket;
  // Scheduling state.
  std::uint64_t pass = 0;  // stride scheduling: lowest pass goes next
  bool has_due = false;    // the queue holds due mail of this campaign (as of last look)
  std::uint32_t in_flight = 0;
  bool waiting_for_slot = false;  // its last message found every account slot busy
  // Counters since start (recipients), and the queue's count of its active messages.
  std::uint64_t queued = 0, sent = 0, deferred = 0, bounced = 0;
  std::optional<SystemTime> last_sent;  // the last recipient delivered since start
  // Messages parked (no account had capacity) until their retry time, and of those the ones
  // whose park is still being written (also counted in in_flight meanwhile).
  std::uint32_t parked = 0, parking = 0;
  // Due mail the runner saw at its last read of the campaign's due index, not in flight; exact
  // unless that read hit its limit (due_capped), when only `queued` bounds it.
  std::uint64_t due_seen = 0;
  bool due_capped = true;
  // What this campaign adds to the book's waiting counts now (recount()).
  Waiting counted_as = Waiting::none;
  std::uint64_t counted = 0;

  double effective_rate() const { return control.rate ? *control.rate : config.rate; }
  std::string effective_rate_text() const {
    return control.rate ? control.rate_text : config.rate_text;
  }
};

class CampaignBook {
 public:
  CampaignBook() = default;
  CampaignBook(std::vector<CampaignConfig> configured, CampaignConfig defaults);

  // The campaign, created from its configuration (or the defaults) on first use.
  Campaign& get(const std::string& id, SystemTime now);
  Campaign* find(const std::string& id);
  // Applies or removes an override; the bucket follows the effective rate at once.
  void set_override(Campaign& campaign, CampaignOverride control, SystemTime now);
  bool group_paused(const std::string& group) const { return paused_groups_.contains(group); }
  void set_group_paused(const std::string& group, bool paused);
  const std::unordered_set<std::string>& paused_groups() const { return paused_groups_; }

  // May the campaign send one message now (paused, group, window, bucket)? Transactional mail
  // ("") always may.
  bool may_send(const Campaign& campaign, SystemTime now) const;
  // The next time may_send could change for a due campaign that may not send now (its next
  // token, its window's next change); nullopt if only an operator can change it.
  std::optional<SystemTime> next_chance(const Campaign& campaign, SystemTime now) const;
  // Stride scheduling: the campaign chosen to send moves on by 1/priority.
  void charge(Campaign& campaign);

  // Puts the campaign's waiting messages in the count of its state now (O(1)); called after
  // anything that changes its due mail, queued count, flights, pause or place in line.
  void recount(Campaign& campaign, SystemTime now);
  // The messages waiting, by state, over every campaign: the ready, waiting_window and paused
  // fields of a SchedulerView (the others zero).
  const SchedulerView& waiting() const { return waiting_; }

  // Temporary rate overrides that have expired by `now`, removed; returns their ids with the
  // effective rate each had before.
  std::vector<std::pair<std::string, std::string>> expire_overrides(SystemTime now);
  // Drops campaigns with nothing queued, nothing in flight, no override and no counters worth
  // keeping beyond `keep` entries (bounded memory for tens of thousands of campaigns).
  void prune(std::size_t keep);

  std::unordered_map<std::string, Campaign>& all() { return campaigns_; }
  const CampaignConfig* configured(const std::string& id) const;

 private:
  std::map<std::string, CampaignConfig, std::less<>> configured_;
  CampaignConfig defaults_;
  std::unordered_map<std::string, Campaign> campaigns_;
  std::unordered_set<std::string> paused_groups_;
  std::uint64_t global_pass_ = 0;  // a new campaign starts here, not at 0, so it cannot hog
  SchedulerView waiting_;          // the sum of every campaign's `counted`, by `counted_as`
};

}  // namespace sluice::scheduler
