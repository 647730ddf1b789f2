#include "oldest_message.h"

namespace sluice::metrics {

OldestMessage OldestMessageFinder::find(queue::QueueStore& store, const queue::QueueStats& stats) {
  if (stats.active + stats.held == 0) return OldestMessage{true, std::nullopt};
  std::lock_guard lock(mutex_);
  if (stats.dead < dead_seen_) after_.clear();
  dead_seen_ = stats.dead;
  std::size_t visited = 0;
  std::optional<SystemTime> found;
  mail::QueueId last_dead;
  auto scanned = store.scan(after_, [&](const queue::QueuedMessage& message) {
    if (message.state != queue::MessageState::dead) {
      found = message.arrival;
      return false;
    }
    last_dead = message.id;
    return ++visited < visit_limit_;
  });
  if (!scanned) return {};
  if (!last_dead.empty()) after_ = last_dead;
  // Reaching the end without a live record means the counts and the scan disagree (a write in
  // between): the next scrape looks again.
  return OldestMessage{found.has_value(), found};
}

}  // namespace sluice::metrics
