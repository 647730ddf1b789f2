#include "sluice/dns/resolver.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "fake_dns_server.h"
#include "manual_clock.h"

namespace sluice::dns {
namespace {

namespace asio = boost::asio;
using Addresses = Result<std::vector<asio::ip::address>>;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> texts(const Addresses& result) {
  std::vector<std::string> out;
  if (result.ok()) {
    for (const auto& a : result.value()) out.push_back(a.to_string());
  }
  return out;
}

class ResolverTest : public ::testing::Test {
 protected:
  std::unique_ptr<CaresResolver> make_resolver(ResolverOptions options = {}) {
    if (options.servers.empty()) options.servers = dns.server();
    auto created = CaresResolver::create(strand, options, clock);
    if (!created) {
      ADD_FAILURE() << created.error().message;
      return nullptr;
    }
    return std::move(created).value();
  }

  // Runs the loop until `done` holds or `limit` of real time passes.
  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();  // the loop stops whenever it runs out of work
      io.run_for(milliseconds(5));
    }
    return done();
  }

  // One resolve() run to its answer (bounded).
  Addresses resolve(Resolver& resolver, const std::string& host) {
    std::optional<Addresses> answer;
    resolver.resolve(host, [&](Addresses result) { answer.emplace(std::move(result)); });
    if (!run_until([&] { return answer.has_value(); })) {
      return make_error("test: no answer for " + host);
    }
    return std::move(*answer);
  }

  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand = asio::make_strand(io);
  testing::ManualClock clock;
  testing::FakeDnsServer dns{io};
};

TEST_F(ResolverTest, ReturnsIpv4ThenIpv6InServerOrder) {
  dns.answer("mx.example.com", {"2001:db8::2", "192.0.2.20", "2001:db8::1", "192.0.2.10"});
  auto resolver = make_resolver();
  auto answer = resolve(*resolver, "mx.example.com");
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(texts(answer),
            (std::vector<std::string>{"192.0.2.20", "192.0.2.10", "2001:db8::2", "2001:db8::1"}));
  EXPECT_EQ(dns.queries_for("mx.example.com"), 2u);  // one A, one AAAA
  EXPECT_EQ(resolver->stats().lookups, 1u);
  EXPECT_EQ(resolver->stats().failures, 0u);
}

TEST_F(ResolverTest, DropsDuplicateAddresses) {
  dns.answer("dup.example.com",
             {"192.0.2.1", "192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::1"});
  auto resolver = make_resolver();
  EXPECT_EQ(texts(resolve(*resolver, "dup.example.com")),
            (std::vector<std::string>{"192.0.2.1", "192.0.2.2", "2001:db8::1"}));
}

TEST_F(ResolverTest, SingleFamilyAnswers) {
  dns.answer("v4.example.com", {"192.0.2.4"});
  dns.answer("v6.example.com", {"2001:db8::6"});
  auto resolver = make_resolver();
  EXPECT_EQ(texts(resolve(*resolver, "v4.example.com")), (std::vector<std::string>{"192.0.2.4"}));
  EXPECT_EQ(texts(resolve(*resolver, "v6.example.com")), (std::vector<std::string>{"2001:db8::6"}));
}

TEST_F(ResolverTest, IpLiteralsResolveToThemselvesWithoutAQuery) {
  auto resolver = make_resolver();
  for (auto [host, expected] :
       std::vector<std::pair<std::string, std::string>>{{"192.0.2.1", "192.0.2.1"},
                                                        {"[192.0.2.1]", "192.0.2.1"},
                                                        {"2001:db8::1", "2001:db8::1"},
                                                        {"[2001:db8::1]", "2001:db8::1"},
                                                        {"[IPv6:2001:db8::1]", "2001:db8::1"}}) {
    EXPECT_EQ(texts(resolve(*resolver, host)), (std::vector<std::string>{expected})) << host;
  }
  EXPECT_EQ(dns.queries(), 0u);
  EXPECT_EQ(resolver->stats().lookups, 0u);
}

TEST_F(ResolverTest, CallbackRunsOnTheExecutorNotInsideResolve) {
  dns.answer("mx.example.com", {"192.0.2.1"});
  auto resolver = make_resolver();
  bool literal_done = false;
  resolver->resolve("192.0.2.1", [&](Addresses) { literal_done = true; });
  EXPECT_FALSE(literal_done);
  ASSERT_TRUE(resolve(*resolver, "mx.example.com").ok());  // cached from here on
  bool cached_done = false;
  resolver->resolve("mx.example.com", [&](Addresses) { cached_done = true; });
  EXPECT_FALSE(cached_done);
  EXPECT_TRUE(run_until([&] { return literal_done && cached_done; }));
}

