#include "sluice/smtpd/client_limits.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sluice/smtpd/sender_logins.h"

namespace sluice::smtpd {
namespace {

using namespace std::chrono_literals;

// A steady time that moves only when the test says so.
struct ManualTime {
  SteadyTime now = SteadyTime{} + 1000h;
  void advance(std::chrono::steady_clock::duration by) { now += by; }
};

TEST(RecentEvents, CountsWithinTheWindowOnly) {
  ManualTime t;
  RecentEvents events(10, 60s);
  events.add("a", t.now);
  t.advance(30s);
  events.add("a", t.now);
  events.add("b", t.now);
  EXPECT_EQ(events.count("a", t.now), 2u);
  EXPECT_EQ(events.count("b", t.now), 1u);
  EXPECT_EQ(events.count("c", t.now), 0u);
  t.advance(30s);  // the first "a" is exactly 60 s old: out
  EXPECT_EQ(events.count("a", t.now), 1u);
  t.advance(30s);
  EXPECT_EQ(events.count("a", t.now), 0u);
}

TEST(RecentEvents, KeepsAtMostTheLimitAndForgetsIdleKeys) {
  ManualTime t;
  RecentEvents events(3, 10s);
  for (int i = 0; i < 100; ++i) events.add("a", t.now);
  EXPECT_EQ(events.count("a", t.now), 3u);
  for (int i = 0; i < 1000; ++i) events.add("ip" + std::to_string(i), t.now);
  EXPECT_EQ(events.keys(), 1001u);
  t.advance(11s);
  events.forget_expired(t.now);
  EXPECT_EQ(events.keys(), 0u);
}

TEST(ConnectionLimiter, RefusesTheConnectionAboveTheCountUntilOneCloses) {
  ManualTime t;
  ConnectionLimiter limiter({.per_client = 2, .rate = 0});
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::admitted);
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::admitted);
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::too_many_connections);
  EXPECT_EQ(limiter.admit("10.0.0.2", t.now), Admission::admitted) << "other clients unaffected";
  EXPECT_EQ(limiter.connections("10.0.0.1"), 2u);
  limiter.release("10.0.0.1");
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::admitted);
  limiter.release("10.0.0.1");
  limiter.release("10.0.0.1");
  EXPECT_EQ(limiter.connections("10.0.0.1"), 0u);
  limiter.release("10.0.0.1");  // an extra release does not go negative
  EXPECT_EQ(limiter.connections("10.0.0.1"), 0u);
}

TEST(ConnectionLimiter, RateCountsNewConnectionsPerWindow) {
  ManualTime t;
  ConnectionLimiter limiter({.per_client = 0, .rate = 3, .rate_window = 60s});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::admitted);
    limiter.release("10.0.0.1");  // closing does not give back rate
    t.advance(1s);
  }
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::too_fast);
  EXPECT_EQ(limiter.admit("10.0.0.9", t.now), Admission::admitted);
  t.advance(57s);  // the first arrival (at 0 s) is 60 s old now
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::admitted);
  EXPECT_EQ(limiter.admit("10.0.0.1", t.now), Admission::too_fast)
      << "refused attempts are not counted, but the admitted ones still are";
}

TEST(ConnectionLimiter, ZeroMeansUnlimited) {
  ManualTime t;
  ConnectionLimiter limiter({.per_client = 0, .rate = 0});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.admit("x", t.now), Admission::admitted);
}

TEST(ConnectionLimiter, IsSafeFromManyThreads) {
  ManualTime t;
  ConnectionLimiter limiter({.per_client = 100000, .rate = 0});
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; ++n) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        ASSERT_EQ(limiter.admit("ip", t.now), Admission::admitted);
        if (i % 2 == 0) limiter.release("ip");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(limiter.connections("ip"), 4u * 1000u);
}

TEST(AuthFailureLimiter, LocksOutAfterTheLimitForTheWindow) {
  ManualTime t;
  AuthFailureLimiter limiter(3, 300s);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limiter.locked_out("10.0.0.1", t.now)) << i;
    limiter.failed("10.0.0.1", t.now);
    t.advance(10s);
  }
  EXPECT_TRUE(limiter.locked_out("10.0.0.1", t.now));
  EXPECT_FALSE(limiter.locked_out("10.0.0.2", t.now)) << "per client";
  t.advance(300s - 30s);  // the first failure leaves the window
  EXPECT_FALSE(limiter.locked_out("10.0.0.1", t.now));
  limiter.failed("10.0.0.1", t.now);
  EXPECT_TRUE(limiter.locked_out("10.0.0.1", t.now));
}

