#include "sluice/scheduler/token_bucket.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::scheduler {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const SystemTime kStart = SystemTime(seconds(1'700'000'000));

int drain(TokenBucket& bucket, SystemTime now) {
  int taken = 0;
  while (bucket.try_take(now)) ++taken;
  return taken;
}

TEST(TokenBucket, StartsFullAndRefusesWhenEmpty) {
  TokenBucket bucket(10, 5, kStart);
  EXPECT_FALSE(bucket.unlimited());
  EXPECT_DOUBLE_EQ(bucket.tokens_at(kStart), 5);
  EXPECT_EQ(drain(bucket, kStart), 5);
  EXPECT_FALSE(bucket.try_take(kStart));
}

TEST(TokenBucket, RefillsContinuouslyAtTheRate) {
  TokenBucket bucket(10, 5, kStart);
  drain(bucket, kStart);
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(99)));
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(100)));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(100)));
  // Half a token accrued by 150 ms is kept, not lost to the take at 100 ms.
  EXPECT_NEAR(bucket.tokens_at(kStart + milliseconds(150)), 0.5, 1e-9);
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(200)));
}

TEST(TokenBucket, BurstCapsTheRefill) {
  TokenBucket bucket(10, 5, kStart);
  drain(bucket, kStart);
  EXPECT_DOUBLE_EQ(bucket.tokens_at(kStart + seconds(60)), 5);
  EXPECT_EQ(drain(bucket, kStart + seconds(60)), 5);
}

TEST(TokenBucket, BurstZeroIsOneSecondOfRateAndAtLeastOne) {
  EXPECT_DOUBLE_EQ(TokenBucket(200, 0, kStart).burst(), 200);
  EXPECT_DOUBLE_EQ(TokenBucket(0.5, 0, kStart).burst(), 1);
  // A burst under one token could never give one.
  EXPECT_DOUBLE_EQ(TokenBucket(3, 0.2, kStart).burst(), 1);
  TokenBucket slow(0.5, 0, kStart);
  EXPECT_EQ(drain(slow, kStart), 1);
  EXPECT_EQ(slow.next_token(kStart), kStart + seconds(2));
}

TEST(TokenBucket, NextTokenIsNowWhileTokensRemain) {
  TokenBucket bucket(4, 2, kStart);
  EXPECT_EQ(bucket.next_token(kStart), kStart);
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_EQ(bucket.next_token(kStart), kStart);
}

TEST(TokenBucket, NextTokenIsExactlyWhenTheTokenArrives) {
  TokenBucket bucket(4, 2, kStart);
  drain(bucket, kStart);
  const SystemTime next = bucket.next_token(kStart);
  EXPECT_EQ(next, kStart + milliseconds(250));
  EXPECT_FALSE(bucket.try_take(next - microseconds(1)));
  // That failed take refilled up to its instant; floating-point rounding of the two steps may
  // move the answer by a nanosecond, never more.
  const SystemTime again = bucket.next_token(next - microseconds(1));
  EXPECT_LE(std::chrono::abs(again - next), nanoseconds(1));
  EXPECT_TRUE(bucket.try_take(again));
}

TEST(TokenBucket, NextTokenRoundsUpToTheClockTickForRatesThatDoNotDivideASecond) {
  TokenBucket bucket(3, 1, kStart);
  drain(bucket, kStart);
  const SystemTime next = bucket.next_token(kStart);
  EXPECT_EQ(next, kStart + nanoseconds(333'333'334));
  EXPECT_FALSE(bucket.try_take(next - nanoseconds(1)));
  EXPECT_TRUE(bucket.try_take(next));
}

TEST(TokenBucket, SetRateKeepsTheTokensCappedAtTheNewBurst) {
  TokenBucket bucket(10, 10, kStart);
  ASSERT_TRUE(bucket.try_take(kStart));
  ASSERT_TRUE(bucket.try_take(kStart));
  bucket.set_rate(100, 5, kStart);
  EXPECT_DOUBLE_EQ(bucket.rate(), 100);
  EXPECT_DOUBLE_EQ(bucket.tokens_at(kStart), 5);
  bucket.set_rate(100, 50, kStart);  // a larger burst adds nothing by itself
  EXPECT_DOUBLE_EQ(bucket.tokens_at(kStart), 5);
  EXPECT_NEAR(bucket.tokens_at(kStart + milliseconds(100)), 15, 1e-9);
}

