#pragma once
// Per-client-IP bookkeeping the listener and the sessions share: concurrent connections and
// the rate of new ones (Postfix's smtpd_client_connection_count_limit and
// smtpd_client_connection_rate_limit, counted by anvil there), and failed AUTH attempts
// (smtpd_auth_failure_limit per smtpd_auth_failure_window). Pure and clock-free: the caller
// passes the time. Thread-safe: every I/O thread calls in, one mutex per limiter guards its
// maps; each call is a few map operations.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice::smtpd {

using SteadyTime = std::chrono::steady_clock::time_point;

// The times of the last `keep` events per key within a sliding window. Not thread-safe.
class RecentEvents {
 public:
  RecentEvents(std::size_t keep, std::chrono::steady_clock::duration window)
      : keep_(keep), window_(window) {}
  std::size_t count(const std::string& key, SteadyTime now);
  void add(const std::string& key, SteadyTime now);
  // Keys whose events have all expired; bounded memory under a stream of new addresses.
  void forget_expired(SteadyTime now);
  std::size_t keys() const { return events_.size(); }

 private:
  void expire(std::deque<SteadyTime>& times, SteadyTime now) const;

  std::size_t keep_;
  std::chrono::steady_clock::duration window_;
  std::unordered_map<std::string, std::deque<SteadyTime>> events_;
  SteadyTime last_sweep_{};
};

enum class Admission { admitted, too_many_connections, too_fast };

struct ConnectionLimits {
  std::uint32_t per_client = 50;  // concurrent connections per IP; 0: unlimited
  std::uint32_t rate = 0;         // new connections per IP per rate_window; 0: unlimited
  std::chrono::seconds rate_window{60};
};

class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(ConnectionLimits limits);
  // Counts the connection when admitted; the caller calls release() when it closes.
  Admission admit(const std::string& client, SteadyTime now);
  void release(const std::string& client);
  std::uint32_t connections(const std::string& client) const;

 private:
  const ConnectionLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> open_;  // guarded by mutex_; entries > 0
  RecentEvents arrivals_;                                // guarded by mutex_
};

class AuthFailureLimiter {
 public:
  // limit 0: never locks out.
  AuthFailureLimiter(std::uint32_t limit, std::chrono::seconds window);
  bool locked_out(const std::string& client, SteadyTime now);
  void failed(const std::string& client, SteadyTime now);
  // One credential check, as one atomic step with its admission: begin() refuses (false) when
  // the client's recent failures plus its checks under way reach the limit, so guesses sent on
  // many connections at once cannot all slip in before the first failure is counted. Every
  // begin() that returned true is followed by one end().
  bool begin(const std::string& client, SteadyTime now);
  void end(const std::string& client, bool ok, SteadyTime now);

 private:
  const std::uint32_t limit_;
  std::mutex mutex_;
  RecentEvents failures_;                                    // guarded by mutex_
  std::unordered_map<std::string, std::uint32_t> checking_;  // guarded by mutex_
};

// smtpd_min_data_rate (Postfix 3.7): while a message body arrives the deadline starts at
// smtpd_timeout and each read of N bytes moves it by N / rate seconds, never beyond
// smtpd_timeout from now; so a client below the rate runs out of time however often it sends
// a line. rate 0: off (the per-line deadline alone applies). One per session, its strand.
class MessageDeadline {
 public:
  MessageDeadline(std::chrono::steady_clock::duration timeout, std::uint32_t min_rate)
      : timeout_(timeout), min_rate_(min_rate) {}
  bool enabled() const { return min_rate_ != 0; }
  void start(SteadyTime now) { deadline_ = now + timeout_; }
  void received(std::size_t bytes, SteadyTime now);
  SteadyTime deadline() const { return deadline_; }

 private:
  std::chrono::steady_clock::duration timeout_;
  std::uint32_t min_rate_;
  SteadyTime deadline_{};
};

}  // namespace sluice::smtpd
