#pragma once
// Name resolution for upstream hosts. CaresResolver drives c-ares from the Asio event loop (its
// sockets are watched by Asio, never a blocking call on an I/O thread), asks A and AAAA, caches
// answers for their TTL and reads /etc/hosts first (as c-ares does), which is how tests point
// names at loopback. NXDOMAIN, SERVFAIL and timeouts are errors the caller treats as temporary
// account failures.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/dns/resolver_events.h"

namespace sluice::dns {

class Resolver {
 public:
  // Addresses in the order to try them (IPv4 first, then IPv6, each in the server's order).
  using Done = std::function<void(Result<std::vector<boost::asio::ip::address>>)>;
  virtual ~Resolver() = default;
  // An IP literal resolves to itself without a lookup. `done` runs on the resolver's executor.
  virtual void resolve(const std::string& host, Done done) = 0;
};

struct ResolverOptions {
  // "host:port" DNS servers instead of /etc/resolv.conf's, for tests ("127.0.0.1:5353").
  std::string servers;
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
  std::chrono::seconds min_ttl{1};       // answers are cached at least this long
  std::chrono::seconds max_ttl{3600};    // and at most this long
  std::chrono::seconds negative_ttl{5};  // NXDOMAIN/SERVFAIL cached this long
  // Where lookups, cache hits and failures are reported (metrics); null: nowhere. It must
  // outlive the resolver; called on the resolver's executor.
  ResolverEvents* events = nullptr;
};

struct ResolverStats {
  std::uint64_t lookups = 0;     // resolve() calls that were not IP literals
  std::uint64_t cache_hits = 0;  // of those, answered from the cache (addresses or an error)
  std::uint64_t failures = 0;    // of those, answered with an error
};

// Names are looked up as given (no resolv.conf search list, as an MTA looks up MX hosts), the
// hosts file first, then DNS. Answers are cached for their smallest TTL clamped to
// [min_ttl, max_ttl]; an answer without a TTL (the hosts file, or TTL 0) gets min_ttl. NXDOMAIN,
// NODATA and SERVFAIL are cached for negative_ttl; timeouts are not cached. SERVFAIL and REFUSED
// are final (not retried on another server). Concurrent resolve() calls for one name share one
// query. resolve() and stats() may be called from any thread.
//
// Destruction: destroy the resolver before its io_context, on its executor (or while the
// context is not running): callbacks of resolve() calls still outstanding are then dropped,
// never run, even when the destructor runs inside one of them. Destroyed on another thread while
// the loop runs, it is still memory-safe, but a callback already running may finish after it.
class CaresResolver final : public Resolver {
 public:
  // The executor must be a strand (or a single-threaded context): every c-ares call runs on it.
  static Result<std::unique_ptr<CaresResolver>> create(boost::asio::any_io_executor executor,
                                                       ResolverOptions options);
  // The same, with the clock the cache expires by (tests); `clock` must outlive the resolver.
  static Result<std::unique_ptr<CaresResolver>> create(boost::asio::any_io_executor executor,
                                                       ResolverOptions options,
                                                       const Clock& clock);
  ~CaresResolver() override;

  void resolve(const std::string& host, Done done) override;
  ResolverStats stats() const;

 private:
  struct Impl;
  explicit CaresResolver(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::dns