TEST_F(ResolverTest, CachesWithinTheTtlAndQueriesAgainAfterIt) {
  dns.answer("mx.example.com", {"192.0.2.1"}, 30);
  auto resolver = make_resolver();
  ASSERT_TRUE(resolve(*resolver, "mx.example.com").ok());
  EXPECT_EQ(dns.queries_for("mx.example.com"), 2u);

  clock.advance(seconds(29));
  auto cached = resolve(*resolver, "MX.Example.COM.");  // same key
  EXPECT_EQ(texts(cached), (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_EQ(dns.queries_for("mx.example.com"), 2u);
  EXPECT_EQ(resolver->stats().cache_hits, 1u);

  dns.answer("mx.example.com", {"192.0.2.2"}, 30);
  clock.advance(seconds(1));
  EXPECT_EQ(texts(resolve(*resolver, "mx.example.com")), (std::vector<std::string>{"192.0.2.2"}));
  EXPECT_EQ(dns.queries_for("mx.example.com"), 4u);
  EXPECT_EQ(resolver->stats().lookups, 3u);
  EXPECT_EQ(resolver->stats().cache_hits, 1u);
}

TEST_F(ResolverTest, TtlIsClampedToTheConfiguredLimits) {
  dns.answer("short.example.com", {"192.0.2.1"}, 2);
  dns.answer("long.example.com", {"192.0.2.2"}, 86400);
  ResolverOptions options;
  options.min_ttl = seconds(60);
  options.max_ttl = seconds(600);
  auto resolver = make_resolver(options);
  ASSERT_TRUE(resolve(*resolver, "short.example.com").ok());
  ASSERT_TRUE(resolve(*resolver, "long.example.com").ok());

  clock.advance(seconds(59));  // past the 2 s TTL, within min_ttl
  ASSERT_TRUE(resolve(*resolver, "short.example.com").ok());
  EXPECT_EQ(dns.queries_for("short.example.com"), 2u);

  clock.advance(seconds(600 - 59));  // max_ttl, far short of the 86400 s TTL
  ASSERT_TRUE(resolve(*resolver, "long.example.com").ok());
  EXPECT_EQ(dns.queries_for("long.example.com"), 4u);
}

TEST_F(ResolverTest, NxdomainIsAnErrorAndCachedForTheNegativeTtl) {
  ResolverOptions options;
  options.negative_ttl = seconds(5);
  auto resolver = make_resolver(options);
  auto answer = resolve(*resolver, "nowhere.example.com");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "host nowhere.example.com not found (NXDOMAIN)");
  EXPECT_EQ(answer.error().code, ErrorCode::not_found);
  std::size_t first = dns.queries_for("nowhere.example.com");
  EXPECT_EQ(first, 2u);

  clock.advance(seconds(4));
  auto cached = resolve(*resolver, "nowhere.example.com");
  ASSERT_FALSE(cached.ok());
  EXPECT_EQ(cached.error().message, "host nowhere.example.com not found (NXDOMAIN)");
  EXPECT_EQ(dns.queries_for("nowhere.example.com"), first);

  dns.answer("nowhere.example.com", {"192.0.2.5"});
  clock.advance(seconds(1));
  EXPECT_EQ(texts(resolve(*resolver, "nowhere.example.com")),
            (std::vector<std::string>{"192.0.2.5"}));
  EXPECT_EQ(resolver->stats().failures, 2u);
  EXPECT_EQ(resolver->stats().cache_hits, 1u);
}

TEST_F(ResolverTest, NameWithoutAddressesIsNoData) {
  dns.answer("empty.example.com", {});
  auto resolver = make_resolver();
  auto answer = resolve(*resolver, "empty.example.com");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "host empty.example.com has no IPv4 or IPv6 address (NODATA)");
  ASSERT_FALSE(resolve(*resolver, "empty.example.com").ok());
  EXPECT_EQ(dns.queries_for("empty.example.com"), 2u);  // the second came from the cache
}

