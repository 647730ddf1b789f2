#include "sluice/config/values.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

using std::chrono::seconds;

TEST(Values, DurationUnits) {
  EXPECT_EQ(*parse_duration("300"), seconds(300));
  EXPECT_EQ(*parse_duration("300s"), seconds(300));
  EXPECT_EQ(*parse_duration("5m"), seconds(300));
  EXPECT_EQ(*parse_duration("1h"), seconds(3600));
  EXPECT_EQ(*parse_duration("5d"), seconds(5 * 86400));
  EXPECT_EQ(*parse_duration("2w"), seconds(14 * 86400));
  EXPECT_EQ(*parse_duration(" 0s "), seconds(0));
  EXPECT_EQ(*parse_duration("1H"), seconds(3600));
}

TEST(Values, BadDurations) {
  for (const char* bad :
       {"", "s", "5x", "5 s", "5ss", "-1s", "1.5h", "never", "99999999999999999999s"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(parse_duration("never").error().message,
            "'never' is not a time (a number with unit s, m, h, d or w)");
  EXPECT_TRUE(parse_duration("3650d").ok());
  EXPECT_FALSE(parse_duration("3651d").ok());
}

TEST(Values, Sizes) {
  EXPECT_EQ(*parse_size("10240000"), 10240000u);
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("512k"), 512u * 1024);
  EXPECT_EQ(*parse_size("64M"), 64ull << 20);
  EXPECT_EQ(*parse_size("1g"), 1ull << 30);
  EXPECT_EQ(*parse_size("18446744073709551615"), 18446744073709551615ull);
  for (const char* bad : {"", "lots", "10kb", "1t", "-5", "18446744073709551616", "17179869184g"}) {
    EXPECT_FALSE(parse_size(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_size("lots").error().message,
            "'lots' is not a size in bytes (a number, optionally with k, m or g)");
}

TEST(Values, Booleans) {
  EXPECT_TRUE(*parse_bool("yes"));
  EXPECT_TRUE(*parse_bool("True"));
  EXPECT_FALSE(*parse_bool("no"));
  EXPECT_FALSE(*parse_bool("FALSE"));
  EXPECT_FALSE(parse_bool("1").ok());
  EXPECT_FALSE(parse_bool("").ok());
}

TEST(Values, BoundedIntegers) {
  EXPECT_EQ(*parse_uint("42", 1, 100), 42u);
  EXPECT_EQ(*parse_uint("1", 1, 100), 1u);
  EXPECT_EQ(*parse_uint("100", 1, 100), 100u);
  EXPECT_EQ(parse_uint("0", 1, 100).error().message, "'0' is out of range 1..100");
  EXPECT_EQ(parse_uint("101", 1, 100).error().message, "'101' is out of range 1..100");
  EXPECT_EQ(parse_uint("4x", 1, 100).error().message, "'4x' is not a whole number in 1..100");
  EXPECT_FALSE(parse_uint("", 0, 100).ok());
  EXPECT_FALSE(parse_uint("+4", 0, 100).ok());
}

TEST(Values, Rates) {
  EXPECT_DOUBLE_EQ(parse_rate("20/s")->per_second, 20.0);
  EXPECT_DOUBLE_EQ(parse_rate("600/m")->per_second, 10.0);
  EXPECT_DOUBLE_EQ(parse_rate("3600/h")->per_second, 1.0);
  EXPECT_EQ(parse_rate("600/m")->text, "600/m");
  EXPECT_DOUBLE_EQ(parse_rate("0")->per_second, 0.0);
  for (const char* bad : {"", "20", "20/d", "20/", "/s", "20/ss", "x/s", "1.5/s"}) {
    EXPECT_FALSE(parse_rate(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sluice::config
