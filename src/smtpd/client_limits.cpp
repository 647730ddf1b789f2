#include "sluice/smtpd/client_limits.h"

#include <algorithm>

namespace sluice::smtpd {

void RecentEvents::expire(std::deque<SteadyTime>& times, SteadyTime now) const {
  while (!times.empty() && times.front() + window_ <= now) times.pop_front();
}

std::size_t RecentEvents::count(const std::string& key, SteadyTime now) {
  forget_expired(now);
  const auto it = events_.find(key);
  if (it == events_.end()) return 0;
  expire(it->second, now);
  return it->second.size();
}

void RecentEvents::add(const std::string& key, SteadyTime now) {
  if (keep_ == 0) return;
  auto& times = events_[key];
  expire(times, now);
  times.push_back(now);
  // Only "are there keep_ within the window" matters, so older ones can go.
  if (times.size() > keep_) times.pop_front();
}

void RecentEvents::forget_expired(SteadyTime now) {
  // At most one full sweep per window: amortised constant time per call.
  if (now - last_sweep_ < window_) return;
  last_sweep_ = now;
  for (auto it = events_.begin(); it != events_.end();) {
    expire(it->second, now);
    it = it->second.empty() ? events_.erase(it) : std::next(it);
  }
}

ConnectionLimiter::ConnectionLimiter(ConnectionLimits limits)
    : limits_(limits), arrivals_(limits.rate, limits.rate_window) {}

Admission ConnectionLimiter::admit(const std::string& client, SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (limits_.per_client != 0) {
    const auto it = open_.find(client);
    if (it != open_.end() && it->second >= limits_.per_client) {
      return Admission::too_many_connections;
    }
  }
  if (limits_.rate != 0) {
    // A refused attempt does not count, as in Postfix: a client that keeps knocking is let in
    // again as soon as its earlier connections leave the window.
    if (arrivals_.count(client, now) >= limits_.rate) return Admission::too_fast;
    arrivals_.add(client, now);
  }
  ++open_[client];
  return Admission::admitted;
}

void ConnectionLimiter::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(client);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

std::uint32_t ConnectionLimiter::connections(const std::string& client) const {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(client);
  return it == open_.end() ? 0 : it->second;
}

AuthFailureLimiter::AuthFailureLimiter(std::uint32_t limit, std::chrono::seconds window)
    : limit_(limit), failures_(limit, window) {}

bool AuthFailureLimiter::locked_out(const std::string& client, SteadyTime now) {
  if (limit_ == 0) return false;
  std::lock_guard lock(mutex_);
  return failures_.count(client, now) >= limit_;
}

void AuthFailureLimiter::failed(const std::string& client, SteadyTime now) {
  std::lock_guard lock(mutex_);
  failures_.add(client, now);
}

bool AuthFailureLimiter::begin(const std::string& client, SteadyTime now) {
  if (limit_ == 0) return true;
  std::lock_guard lock(mutex_);
  auto& checking = checking_[client];
  if (failures_.count(client, now) + checking >= limit_) {
    if (checking == 0) checking_.erase(client);
    return false;
  }
  ++checking;
  return true;
}

void AuthFailureLimiter::end(const std::string& client, bool ok, SteadyTime now) {
  if (limit_ == 0) return;
  std::lock_guard lock(mutex_);
  if (const auto it = checking_.find(client); it != checking_.end() && --it->second == 0) {
    checking_.erase(it);
  }
  if (!ok) failures_.add(client, now);
}

void MessageDeadline::received(std::size_t bytes, SteadyTime now) {
  if (min_rate_ == 0) return;
  const auto earned = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / min_rate_));
  deadline_ = std::min(deadline_ + earned, now + timeout_);
}

}  // namespace sluice::smtpd
