#include "sluice/scheduler/quota_ledger.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

namespace sluice::scheduler {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

SystemTime utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return SystemTime(date::sys_days(date::year(y) / m / d)) + hours(hh) + minutes(mm) + seconds(ss);
}

QuotaPolicy rolling(std::uint32_t hourly, std::uint32_t daily) {
  return {hourly, daily, QuotaMode::rolling, nullptr};
}
QuotaPolicy calendar(std::uint32_t hourly, std::uint32_t daily, const char* zone = nullptr) {
  return {hourly, daily, QuotaMode::calendar, zone ? date::locate_zone(zone) : nullptr};
}

void take_times(QuotaLedger& ledger, SystemTime at, int n) {
  for (int i = 0; i < n; ++i) ledger.take(at);
}

TEST(QuotaLedger, NoLimitsAlwaysHaveRoom) {
  QuotaLedger ledger;
  EXPECT_FALSE(ledger.limited());
  take_times(ledger, utc(2026, 6, 5, 10), 1000);
  EXPECT_TRUE(ledger.can_take(utc(2026, 6, 5, 10)));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10)), std::nullopt);
  EXPECT_EQ(ledger.used_hour(utc(2026, 6, 5, 10)), 1000u);
}

TEST(QuotaLedger, RollingHourLetsAMessageLeaveLateNeverEarly) {
  QuotaLedger ledger(rolling(3, 0));
  const SystemTime first = utc(2026, 6, 5, 10, 0, 30);
  ledger.take(first);
  ledger.take(first + minutes(10));
  EXPECT_TRUE(ledger.can_take(first + minutes(20)));
  ledger.take(first + minutes(20));
  EXPECT_EQ(ledger.used_hour(first + minutes(30)), 3u);
  EXPECT_FALSE(ledger.can_take(first + minutes(30)));
  // Still counted a full 3600 s after it was taken, gone within the minute after.
  EXPECT_FALSE(ledger.can_take(first + seconds(3600)));
  EXPECT_EQ(ledger.next_room(first + minutes(30)), utc(2026, 6, 5, 11, 1));
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 5, 11, 1) - seconds(1)));
  EXPECT_TRUE(ledger.can_take(utc(2026, 6, 5, 11, 1)));
  EXPECT_EQ(ledger.used_hour(utc(2026, 6, 5, 11, 1)), 2u);
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 5, 11, 1)), 3u);
}

TEST(QuotaLedger, RollingDayCountsTheLast1440Minutes) {
  QuotaLedger ledger(rolling(0, 2));
  ledger.take(utc(2026, 6, 5, 10));
  ledger.take(utc(2026, 6, 5, 12));
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 6, 9)));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 13)), utc(2026, 6, 6, 10, 1));
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 6, 10)));
  EXPECT_TRUE(ledger.can_take(utc(2026, 6, 6, 10, 1)));
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 6, 12, 1)), 0u);
}

TEST(QuotaLedger, NextRoomWaitsForEnoughOldMinutesToLeave) {
  QuotaLedger ledger(rolling(3, 0));
  take_times(ledger, utc(2026, 6, 5, 10), 2);
  ledger.take(utc(2026, 6, 5, 10, 30));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10, 40)), utc(2026, 6, 5, 11, 1));
  // A lower limit needs all three gone: the one from 10:30 too.
  ledger.set_policy(rolling(1, 0));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10, 40)), utc(2026, 6, 5, 11, 31));
  // Both limits: the later of the two.
  ledger.set_policy(rolling(3, 3));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10, 40)), utc(2026, 6, 6, 10, 1));
  ledger.set_policy(rolling(3, 4));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10, 40)), utc(2026, 6, 5, 11, 1));
}

