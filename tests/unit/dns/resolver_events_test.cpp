// What CaresResolver reports through ResolverEvents: a lookup per resolve() of a name, cache
// hits (the TTL cache and the hosts file), failures by kind.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <optional>

#include "dns/cares_answer.h"
#include "fake_dns_server.h"
#include "manual_clock.h"
#include "sluice/dns/resolver.h"

namespace sluice::dns {
namespace {

namespace asio = boost::asio;
using Addresses = Result<std::vector<asio::ip::address>>;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Failures = std::map<std::string, int>;

class RecordingResolverEvents final : public ResolverEvents {
 public:
  int lookups = 0;
  int cache_hits = 0;
  Failures failures;
  void lookup() override { ++lookups; }
  void cache_hit() override { ++cache_hits; }
  void failure(std::string_view kind) override { ++failures[std::string(kind)]; }
};

class ResolverEventsTest : public ::testing::Test {
 protected:
  std::unique_ptr<CaresResolver> make_resolver(ResolverOptions options = {}) {
    if (options.servers.empty()) options.servers = dns.server();
    options.events = &events;
    auto created = CaresResolver::create(strand, options, clock);
    if (!created) {
      ADD_FAILURE() << created.error().message;
      return nullptr;
    }
    return std::move(created).value();
  }
  template <class Pred>
  bool run_until(Pred done) {
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(milliseconds(5));
    }
    return done();
  }
  Addresses resolve(Resolver& resolver, const std::string& host) {
    std::optional<Addresses> answer;
    resolver.resolve(host, [&](Addresses result) { answer.emplace(std::move(result)); });
    if (!run_until([&] { return answer.has_value(); })) return make_error("test: no answer");
    return std::move(*answer);
  }

  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand = asio::make_strand(io);
  testing::ManualClock clock;
  testing::FakeDnsServer dns{io};
  RecordingResolverEvents events;
};

TEST_F(ResolverEventsTest, ALookupThenACacheHit) {
  dns.answer("mx.example.com", {"192.0.2.1"});
  auto resolver = make_resolver();
  ASSERT_TRUE(resolve(*resolver, "mx.example.com").ok());
  EXPECT_EQ(events.lookups, 1);
  EXPECT_EQ(events.cache_hits, 0);
  ASSERT_TRUE(resolve(*resolver, "MX.example.com.").ok());
  EXPECT_EQ(events.lookups, 2);
  EXPECT_EQ(events.cache_hits, 1);
  EXPECT_TRUE(events.failures.empty());
}

TEST_F(ResolverEventsTest, AnAnswerFromTheHostsFileIsACacheHit) {
  auto resolver = make_resolver();
  ASSERT_TRUE(resolve(*resolver, "localhost").ok());
  EXPECT_EQ(dns.queries(), 0u);
  EXPECT_EQ(events.lookups, 1);
  EXPECT_EQ(events.cache_hits, 1);
}

TEST_F(ResolverEventsTest, IpLiteralsAreNoLookup) {
  auto resolver = make_resolver();
  ASSERT_TRUE(resolve(*resolver, "192.0.2.9").ok());
  EXPECT_EQ(events.lookups, 0);
  EXPECT_EQ(events.cache_hits, 0);
}

TEST_F(ResolverEventsTest, NxdomainFromTheServerAndFromTheCache) {
  auto resolver = make_resolver();
  ASSERT_FALSE(resolve(*resolver, "nowhere.example.com").ok());
  EXPECT_EQ(events.failures, (Failures{{"nxdomain", 1}}));
  ASSERT_FALSE(resolve(*resolver, "nowhere.example.com").ok());  // the negative cache
  EXPECT_EQ(events.failures, (Failures{{"nxdomain", 2}}));
  EXPECT_EQ(events.cache_hits, 1);
  EXPECT_EQ(events.lookups, 2);
}

TEST_F(ResolverEventsTest, NoDataCountsAsNxdomain) {
  dns.answer("empty.example.com", {});
  auto resolver = make_resolver();
  ASSERT_FALSE(resolve(*resolver, "empty.example.com").ok());
  EXPECT_EQ(events.failures, (Failures{{"nxdomain", 1}}));
}

TEST_F(ResolverEventsTest, ServfailFromTheServerAndFromTheCache) {
  dns.fail("broken.example.com");
  auto resolver = make_resolver();
  ASSERT_FALSE(resolve(*resolver, "broken.example.com").ok());
  ASSERT_FALSE(resolve(*resolver, "broken.example.com").ok());
  EXPECT_EQ(events.failures, (Failures{{"servfail", 2}}));
  EXPECT_EQ(events.cache_hits, 1);
}

TEST_F(ResolverEventsTest, SilentServerIsATimeout) {
  dns.stay_silent("slow.example.com");
  ResolverOptions options;
  options.timeout = milliseconds(100);
  options.tries = 1;
  auto resolver = make_resolver(options);
  ASSERT_FALSE(resolve(*resolver, "slow.example.com").ok());
  EXPECT_EQ(events.failures, (Failures{{"timeout", 1}}));
  EXPECT_EQ(events.cache_hits, 0);
}

TEST_F(ResolverEventsTest, EmptyNameIsOther) {
  auto resolver = make_resolver();
  ASSERT_FALSE(resolve(*resolver, "").ok());
  EXPECT_EQ(events.failures, (Failures{{"other", 1}}));
  EXPECT_EQ(events.lookups, 1);
}

TEST_F(ResolverEventsTest, EveryCallerOfASharedQueryIsCounted) {
  auto resolver = make_resolver();
  int answers = 0;
  for (int i = 0; i < 3; ++i) resolver->resolve("gone.example.com", [&](Addresses) { ++answers; });
  ASSERT_TRUE(run_until([&] { return answers == 3; }));
  EXPECT_EQ(dns.queries_for("gone.example.com"), 2u);  // one query (A and AAAA)
  EXPECT_EQ(events.lookups, 3);
  EXPECT_EQ(events.failures, (Failures{{"nxdomain", 3}}));
  EXPECT_EQ(events.cache_hits, 0);
}

TEST(LookupFailureKind, EachStatusHasItsKind) {
  EXPECT_EQ(lookup_failure(ARES_SUCCESS), LookupFailure::none);
  EXPECT_EQ(lookup_failure(ARES_ENOTFOUND), LookupFailure::nxdomain);
  EXPECT_EQ(lookup_failure(ARES_ENODATA), LookupFailure::nxdomain);
  EXPECT_EQ(lookup_failure(ARES_ESERVFAIL), LookupFailure::servfail);
  EXPECT_EQ(lookup_failure(ARES_ETIMEOUT), LookupFailure::timeout);
  EXPECT_EQ(lookup_failure(ARES_EREFUSED), LookupFailure::other);
  EXPECT_EQ(lookup_failure(ARES_ECONNREFUSED), LookupFailure::other);
  EXPECT_STREQ(to_string(LookupFailure::servfail), "servfail");
  EXPECT_STREQ(to_string(LookupFailure::other), "other");
}

}  // namespace
}  // namespace sluice::dns
