#pragma once
// Which campaign sends next: the per-campaign ready queues of the scheduler, so a slow, paused
// or out-of-window campaign never delays another or transactional mail. Transactional mail goes
// first; bulk campaigns share what is left by priority (stride scheduling: lowest pass first).
// A campaign that may not send now sleeps until its next token or window change; a paused one
// is out of line until resumed; one whose accounts were all busy waits for a free slot. Every
// operation is O(log n) in the number of campaigns with due mail. Runner strand only.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "campaign_book.h"

namespace sluice::scheduler {

class CampaignScheduler {
 public:
  explicit CampaignScheduler(CampaignBook& book) : book_(book) {}

  // The campaign has due mail (found by a queue refresh).
  void mark_due(Campaign& campaign, SystemTime now);
  // Its controls or window may have changed: put it where it belongs now.
  void reconsider(Campaign& campaign, SystemTime now);
  // Sleepers whose time has come go back in line.
  void wake_sleepers(SystemTime now);
  // The campaign to send from now, or nullptr when none may.
  Campaign* next(SystemTime now);
  // After next(): one message went out (the campaign is charged and goes back in line).
  void sent(Campaign& campaign, SystemTime now);
  // Placing a campaign also recounts it in the book's waiting counts; after drained() and
  // blocked() the caller does (they change nothing the counts depend on but has_due).
  // After next(): it has no due mail left; out of line until mark_due.
  void drained(Campaign& campaign);
  // After next(): every account slot was busy; out of line until slots_freed, or `until`.
  void blocked(Campaign& campaign, std::optional<SystemTime> until);
  // Deliveries completed: up to `count` blocked campaigns (lowest pass first) go back in line.
  void slots_freed(std::size_t count, SystemTime now);
  // When the earliest sleeper wakes.
  std::optional<SystemTime> next_wakeup() const;
  std::size_t ready() const { return ready_.size(); }

 private:
  using ReadyKey = std::tuple<int, std::uint64_t, std::string>;  // (0 transactional, pass, id)
  using SleepKey = std::pair<SystemTime, std::string>;
  struct Place {
    enum class Where { none, ready, sleeping, blocked } where = Where::none;
    ReadyKey ready;
    SleepKey sleep;
  };
  void remove(const std::string& id);
  void place(Campaign& campaign, SystemTime now);
  static ReadyKey ready_key(const Campaign& campaign);

  CampaignBook& book_;
  std::set<ReadyKey> ready_;
  std::set<SleepKey> sleeping_;
  std::set<ReadyKey> blocked_;
  std::unordered_map<std::string, Place> places_;
};

}  // namespace sluice::scheduler