TEST(QuotaLedger, CalendarHourRestartsOnTheHour) {
  QuotaLedger ledger(calendar(2, 0));
  take_times(ledger, utc(2026, 6, 5, 10, 59), 2);
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 5, 10, 59, 59)));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 10, 59, 30)), utc(2026, 6, 5, 11));
  EXPECT_TRUE(ledger.can_take(utc(2026, 6, 5, 11)));
  EXPECT_EQ(ledger.used_hour(utc(2026, 6, 5, 11)), 0u);
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 5, 11)), 2u);
}

TEST(QuotaLedger, CalendarDayIsTheLocalDateInMoscow) {
  QuotaLedger ledger(calendar(0, 3, "Europe/Moscow"));
  take_times(ledger, utc(2026, 6, 5, 20, 30), 3);  // 23:30 MSK
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 5, 20, 59)));
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 20, 45)), utc(2026, 6, 5, 21));  // 00:00 MSK
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 5, 21)), 0u);
  ledger.take(utc(2026, 6, 5, 21, 30));
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 6, 20, 59)), 1u);
  EXPECT_EQ(ledger.used_day(utc(2026, 6, 6, 21)), 0u);
  // In UTC the same sends all fall on 2026-06-05 21:xx or earlier: one calendar day.
  QuotaLedger in_utc(calendar(0, 3));
  take_times(in_utc, utc(2026, 6, 5, 20, 30), 2);
  in_utc.take(utc(2026, 6, 5, 21, 30));
  EXPECT_FALSE(in_utc.can_take(utc(2026, 6, 5, 23, 59)));
  EXPECT_EQ(in_utc.next_room(utc(2026, 6, 5, 22)), utc(2026, 6, 6));
}

TEST(QuotaLedger, CalendarDayOf23HoursIsStillOneDay) {
  // Berlin 2026-03-29 springs forward: the local date lasts from 23:00 to 22:00 UTC.
  QuotaLedger ledger(calendar(0, 1, "Europe/Berlin"));
  ledger.take(utc(2026, 3, 28, 23, 30));  // 00:30 CET on the 29th
  EXPECT_FALSE(ledger.can_take(utc(2026, 3, 29, 21, 59)));
  EXPECT_EQ(ledger.next_room(utc(2026, 3, 29, 12)), utc(2026, 3, 29, 22));
  EXPECT_TRUE(ledger.can_take(utc(2026, 3, 29, 22)));
}

TEST(QuotaLedger, CalendarDayOf25HoursIsStillOneDay) {
  // Berlin 2026-10-25 falls back: the local date lasts from 22:00 to 23:00 UTC the next day.
  QuotaLedger ledger(calendar(0, 1, "Europe/Berlin"));
  ledger.take(utc(2026, 10, 24, 22, 30));                     // 00:30 CEST on the 25th
  EXPECT_EQ(ledger.used_day(utc(2026, 10, 25, 22, 59)), 1u);  // 24.5 h later, same date
  EXPECT_FALSE(ledger.can_take(utc(2026, 10, 25, 22, 59)));
  EXPECT_EQ(ledger.next_room(utc(2026, 10, 25, 12)), utc(2026, 10, 25, 23));
  EXPECT_TRUE(ledger.can_take(utc(2026, 10, 25, 23)));
}

TEST(QuotaLedger, CalendarRepeatedHourCountsOnce) {
  // Berlin 2026-10-25: 02:00-03:00 local runs from 00:00 to 02:00 UTC (CEST, then CET).
  QuotaLedger ledger(calendar(1, 0, "Europe/Berlin"));
  ledger.take(utc(2026, 10, 25, 0, 10));                    // 02:10 CEST
  EXPECT_FALSE(ledger.can_take(utc(2026, 10, 25, 1, 10)));  // 02:10 CET, the same local hour
  EXPECT_EQ(ledger.next_room(utc(2026, 10, 25, 1, 10)), utc(2026, 10, 25, 2));  // 03:00 CET
  EXPECT_TRUE(ledger.can_take(utc(2026, 10, 25, 2)));
}

