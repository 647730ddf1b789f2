#pragma once
// An in-memory QueueStore for tests (admin API, scheduler, runner). It follows the contract of
// queue_store.h: records in id order; only active records are due, oldest next_attempt first
// (ties by id); modify() re-indexes by reading the record back; Edit::remove deletes record and
// body; not_found for a missing id; scan() starts strictly after `after`. campaigns() and
// due_in_campaign() group the active records by campaign in byte order (LMDB abbreviates names
// longer than 100 bytes in its index; this fake keeps them whole). State keys must have 1 to 511
// bytes, as in LMDB: put_state fails with invalid otherwise.
//
// Threading: every call is safe from any thread (one mutex guards the state). Write callbacks
// run synchronously on the calling thread after the lock is released, so a callback may call
// the store again, unless defer_completions(true): then they queue up until
// run_deferred_completions(), which imitates the LMDB store's writer thread running them later.
// Modifiers run under the lock: like the real store's, they must not touch the store.
//
// Fault injection: fail_next_writes(n, error) makes the next n writes fail with `error` and
// change nothing (no_space to test 507 and retry paths); retry_next_modifies(n) makes the next
// n modify/modify_all calls run their modifier once on throw-away copies first, as the LMDB
// store does when it grows the map mid-transaction, so modifiers are tested for deciding only
// from the record they are shown.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sluice/queue/queue_store.h"

namespace sluice::testing {

class MemoryQueueStore final : public queue::QueueStore {
 public:
  void enqueue(queue::QueuedMessage message, std::string body, Done done) override {
    complete(std::move(done), [&]() -> Result<void> {
      if (auto failure = take_failure()) return *failure;
      if (records_.count(message.id) != 0) {
        return make_error("duplicate queue id " + message.id);
      }
      bodies_[message.id] = std::move(body);
      auto id = message.id;
      records_.emplace(std::move(id), std::move(message));
      return {};
    });
  }

  void modify(mail::QueueId id, Modifier modifier, Done done) override {
    complete(std::move(done), [&]() -> Result<void> {
      if (auto failure = take_failure()) return *failure;
      auto it = records_.find(id);
      if (it == records_.end()) return make_error("no such message " + id, ErrorCode::not_found);
      if (take_retry()) rehearse(it->second, modifier);
      apply(it, modifier);
      return {};
    });
  }

  // One "transaction" for all records; the modifier sees them in id order.
  void modify_all(Modifier modifier, Done done) override {
    complete(std::move(done), [&]() -> Result<void> {
      if (auto failure = take_failure()) return *failure;
      if (take_retry()) {
        for (const auto& [id, message] : records_) rehearse(message, modifier);
      }
      for (auto it = records_.begin(); it != records_.end();) it = apply(it, modifier);
      return {};
    });
  }

  Result<std::vector<queue::DueEntry>> due(SystemTime now, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    return due_where(now, limit, [](const queue::QueuedMessage&) { return true; });
  }

  Result<std::optional<SystemTime>> next_due(SystemTime after) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    std::optional<SystemTime> earliest;
    for (const auto& [id, message] : records_) {
      if (message.state != queue::MessageState::active || message.next_attempt <= after) continue;
      if (!earliest || message.next_attempt < *earliest) earliest = message.next_attempt;
    }
    return earliest;
  }

