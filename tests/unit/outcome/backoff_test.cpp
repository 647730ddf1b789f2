#include "sluice/outcome/backoff.h"

#include <gtest/gtest.h>

namespace sluice::outcome {
namespace {

using std::chrono::seconds;

TEST(Backoff, DoublesFromMinimalUpToMaximal) {
  BackoffPolicy policy{seconds(300), seconds(4000)};
  // random01 = 1 gives the nominal delay itself.
  EXPECT_EQ(backoff_delay(policy, 1, 1.0), seconds(300));
  EXPECT_EQ(backoff_delay(policy, 2, 1.0), seconds(600));
  EXPECT_EQ(backoff_delay(policy, 3, 1.0), seconds(1200));
  EXPECT_EQ(backoff_delay(policy, 4, 1.0), seconds(2400));
  EXPECT_EQ(backoff_delay(policy, 5, 1.0), seconds(4000));
  EXPECT_EQ(backoff_delay(policy, 1000, 1.0), seconds(4000));
}

TEST(Backoff, JitterSpreadsOverUpperHalfButNeverBelowMinimal) {
  BackoffPolicy policy{seconds(300), seconds(4000)};
  EXPECT_EQ(backoff_delay(policy, 4, 0.0), seconds(1200));
  EXPECT_EQ(backoff_delay(policy, 4, 0.5), seconds(1800));
  // Half of the first delay would undercut minimal_backoff_time.
  EXPECT_EQ(backoff_delay(policy, 1, 0.0), seconds(300));
  EXPECT_EQ(backoff_delay(policy, 5, 0.0), seconds(2000));
}

TEST(Backoff, MaximalBelowMinimalActsAsMinimal) {
  BackoffPolicy policy{seconds(60), seconds(10)};
  EXPECT_EQ(backoff_delay(policy, 7, 1.0), seconds(60));
}

TEST(Backoff, OutOfRangeRandomIsClamped) {
  BackoffPolicy policy{seconds(100), seconds(1000)};
  EXPECT_EQ(backoff_delay(policy, 2, 7.0), seconds(200));
  EXPECT_EQ(backoff_delay(policy, 2, -3.0), seconds(100));
}

}  // namespace
}  // namespace sluice::outcome