TEST(QuotaLedger, CalendarHourBeforeASkippedHourEndsAtTheJump) {
  // New York 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
  QuotaLedger ledger(calendar(1, 0, "America/New_York"));
  ledger.take(utc(2026, 3, 8, 6, 30));  // 01:30 EST
  EXPECT_EQ(ledger.next_room(utc(2026, 3, 8, 6, 40)), utc(2026, 3, 8, 7));
  EXPECT_TRUE(ledger.can_take(utc(2026, 3, 8, 7)));
}

TEST(QuotaLedger, GiveBackReturnsOneTakeFromItsMinute) {
  QuotaLedger ledger(rolling(1, 0));
  const SystemTime taken = utc(2026, 6, 5, 10, 0, 10);
  ledger.take(taken);
  EXPECT_FALSE(ledger.can_take(taken));
  ledger.give_back(taken + seconds(20), taken + seconds(30));  // the same minute
  EXPECT_TRUE(ledger.can_take(taken + seconds(30)));
  EXPECT_EQ(ledger.used_day(taken + seconds(30)), 0u);
  ledger.give_back(taken, taken + seconds(40));  // nothing left there: no underflow
  EXPECT_EQ(ledger.used_day(taken + seconds(40)), 0u);
  EXPECT_EQ(ledger.bucket_count(), 0u);

  QuotaLedger two(rolling(0, 5));
  take_times(two, taken, 2);
  two.give_back(taken + minutes(5), taken + minutes(6));  // a minute with no take
  EXPECT_EQ(two.used_day(taken + minutes(6)), 2u);
  two.give_back(taken, taken + minutes(6));
  EXPECT_EQ(two.used_day(taken + minutes(6)), 1u);
}

TEST(QuotaLedger, ASendStampedAfterNowCountsAndAFarFutureOneDoesNot) {
  QuotaLedger ledger(rolling(1, 0));
  ledger.take(utc(2026, 6, 5, 12));
  EXPECT_FALSE(ledger.can_take(utc(2026, 6, 5, 11)));  // the clock stepped back an hour
  EXPECT_EQ(ledger.next_room(utc(2026, 6, 5, 11)), utc(2026, 6, 5, 13, 1));
  QuotaLedger wrong_clock(rolling(1, 0));
  wrong_clock.take(utc(2030, 1, 1));
  EXPECT_TRUE(wrong_clock.can_take(utc(2026, 6, 5, 11)));
  wrong_clock.take(utc(2026, 6, 5, 11));
  EXPECT_EQ(wrong_clock.bucket_count(), 1u);
}

TEST(QuotaLedger, MemoryStaysBounded) {
  QuotaLedger ledger(rolling(0, 0));
  for (SystemTime t = utc(2026, 6, 1); t < utc(2026, 6, 4); t += seconds(30)) ledger.take(t);
  EXPECT_LE(ledger.bucket_count(), 24u * 60 + 1);
  QuotaLedger days(calendar(0, 0, "Europe/Berlin"));
  for (SystemTime t = utc(2026, 10, 20); t < utc(2026, 10, 28); t += minutes(1)) days.take(t);
  EXPECT_LE(days.bucket_count(), 2u * 25 * 60);
  EXPECT_GE(days.bucket_count(), 24u * 60);  // the previous local day is kept
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(QuotaLedger, SerializeRoundTripsExactly) {
  QuotaLedger ledger(rolling(100, 1000));
  std::mt19937 random(7);
  SystemTime t = utc(2026, 6, 5);
  for (int i = 0; i < 500; ++i) {
    t += seconds(random() % 400);
    ledger.take(t);
  }
  const std::string saved = ledger.serialize();
  auto loaded = QuotaLedger::deserialize(saved, ledger.policy());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->serialize(), saved);
  EXPECT_EQ(loaded->bucket_count(), ledger.bucket_count());
  for (SystemTime probe = t - hours(2); probe < t + hours(25); probe += minutes(7)) {
    ASSERT_EQ(loaded->used_hour(probe), ledger.used_hour(probe));
    ASSERT_EQ(loaded->used_day(probe), ledger.used_day(probe));
    ASSERT_EQ(loaded->next_room(probe), ledger.next_room(probe));
  }
}