  Result<queue::QueuedMessage> find(const mail::QueueId& id) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    auto it = records_.find(id);
    if (it == records_.end()) return make_error("no such message " + id, ErrorCode::not_found);
    return it->second;
  }

  Result<std::string> body(const mail::QueueId& id) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    auto it = bodies_.find(id);
    if (it == bodies_.end()) return make_error("no such message " + id, ErrorCode::not_found);
    return it->second;
  }

  // Visits a snapshot taken under the lock, so `visit` may call the store.
  Result<void> scan(const mail::QueueId& after,
                    const std::function<bool(const queue::QueuedMessage&)>& visit) override {
    std::vector<queue::QueuedMessage> snapshot;
    {
      std::lock_guard lock(mutex_);
      ++reads_;
      auto it = after.empty() ? records_.begin() : records_.upper_bound(after);
      for (; it != records_.end(); ++it) snapshot.push_back(it->second);
    }
    for (const auto& message : snapshot) {
      if (!visit(message)) break;
    }
    return {};
  }

  Result<queue::QueueStats> stats() override {
    std::lock_guard lock(mutex_);
    ++reads_;
    queue::QueueStats stats;
    stats.messages = records_.size();
    for (const auto& [id, message] : records_) {
      switch (message.state) {
        case queue::MessageState::active:
          ++stats.active;
          break;
        case queue::MessageState::held:
          ++stats.held;
          break;
        case queue::MessageState::dead:
          ++stats.dead;
          break;
      }
      stats.map_used_bytes += message.size;
    }
    stats.map_size_bytes = map_size_bytes_;
    return stats;
  }

  Result<std::vector<queue::CampaignQueue>> campaigns(const std::string& after,
                                                      std::size_t limit) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    std::map<std::string, queue::CampaignQueue> by_campaign;
    for (const auto& [id, message] : records_) {
      if (message.state != queue::MessageState::active) continue;
      if (!after.empty() && message.campaign <= after) continue;
      auto [it, added] = by_campaign.try_emplace(message.campaign);
      auto& campaign = it->second;
      if (added) {
        campaign.campaign = message.campaign;
        campaign.earliest_due = message.next_attempt;
      }
      ++campaign.active;
      campaign.earliest_due = std::min(campaign.earliest_due, message.next_attempt);
    }
    std::vector<queue::CampaignQueue> out;
    for (auto& [name, campaign] : by_campaign) {
      if (out.size() >= limit) break;
      out.push_back(std::move(campaign));
    }
    return out;
  }

  Result<std::vector<queue::DueEntry>> due_in_campaign(const std::string& campaign, SystemTime now,
                                                       std::size_t limit) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    return due_where(now, limit, [&campaign](const queue::QueuedMessage& message) {
      return message.campaign == campaign;
    });
  }

  void put_state(std::string key, std::string value, Done done) override {
    complete(std::move(done), [&]() -> Result<void> {
      if (auto failure = take_failure()) return *failure;
      if (key.empty() || key.size() > kMaxStateKeyBytes) {
        return make_error("a state key must have 1 to 511 bytes", ErrorCode::invalid);
      }
      state_[std::move(key)] = std::move(value);
      return {};
    });
  }

  void erase_state(std::string key, Done done) override {
    complete(std::move(done), [&]() -> Result<void> {
      if (auto failure = take_failure()) return *failure;
      state_.erase(key);
      return {};
    });
  }

  Result<std::optional<std::string>> get_state(const std::string& key) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    auto it = state_.find(key);
    if (it == state_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  // Visits a snapshot taken under the lock, so `visit` may call the store.
  Result<void> scan_state(const std::string& prefix, const std::string& after,
                          const queue::StateVisitor& visit) override {
    std::vector<std::pair<std::string, std::string>> snapshot;
    {
      std::lock_guard lock(mutex_);
      ++reads_;
      auto it = after.empty() ? state_.begin() : state_.upper_bound(after);
      for (; it != state_.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) == 0) snapshot.push_back(*it);
      }
    }
    for (const auto& [key, value] : snapshot) {
      if (!visit(key, value)) break;
    }
    return {};
  }

  // --- Test controls ---------------------------------------------------------------------

  void fail_next_writes(std::size_t count, Error error) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
    failure_ = std::move(error);
  }

  void retry_next_modifies(std::size_t count) {
    std::lock_guard lock(mutex_);
    retries_left_ = count;
  }

  void defer_completions(bool defer) {
    std::lock_guard lock(mutex_);
    defer_ = defer;
  }
  // Runs the queued write callbacks in order; returns how many ran.
  std::size_t run_deferred_completions() {
    std::deque<std::function<void()>> ready;
    {
      std::lock_guard lock(mutex_);
      ready.swap(deferred_);
    }
    for (auto& callback : ready) callback();
    return ready.size();
  }

  // Every record in id order.
  std::vector<queue::QueuedMessage> messages() const {
    std::lock_guard lock(mutex_);
    std::vector<queue::QueuedMessage> out;
    for (const auto& [id, message] : records_) out.push_back(message);
    return out;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return records_.size();
  }
  std::size_t writes() const {  // write calls that reached the store, failed ones included
    std::lock_guard lock(mutex_);
    return writes_;
  }
  std::size_t reads() const {
    std::lock_guard lock(mutex_);
    return reads_;
  }
  void set_map_size_bytes(std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    map_size_bytes_ = bytes;
  }

 private:
  using Records = std::map<mail::QueueId, queue::QueuedMessage>;
  static constexpr std::size_t kMaxStateKeyBytes = 511;

  // The active records that `select` picks and are due by `now`, oldest first (ties by id).
  template <class Select>
  std::vector<queue::DueEntry> due_where(SystemTime now, std::size_t limit, Select&& select) {
    std::vector<queue::DueEntry> entries;
    for (const auto& [id, message] : records_) {
      if (message.state == queue::MessageState::active && message.next_attempt <= now &&
          select(message)) {
        entries.push_back(queue::DueEntry{message.next_attempt, id});
      }
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return std::tie(a.next_attempt, a.id) < std::tie(b.next_attempt, b.id);
    });
    if (entries.size() > limit) entries.resize(limit);
    return entries;
  }

  // Runs one write under the lock, then its callback (now, or deferred) without it.
  template <class Write>
  void complete(Done done, Write&& write) {
    Result<void> result;
    {
      std::lock_guard lock(mutex_);
      ++writes_;
      result = write();
      if (defer_) {
        deferred_.push_back([done = std::move(done), result] {
          if (done) done(result);
        });
        return;
      }
    }
    if (done) done(result);
  }

  // Applies the modifier to a copy, so a modifier that changes the id cannot corrupt the map
  // (the id is restored: the contract says it may change anything but the id).
  Records::iterator apply(Records::iterator it, const Modifier& modifier) {
    queue::QueuedMessage copy = it->second;
    const auto edit = modifier(copy);
    if (edit == queue::Edit::remove) {
      bodies_.erase(it->first);
      return records_.erase(it);
    }
    if (edit == queue::Edit::untouched) return std::next(it);
    copy.id = it->first;
    it->second = std::move(copy);
    return std::next(it);
  }

  // The aborted first run of a retried transaction: its changes are thrown away.
  static void rehearse(const queue::QueuedMessage& message, const Modifier& modifier) {
    queue::QueuedMessage scratch = message;
    (void)modifier(scratch);
  }

  bool take_retry() {
    if (retries_left_ == 0) return false;
    --retries_left_;
    return true;
  }

  std::optional<Error> take_failure() {
    if (failures_left_ == 0) return std::nullopt;
    --failures_left_;
    return failure_;
  }

  mutable std::mutex mutex_;  // guards everything below
  Records records_;
  std::map<mail::QueueId, std::string> bodies_;
  std::map<std::string, std::string> state_;
  std::size_t failures_left_ = 0;
  Error failure_;
  std::size_t retries_left_ = 0;
  bool defer_ = false;
  std::deque<std::function<void()>> deferred_;
  std::size_t writes_ = 0;
  std::size_t reads_ = 0;
  std::uint64_t map_size_bytes_ = 1ull << 30;
};

}  // namespace sluice::testing