TEST_F(ResolverTest, ServfailIsAnErrorAndCachedForTheNegativeTtl) {
  dns.fail("broken.example.com");
  ResolverOptions options;
  options.negative_ttl = seconds(5);
  auto resolver = make_resolver(options);
  auto started = std::chrono::steady_clock::now();
  auto answer = resolve(*resolver, "broken.example.com");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "DNS server failure (SERVFAIL) for broken.example.com");
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(1));  // no waiting for a timeout
  std::size_t first = dns.queries_for("broken.example.com");
  EXPECT_EQ(first, 2u);  // an answer, not retried
  ASSERT_FALSE(resolve(*resolver, "broken.example.com").ok());
  EXPECT_EQ(dns.queries_for("broken.example.com"), first);
  clock.advance(seconds(5));
  ASSERT_FALSE(resolve(*resolver, "broken.example.com").ok());
  EXPECT_GT(dns.queries_for("broken.example.com"), first);
}

TEST_F(ResolverTest, SilentServerTimesOutAndTheTimeoutIsNotCached) {
  dns.stay_silent("slow.example.com");
  ResolverOptions options;
  options.timeout = milliseconds(100);
  options.tries = 1;
  auto resolver = make_resolver(options);
  auto started = std::chrono::steady_clock::now();
  auto answer = resolve(*resolver, "slow.example.com");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "DNS timeout for slow.example.com");
  EXPECT_GE(took, milliseconds(50));  // it waited (c-ares may shorten a try by jitter)
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_EQ(dns.queries_for("slow.example.com"), 2u);

  ASSERT_FALSE(resolve(*resolver, "slow.example.com").ok());
  EXPECT_EQ(dns.queries_for("slow.example.com"), 4u);
  EXPECT_EQ(resolver->stats().cache_hits, 0u);
  EXPECT_EQ(resolver->stats().failures, 2u);
}

TEST_F(ResolverTest, RetriesASilentServerTriesTimes) {
  dns.stay_silent("slow.example.com");
  ResolverOptions options;
  options.timeout = milliseconds(50);
  options.tries = 3;
  auto resolver = make_resolver(options);
  auto answer = resolve(*resolver, "slow.example.com");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "DNS timeout for slow.example.com");
  EXPECT_EQ(dns.queries_for("slow.example.com"), 6u);  // A and AAAA, three times each
}

TEST_F(ResolverTest, ConcurrentResolvesOfOneNameShareOneQuery) {
  dns.answer("mx.example.com", {"192.0.2.1", "2001:db8::1"});
  auto resolver = make_resolver();
  std::vector<Addresses> answers;
  for (const char* host :
       {"mx.example.com", "MX.example.com", "mx.example.com.", "mx.example.com"}) {
    resolver->resolve(host, [&](Addresses result) { answers.push_back(std::move(result)); });
  }
  ASSERT_TRUE(run_until([&] { return answers.size() == 4; }));
  for (const auto& answer : answers) {
    EXPECT_EQ(texts(answer), (std::vector<std::string>{"192.0.2.1", "2001:db8::1"}));
  }
  EXPECT_EQ(dns.queries_for("mx.example.com"), 2u);
  EXPECT_EQ(resolver->stats().lookups, 4u);
  EXPECT_EQ(resolver->stats().cache_hits, 0u);
}

TEST_F(ResolverTest, ConcurrentFailuresReachEveryCaller) {
  auto resolver = make_resolver();
  std::vector<Addresses> answers;
  for (int i = 0; i < 3; ++i) {
    resolver->resolve("gone.example.com",
                      [&](Addresses result) { answers.push_back(std::move(result)); });
  }
  ASSERT_TRUE(run_until([&] { return answers.size() == 3; }));
  for (const auto& answer : answers) {
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().message, "host gone.example.com not found (NXDOMAIN)");
  }
  EXPECT_EQ(dns.queries_for("gone.example.com"), 2u);
  EXPECT_EQ(resolver->stats().failures, 3u);
}

TEST_F(ResolverTest, LocalhostComesFromTheHostsFile) {
  auto resolver = make_resolver();
  auto answer = resolve(*resolver, "localhost");
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_FALSE(answer.value().empty());
  for (const auto& address : answer.value()) EXPECT_TRUE(address.is_loopback()) << address;
  EXPECT_EQ(dns.queries(), 0u);
}

