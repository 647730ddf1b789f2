#include "dns/answer_cache.h"

#include <gtest/gtest.h>

#include "manual_clock.h"

namespace sluice::dns {
namespace {

using boost::asio::ip::make_address;
using std::chrono::seconds;

AnswerCache::Answer addresses(const std::string& text) {
  return std::vector<boost::asio::ip::address>{make_address(text)};
}

TEST(AnswerCache, ServesAnAnswerUntilItExpires) {
  testing::ManualClock clock;
  AnswerCache cache;
  cache.store("a.example", addresses("192.0.2.1"), clock.now() + seconds(10), clock.now());
  clock.advance(seconds(9));
  auto hit = cache.find("a.example", clock.now());
  ASSERT_TRUE(hit.has_value());
  ASSERT_TRUE(hit->ok());
  EXPECT_EQ(hit->value().at(0).to_string(), "192.0.2.1");
  clock.advance(seconds(1));
  EXPECT_FALSE(cache.find("a.example", clock.now()).has_value());
  EXPECT_EQ(cache.size(), 0u);  // the expired entry was dropped
}

TEST(AnswerCache, KeepsErrorsAndReplacesEarlierAnswers) {
  testing::ManualClock clock;
  AnswerCache cache;
  cache.store("b.example", make_error("host b.example not found (NXDOMAIN)"),
              clock.now() + seconds(5), clock.now());
  auto hit = cache.find("b.example", clock.now());
  ASSERT_TRUE(hit.has_value());
  ASSERT_FALSE(hit->ok());
  EXPECT_EQ(hit->error().message, "host b.example not found (NXDOMAIN)");

  cache.store("b.example", addresses("192.0.2.7"), clock.now() + seconds(5), clock.now());
  hit = cache.find("b.example", clock.now());
  ASSERT_TRUE(hit.has_value() && hit->ok());
  EXPECT_EQ(hit->value().at(0).to_string(), "192.0.2.7");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(AnswerCache, DoesNotStoreWhatHasAlreadyExpired) {
  testing::ManualClock clock;
  AnswerCache cache;
  cache.store("c.example", addresses("192.0.2.1"), clock.now(), clock.now());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("c.example", clock.now()).has_value());
}

TEST(AnswerCache, SweepsExpiredEntriesAsItGrows) {
  testing::ManualClock clock;
  AnswerCache cache;
  for (int i = 0; i < 64; ++i) {
    cache.store("old" + std::to_string(i), addresses("192.0.2.1"), clock.now() + seconds(1),
                clock.now());
  }
  EXPECT_EQ(cache.size(), 64u);
  clock.advance(seconds(2));
  cache.store("new", addresses("192.0.2.2"), clock.now() + seconds(1), clock.now());
  EXPECT_EQ(cache.size(), 1u);  // the 64 expired ones went in the sweep
  // Live entries survive a sweep.
  for (int i = 0; i < 200; ++i) {
    cache.store("live" + std::to_string(i), addresses("192.0.2.3"), clock.now() + seconds(60),
                clock.now());
  }
  EXPECT_EQ(cache.size(), 201u);
  EXPECT_TRUE(cache.find("new", clock.now()).has_value());
  EXPECT_TRUE(cache.find("live0", clock.now()).has_value());
}

}  // namespace
}  // namespace sluice::dns