TEST(QuotaLedger, SerializeKnownBytes) {
  EXPECT_EQ(QuotaLedger().serialize(), bytes({1, 0}));
  QuotaLedger ledger(rolling(0, 0));
  const SystemTime minute_five = SystemTime(minutes(5));  // 1970, minute 5
  take_times(ledger, minute_five, 2);
  ledger.take(minute_five + minutes(3));
  // Two buckets: minute 5 (zigzag 10) with 2, then 3 minutes later with 1.
  EXPECT_EQ(ledger.serialize(), bytes({1, 2, 10, 2, 3, 1}));
  // Before 1970 too.
  QuotaLedger early(rolling(0, 0));
  early.take(SystemTime(minutes(-1)));
  EXPECT_EQ(early.serialize(), bytes({1, 1, 1, 1}));
  auto loaded = QuotaLedger::deserialize(early.serialize(), rolling(1, 0));
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->can_take(SystemTime(minutes(-1))));
}

TEST(QuotaLedger, CountsAndTimesOfAnyMagnitudeRoundTrip) {
  QuotaLedger ledger(calendar(0, 0, "Europe/Moscow"));
  const SystemTime t = utc(2026, 6, 5, 12);
  take_times(ledger, t, 100'000);
  ledger.take(t + hours(5));
  auto loaded = QuotaLedger::deserialize(ledger.serialize(), ledger.policy());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->used_day(t + hours(5)), 100'001u);
  EXPECT_EQ(loaded->serialize(), ledger.serialize());
}

TEST(QuotaLedger, DeserializeRejectsGarbage) {
  QuotaLedger ledger(rolling(0, 0));
  take_times(ledger, utc(2026, 6, 5, 10), 300);
  ledger.take(utc(2026, 6, 5, 11));
  const std::string good = ledger.serialize();
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto cut = QuotaLedger::deserialize(good.substr(0, n), rolling(0, 0));
    EXPECT_FALSE(cut.ok()) << "prefix of " << n << " bytes";
  }
  const std::vector<std::string> bad = {
      "",
      bytes({2, 0}),                                    // unknown version
      bytes({0}),                                       // unknown version
      bytes({1}),                                       // no count
      bytes({1, 0, 0}),                                 // trailing byte
      bytes({1, 2, 10, 1, 0, 1}),                       // second bucket not later
      bytes({1, 1, 10, 0}),                             // a bucket with no sends
      bytes({1, 1, 10, 0x80, 0x80, 0x80, 0x80, 0x10}),  // count beyond 32 bits
      bytes({1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}),  // 11 bytes
      bytes({1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),        // > 64 bits
      bytes({1, 0x89, 0x40}),                                 // 8201 buckets: too many
      bytes({1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1}),         // a minute out of range
      bytes({1, 2, 10, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1}),  // a gap out of range
  };
  for (const std::string& b : bad) {
    auto result = QuotaLedger::deserialize(b, rolling(0, 0));
    ASSERT_FALSE(result.ok()) << "accepted " << b.size() << " bytes";
    EXPECT_EQ(result.error().code, ErrorCode::invalid);
  }
}

TEST(QuotaLedger, DeserializeNeverCrashesOnRandomBytes) {
  std::mt19937 random(42);
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string b(random() % 24, '\0');
    for (char& c : b) c = static_cast<char>(random());
    if (i % 2 && !b.empty()) b[0] = 1;  // get past the version byte half the time
    auto result = QuotaLedger::deserialize(b, calendar(5, 50, "Europe/Berlin"));
    if (!result.ok()) continue;
    ++accepted;
    (void)result->can_take(utc(2026, 6, 5));
    (void)result->next_room(utc(2026, 6, 5));
  }
  EXPECT_GT(accepted, 0);
}