TEST_F(ResolverTest, EmptyHostIsAnError) {
  auto resolver = make_resolver();
  auto answer = resolve(*resolver, "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "empty host name");
  EXPECT_EQ(dns.queries(), 0u);
}

TEST_F(ResolverTest, ResolveFromAnotherThread) {
  dns.answer("mx.example.com", {"192.0.2.1"});
  auto resolver = make_resolver();
  auto work = asio::make_work_guard(io);
  std::thread loop([this] { io.run(); });
  std::promise<Addresses> promise;
  resolver->resolve("mx.example.com",
                    [&](Addresses result) { promise.set_value(std::move(result)); });
  auto future = promise.get_future();
  bool answered = future.wait_for(seconds(5)) == std::future_status::ready;
  // The resolver goes on the loop's strand, where it may be destroyed, then the loop stops.
  std::promise<void> destroyed;
  asio::post(strand, [&] {
    resolver.reset();
    destroyed.set_value();
  });
  destroyed.get_future().wait_for(seconds(5));
  work.reset();
  io.stop();
  loop.join();
  ASSERT_TRUE(answered);
  EXPECT_EQ(texts(future.get()), (std::vector<std::string>{"192.0.2.1"}));
}

TEST_F(ResolverTest, DestroyingWithAQueryOutstandingDropsTheCallback) {
  dns.stay_silent("slow.example.com");
  ResolverOptions options;
  options.servers = dns.server();
  options.timeout = milliseconds(3000);  // the query outlives the resolver
  options.tries = 1;
  // The resolver on a loop of its own, so that the test sees it leave no work behind.
  asio::io_context resolver_io;
  auto created = CaresResolver::create(asio::make_strand(resolver_io), options, clock);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto resolver = std::move(created).value();
  bool called = false;
  resolver->resolve("slow.example.com", [&](Addresses) { called = true; });
  auto deadline = std::chrono::steady_clock::now() + seconds(5);
  while (dns.queries_for("slow.example.com") < 2 && std::chrono::steady_clock::now() < deadline) {
    resolver_io.restart();
    resolver_io.run_for(milliseconds(1));
    io.restart();
    io.poll();
  }
  ASSERT_EQ(dns.queries_for("slow.example.com"), 2u);
  resolver.reset();
  resolver_io.restart();
  // Returns as soon as no socket wait or timer is left: the query was cancelled, not left to
  // time out (c-ares closes its sockets once no query remains).
  resolver_io.run_for(milliseconds(1000));
  EXPECT_TRUE(resolver_io.stopped());
  EXPECT_FALSE(called);
}

TEST_F(ResolverTest, DestroyingBeforeTheLoopEverRanIsSafe) {
  dns.stay_silent("slow.example.com");
  auto resolver = make_resolver();
  bool called = false;
  resolver->resolve("slow.example.com", [&](Addresses) { called = true; });
  resolver->resolve("192.0.2.1", [&](Addresses) { called = true; });
  resolver.reset();
  run_until([] { return false; }, milliseconds(50));
  EXPECT_FALSE(called);
  EXPECT_EQ(dns.queries(), 0u);
}

TEST_F(ResolverTest, DestroyingFromACallbackDropsTheOtherCallers) {
  dns.answer("mx.example.com", {"192.0.2.1"});
  auto resolver = make_resolver();
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    resolver->resolve("mx.example.com", [&](Addresses) {
      ++calls;
      resolver.reset();
    });
  }
  run_until([] { return false; }, milliseconds(200));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(resolver);
}

TEST_F(ResolverTest, RejectsBadOptions) {
  ResolverOptions bad_servers;
  bad_servers.servers = "not a server list";
  auto created = CaresResolver::create(strand, bad_servers, clock);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("invalid DNS servers \"not a server list\""),
            std::string::npos)
      << created.error().message;

  ResolverOptions no_tries;
  no_tries.tries = 0;
  EXPECT_FALSE(CaresResolver::create(strand, no_tries, clock).ok());
  ResolverOptions no_timeout;
  no_timeout.timeout = milliseconds(0);
  EXPECT_FALSE(CaresResolver::create(strand, no_timeout, clock).ok());
  ResolverOptions crossed;
  crossed.min_ttl = seconds(10);
  crossed.max_ttl = seconds(5);
  EXPECT_FALSE(CaresResolver::create(strand, crossed, clock).ok());
}

TEST_F(ResolverTest, UnreachableServerIsAnError) {
  ResolverOptions options;
  options.tries = 1;
  options.timeout = milliseconds(200);
  {
    // A port nobody listens on: bound and closed again.
    asio::ip::udp::socket probe(io,
                                asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    options.servers = "127.0.0.1:" + std::to_string(probe.local_endpoint().port());
  }
  auto resolver = make_resolver(options);
  auto answer = resolve(*resolver, "mx.example.com");
  ASSERT_FALSE(answer.ok());
  // Loopback reports the closed port (ICMP) before the timeout, but either is a correct answer.
  EXPECT_TRUE(answer.error().message ==
                  "DNS server unreachable (connection refused) for mx.example.com" ||
              answer.error().message == "DNS timeout for mx.example.com")
      << answer.error().message;
}

}  // namespace
}  // namespace sluice::dns
