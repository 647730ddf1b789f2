#include "sluice/pool/circuit_breaker.h"

#include <gtest/gtest.h>

#include "manual_clock.h"

namespace sluice::pool {
namespace {

using std::chrono::seconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  testing::ManualClock clock;
  CircuitBreaker breaker{BreakerPolicy{3, seconds(30)}};

  void fail_times(int n) {
    for (int i = 0; i < n; ++i) breaker.record_failure(clock.now());
  }
};

TEST_F(CircuitBreakerTest, ClosedAllowsEveryAttempt) {
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::closed);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(breaker.try_acquire(clock.now()));
  EXPECT_TRUE(breaker.would_allow(clock.now()));
}

TEST_F(CircuitBreakerTest, OpensAtTheThresholdOfConsecutiveFailures) {
  fail_times(2);
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::closed);
  EXPECT_EQ(breaker.consecutive_failures(), 2u);
  fail_times(1);
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::open);
  EXPECT_EQ(breaker.reopens_at(), clock.now() + seconds(30));
  EXPECT_FALSE(breaker.would_allow(clock.now()));
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, SuccessResetsTheCount) {
  fail_times(2);
  breaker.record_success();
  EXPECT_EQ(breaker.consecutive_failures(), 0u);
  fail_times(2);
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::closed);
}

TEST_F(CircuitBreakerTest, HalfOpenAfterCoolDownHandsOutExactlyOneProbe) {
  fail_times(3);
  clock.advance(seconds(29));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::open);
  clock.advance(seconds(1));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::half_open);
  EXPECT_TRUE(breaker.would_allow(clock.now()));
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
  EXPECT_FALSE(breaker.would_allow(clock.now()));
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
  clock.advance(seconds(100));  // still one probe, however long it takes
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::half_open);
}

TEST_F(CircuitBreakerTest, WouldAllowDoesNotTakeTheProbe) {
  fail_times(3);
  clock.advance(seconds(30));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(breaker.would_allow(clock.now()));
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, ProbeSuccessCloses) {
  fail_times(3);
  clock.advance(seconds(30));
  ASSERT_TRUE(breaker.try_acquire(clock.now()));
  breaker.record_success();
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::closed);
  EXPECT_EQ(breaker.consecutive_failures(), 0u);
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, ProbeFailureReopensForAnotherCoolDown) {
  fail_times(3);
  clock.advance(seconds(30));
  ASSERT_TRUE(breaker.try_acquire(clock.now()));
  clock.advance(seconds(5));
  breaker.record_failure(clock.now());
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::open);
  EXPECT_EQ(breaker.reopens_at(), clock.now() + seconds(30));
  clock.advance(seconds(30));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::half_open);
  EXPECT_TRUE(breaker.try_acquire(clock.now()));  // a fresh probe
}

TEST_F(CircuitBreakerTest, ReleasedProbeCanBeTakenAgainAndStaysHalfOpen) {
  fail_times(3);
  clock.advance(seconds(30));
  ASSERT_TRUE(breaker.try_acquire(clock.now()));
  breaker.release_probe();
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::half_open);
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, LateFailureWhileOpenDoesNotExtendTheCoolDown) {
  fail_times(3);
  const SystemTime reopens = breaker.reopens_at();
  clock.advance(seconds(10));
  breaker.record_failure(clock.now());
  EXPECT_EQ(breaker.reopens_at(), reopens);
}

TEST_F(CircuitBreakerTest, TripOpensAtOnceForTheRest) {
  breaker.trip(clock.now(), seconds(600));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::open);
  EXPECT_EQ(breaker.reopens_at(), clock.now() + seconds(600));
  clock.advance(seconds(599));
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
  clock.advance(seconds(1));
  EXPECT_EQ(breaker.state(clock.now()), BreakerState::half_open);
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
  EXPECT_FALSE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, TripFreesAProbeThatWasOut) {
  fail_times(3);
  clock.advance(seconds(30));
  ASSERT_TRUE(breaker.try_acquire(clock.now()));
  breaker.trip(clock.now(), seconds(60));
  clock.advance(seconds(60));
  EXPECT_TRUE(breaker.try_acquire(clock.now()));
}

TEST_F(CircuitBreakerTest, TripNeverShortensALongerOpening) {
  breaker.trip(clock.now(), seconds(3600));
  breaker.trip(clock.now(), seconds(300));
  EXPECT_EQ(breaker.reopens_at(), clock.now() + seconds(3600));
}

TEST(BreakerStateNames, AreStable) {
  EXPECT_STREQ(to_string(BreakerState::closed), "closed");
  EXPECT_STREQ(to_string(BreakerState::open), "open");
  EXPECT_STREQ(to_string(BreakerState::half_open), "half_open");
}

}  // namespace
}  // namespace sluice::pool