TEST(QuotaLedger, DeserializeDropsBucketsOutsideTheWindow) {
  // Minute 5 and minute 5 + 3000: two days apart, so the first had left every window.
  const std::string stale = bytes({1, 2, 10, 7, 0xb8, 0x17, 1});
  auto rolled = QuotaLedger::deserialize(stale, rolling(10, 10));
  ASSERT_TRUE(rolled.ok()) << rolled.error().message;
  EXPECT_EQ(rolled->bucket_count(), 1u);
  EXPECT_EQ(rolled->serialize(), bytes({1, 1, 0xfa, 0x2e, 1}));  // minute 3005 (zigzag 6010)
  auto by_date = QuotaLedger::deserialize(stale, calendar(10, 10));
  ASSERT_TRUE(by_date.ok());
  EXPECT_EQ(by_date->bucket_count(), 1u);
  // A day apart: still inside the previous local date that calendar mode keeps.
  auto close = QuotaLedger::deserialize(bytes({1, 2, 10, 7, 0xa0, 0x0b, 1}), calendar(10, 10));
  ASSERT_TRUE(close.ok());
  EXPECT_EQ(close->bucket_count(), 2u);
}

// Takes only when can_take() says so, at random instants over several days, giving some back;
// then checks every stretch the limits speak of never holds more than allowed.
TEST(QuotaLedger, RollingNeverExceedsInAnyWindow) {
  QuotaLedger ledger(rolling(40, 300));
  std::mt19937 random(1);
  std::vector<SystemTime> sent;
  for (SystemTime t = utc(2026, 6, 1); t < utc(2026, 6, 5); t += seconds(1 + random() % 60)) {
    if (!ledger.can_take(t)) {
      ASSERT_TRUE(ledger.next_room(t).has_value());
      ASSERT_GT(*ledger.next_room(t), t);
      continue;
    }
    ASSERT_EQ(ledger.next_room(t), std::nullopt);
    ledger.take(t);
    if (random() % 10 == 0) {
      ledger.give_back(t, t);
    } else {
      sent.push_back(t);
    }
  }
  for (std::size_t i = 0, hour_from = 0, day_from = 0; i < sent.size(); ++i) {
    while (sent[hour_from] <= sent[i] - hours(1)) ++hour_from;
    while (sent[day_from] <= sent[i] - hours(24)) ++day_from;
    ASSERT_LE(i - hour_from + 1, 40u) << "hour ending at message " << i;
    ASSERT_LE(i - day_from + 1, 300u) << "day ending at message " << i;
  }
  EXPECT_GT(sent.size(), 3u * 300 * 9 / 10);  // and it does let mail through
}

TEST(QuotaLedger, CalendarNeverExceedsAcrossDstDays) {
  const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
  QuotaLedger ledger(calendar(15, 120, "Europe/Berlin"));
  std::mt19937 random(2);
  std::map<date::local_days, unsigned> per_date;
  std::map<std::chrono::time_point<date::local_t, hours>, unsigned> per_local_hour;
  for (SystemTime t = utc(2026, 10, 22); t < utc(2026, 10, 27, 23);
       t += seconds(1 + random() % 90)) {
    if (!ledger.can_take(t)) continue;
    ledger.take(t);
    if (random() % 10 == 0) {
      ledger.give_back(t, t + seconds(1));
      continue;
    }
    const auto local = berlin->to_local(date::floor<seconds>(t));
    ++per_date[date::floor<date::days>(local)];
    ++per_local_hour[date::floor<hours>(local)];  // both 02:00 hours of the 25th are one
  }
  for (const auto& [day, n] : per_date) EXPECT_LE(n, 120u);
  for (const auto& [hour, n] : per_local_hour) EXPECT_LE(n, 15u);
  EXPECT_EQ(per_date.size(), 6u);
  for (const auto& [day, n] : per_date) EXPECT_GE(n, 100u);
}

}  // namespace
}  // namespace sluice::scheduler