TEST(AuthFailureLimiter, ChecksUnderWayCountSoParallelGuessesCannotSlipIn) {
  ManualTime t;
  AuthFailureLimiter limiter(3, 300s);
  // Guesses on many connections at once: only `limit` checks are admitted before any ends.
  int admitted = 0;
  for (int i = 0; i < 50; ++i) admitted += limiter.begin("10.0.0.1", t.now) ? 1 : 0;
  EXPECT_EQ(admitted, 3);
  EXPECT_TRUE(limiter.begin("10.0.0.2", t.now)) << "per client";
  limiter.end("10.0.0.2", true, t.now);
  for (int i = 0; i < 3; ++i) limiter.end("10.0.0.1", false, t.now);
  EXPECT_FALSE(limiter.begin("10.0.0.1", t.now)) << "three failures in the window";
  t.advance(300s);
  ASSERT_TRUE(limiter.begin("10.0.0.1", t.now));
  limiter.end("10.0.0.1", true, t.now);  // a success counts nothing against the client
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.begin("10.0.0.1", t.now)) << i;
    limiter.end("10.0.0.1", i < 2, t.now);
  }
}

TEST(AuthFailureLimiter, ZeroNeverLocksOut) {
  ManualTime t;
  AuthFailureLimiter limiter(0, 300s);
  for (int i = 0; i < 100; ++i) limiter.failed("x", t.now);
  EXPECT_FALSE(limiter.locked_out("x", t.now));
}

TEST(MessageDeadline, StartsAtTheTimeoutAndEarnsTimeByRate) {
  ManualTime t;
  MessageDeadline deadline(300s, 500);
  ASSERT_TRUE(deadline.enabled());
  deadline.start(t.now);
  EXPECT_EQ(deadline.deadline(), t.now + 300s);
  t.advance(100s);
  deadline.received(5000, t.now);  // 10 s earned
  EXPECT_EQ(deadline.deadline(), t.now - 100s + 310s);
}

TEST(MessageDeadline, NeverBeyondTheTimeoutFromNow) {
  ManualTime t;
  MessageDeadline deadline(300s, 500);
  deadline.start(t.now);
  deadline.received(10'000'000, t.now);  // a fast client earns no credit beyond smtpd_timeout
  EXPECT_EQ(deadline.deadline(), t.now + 300s);
  t.advance(1s);
  deadline.received(1000, t.now);
  EXPECT_EQ(deadline.deadline(), t.now + 300s);
}

TEST(MessageDeadline, ATrickleRunsOutHoweverOftenItSends) {
  ManualTime t;
  MessageDeadline deadline(10s, 500);
  deadline.start(t.now);
  int reads = 0;
  while (deadline.deadline() > t.now && reads < 1000) {
    t.advance(1s);
    deadline.received(10, t.now);  // 10 bytes/s: a line a second
    ++reads;
  }
  // 10 s of budget plus 0.02 s per read: out after about 10 reads.
  EXPECT_GE(reads, 10);
  EXPECT_LE(reads, 11);
}

TEST(MessageDeadline, ZeroRateIsOff) {
  MessageDeadline deadline(10s, 0);
  EXPECT_FALSE(deadline.enabled());
}

TEST(SenderLogins, OwnersByAddressThenDomain) {
  SenderLogins logins({{"App@Shop.test", {"alice", "bob"}}, {"@shop.test", {"carol"}}});
  EXPECT_TRUE(logins.allowed("alice", "app@shop.test"));
  EXPECT_TRUE(logins.allowed("bob", "APP@SHOP.TEST"));
  EXPECT_FALSE(logins.allowed("carol", "app@shop.test")) << "the address entry wins";
  EXPECT_TRUE(logins.allowed("carol", "news@shop.test"));
  EXPECT_FALSE(logins.allowed("alice", "news@shop.test"));
  EXPECT_FALSE(logins.allowed("alice", "x@other.test")) << "unlisted senders belong to no one";
  EXPECT_FALSE(logins.allowed("alice", "no-at-sign"));
  EXPECT_TRUE(logins.allowed("alice", "")) << "the null sender";
  EXPECT_FALSE(logins.allowed("Alice", "app@shop.test")) << "user names are exact";
}

}  // namespace
}  // namespace sluice::smtpd
