#include "sluice/dns/resolver.h"

#include <atomic>
#include <unordered_map>
#include <utility>

#include <boost/asio/post.hpp>

#include "answer_cache.h"
#include "cares_answer.h"
#include "cares_channel.h"
#include "host_name.h"

namespace sluice::dns {

namespace asio = boost::asio;

// The resolver's state. Shared with the handlers posted to the executor, so that a resolve()
// racing the destructor finds it alive; everything but the atomics is touched on the executor
// only.
struct CaresResolver::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, ResolverOptions options, const Clock& clock,
       std::shared_ptr<CaresChannel> channel)
      : executor(std::move(executor)),
        options(std::move(options)),
        clock(clock),
        channel(std::move(channel)) {}
  // Reached on the executor after shutdown(), or while the io_context is torn down unrun.
  ~Impl() { channel->close(); }

  void lookup(const std::string& host, Done done);
  void on_answer(const std::string& key, int status, const ares_addrinfo* info);
  void finish(Done& done, const AnswerCache::Answer& answer, LookupFailure failure);
  void shutdown();

  const asio::any_io_executor executor;
  const ResolverOptions options;
  const Clock& clock;
  const std::shared_ptr<CaresChannel> channel;
  AnswerCache cache;
  // Lookups in flight, by lookup_key(): everyone waiting for that one query.
  std::unordered_map<std::string, std::vector<Done>> waiting;
  // Set while getaddrinfo() runs: an answer arriving inside it came from the hosts file.
  bool asking = false;

  std::atomic<bool> closed{false};  // set by ~CaresResolver on any thread
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> failures{0};
};

void CaresResolver::Impl::lookup(const std::string& host, Done done) {
  if (closed) return;
  ++lookups;
  if (options.events) options.events->lookup();
  std::string key = lookup_key(host);
  if (key.empty()) {
    finish(done, make_error("empty host name", ErrorCode::invalid), LookupFailure::other);
    return;
  }
  LookupFailure failure = LookupFailure::none;
  if (auto cached = cache.find(key, clock.now(), &failure)) {
    ++cache_hits;
    if (options.events) options.events->cache_hit();
    finish(done, *cached, failure);
    return;
  }
  auto [entry, first] = waiting.try_emplace(key);
  entry->second.push_back(std::move(done));
  if (!first) return;
  // Weak: c-ares holds this until the query ends, which must not keep the resolver alive. The
  // answer may run inside getaddrinfo() (hosts file); `entry` is not used after it.
  asking = true;
  channel->getaddrinfo(key, [weak = weak_from_this(), key](int status, const ares_addrinfo* info) {
    if (auto self = weak.lock()) self->on_answer(key, status, info);
  });
  asking = false;
}

void CaresResolver::Impl::on_answer(const std::string& key, int status, const ares_addrinfo* info) {
  if (closed || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
  auto callers = waiting.extract(key);
  if (callers.empty()) return;
  LookupAnswer answer = interpret_answer(status, info, key, options);
  if (answer.cache_for.count() > 0) {
    SystemTime now = clock.now();
    cache.store(key, answer.addresses, now + answer.cache_for, now, answer.failure);
  }
  // Answered within getaddrinfo() itself, with no query sent: the hosts file.
  if (asking && answer.addresses.ok() && options.events) {
    for (std::size_t i = 0; i < callers.mapped().size(); ++i) options.events->cache_hit();
  }
  for (auto& done : callers.mapped()) {
    if (closed) return;  // a caller destroyed the resolver from its callback
    finish(done, answer.addresses, answer.failure);
  }
}

void CaresResolver::Impl::finish(Done& done, const AnswerCache::Answer& answer,
                                 LookupFailure failure) {
  if (!answer.ok()) {
    ++failures;
    if (options.events) options.events->failure(to_string(failure));
  }
  done(answer);
}

void CaresResolver::Impl::shutdown() {
  channel->close();  // outstanding queries end now; on_answer ignores them (closed is set)
  waiting.clear();   // their callers' callbacks are dropped, here on the executor
}

CaresResolver::CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

CaresResolver::~CaresResolver() {
  impl_->closed = true;
  // c-ares may only be touched on the executor; the posted handler keeps Impl alive until then.
  asio::post(impl_->executor, [impl = impl_] { impl->shutdown(); });
}

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(asio::any_io_executor executor,
                                                             ResolverOptions options) {
  static const SystemClock system_clock;  // stateless, so one serves every resolver
  return create(std::move(executor), std::move(options), system_clock);
}

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(asio::any_io_executor executor,
                                                             ResolverOptions options,
                                                             const Clock& clock) {
  if (options.timeout.count() <= 0) {
    return make_error("DNS timeout must be positive", ErrorCode::invalid);
  }
  if (options.tries < 1) return make_error("DNS tries must be at least 1", ErrorCode::invalid);
  if (options.min_ttl.count() < 0 || options.negative_ttl.count() < 0 ||
      options.max_ttl < options.min_ttl) {
    return make_error("DNS cache TTLs must satisfy 0 <= min_ttl <= max_ttl, negative_ttl >= 0",
                      ErrorCode::invalid);
  }
  auto channel = CaresChannel::create(executor, options);
  if (!channel) return channel.error();
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(options), clock,
                                     std::move(channel).value());
  return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

void CaresResolver::resolve(const std::string& host, Done done) {
  if (auto literal = parse_ip_literal(host)) {
    asio::post(impl_->executor, [impl = impl_, address = *literal, done = std::move(done)] {
      if (!impl->closed) done(std::vector<asio::ip::address>{address});
    });
    return;
  }
  asio::post(impl_->executor, [impl = impl_, host, done = std::move(done)]() mutable {
    impl->lookup(host, std::move(done));
  });
}

ResolverStats CaresResolver::stats() const {
  return {impl_->lookups.load(std::memory_order_relaxed),
          impl_->cache_hits.load(std::memory_order_relaxed),
          impl_->failures.load(std::memory_order_relaxed)};
}

}  // namespace sluice::dns