TEST(TokenBucket, SetRateAccruesAtTheOldRateUntilNow) {
  TokenBucket bucket(10, 10, kStart);
  drain(bucket, kStart);
  bucket.set_rate(1, 10, kStart + milliseconds(500));
  EXPECT_NEAR(bucket.tokens_at(kStart + milliseconds(500)), 5, 1e-9);
  EXPECT_NEAR(bucket.tokens_at(kStart + milliseconds(1500)), 6, 1e-9);
}

TEST(TokenBucket, RateZeroOrNegativeIsUnlimited) {
  for (double rate : {0.0, -5.0}) {
    TokenBucket bucket(rate, 0, kStart);
    EXPECT_TRUE(bucket.unlimited());
    for (int i = 0; i < 100'000; ++i) ASSERT_TRUE(bucket.try_take(kStart));
    EXPECT_EQ(bucket.next_token(kStart), kStart);
  }
  TokenBucket defaulted;
  EXPECT_TRUE(defaulted.unlimited());
  EXPECT_TRUE(defaulted.try_take(kStart));
}

TEST(TokenBucket, BecomingLimitedStartsFullAndBecomingUnlimitedLetsAllThrough) {
  TokenBucket bucket(0, 0, kStart);
  bucket.set_rate(2, 3, kStart + seconds(1));
  EXPECT_FALSE(bucket.unlimited());
  EXPECT_EQ(drain(bucket, kStart + seconds(1)), 3);
  EXPECT_EQ(bucket.next_token(kStart + seconds(1)), kStart + milliseconds(1500));
  bucket.set_rate(0, 0, kStart + seconds(1));
  EXPECT_TRUE(bucket.try_take(kStart + seconds(1)));
}

TEST(TokenBucket, AClockSteppingBackNeitherRefillsNorRefillsTwice) {
  TokenBucket bucket(10, 1, kStart);
  drain(bucket, kStart);
  EXPECT_FALSE(bucket.try_take(kStart - seconds(10)));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(50)));
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(100)));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(100)));
}

// Takes one token at every next_token() instant for 30 s after draining the burst.
long long takes_at_next_token(double rate, double burst, double seconds_run) {
  TokenBucket bucket(rate, burst, kStart);
  drain(bucket, kStart);
  const SystemTime end =
      kStart + std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double>(seconds_run));
  long long taken = 0;
  for (SystemTime t = bucket.next_token(kStart); t <= end; t = bucket.next_token(t)) {
    EXPECT_TRUE(bucket.try_take(t)) << "next_token promised a token at " << to_micros(t);
    ++taken;
  }
  return taken;
}

TEST(TokenBucket, ThirtySecondsAtNextTokenTimesGiveTheRateWithoutDrift) {
  for (double rate : {200.0, 3.0, 7.7, 333.3, 1000.0, 4321.0}) {
    // Burst 1 is the hard case: any lateness of a take is lost to the cap.
    for (double burst : {0.0, 1.0}) {
      const double expected = rate * 30;
      const long long taken = takes_at_next_token(rate, burst, 30);
      if (rate == 200) {
        EXPECT_LE(std::abs(taken - expected), expected * 0.005);
      }
      // Rounding each wait to a tick does not add up to a lost token.
      EXPECT_LE(std::abs(taken - expected), 1.0) << "rate " << rate << " burst " << burst;
    }
  }
}

TEST(TokenBucket, PollingAtIrregularInstantsLosesNoRefill) {
  TokenBucket bucket(200, 0, kStart);
  drain(bucket, kStart);
  long long taken = 0;
  // Odd nanosecond steps: no truncation to a coarser unit may drop refill time. (With burst 1
  // a poller this slow would lose most of each poll interval to the cap, as it should.)
  for (SystemTime t = kStart; t < kStart + seconds(30); t += nanoseconds(1'234'567))
    if (bucket.try_take(t)) ++taken;
  EXPECT_NEAR(static_cast<double>(taken), 6000, 1);
}

TEST(TokenBucket, AFullBucketAddsItsBurstOnTopOfTheRate) {
  // What a benchmark that starts with a full bucket sees: rate * time + burst.
  TokenBucket bucket(200, 0, kStart);
  long long taken = 0;
  for (SystemTime t = kStart; t < kStart + seconds(30); t = bucket.next_token(t))
    if (bucket.try_take(t)) ++taken;
  EXPECT_NEAR(static_cast<double>(taken), 200 * 30 + 200, 1);
}

}  // namespace
}  // namespace sluice::scheduler
