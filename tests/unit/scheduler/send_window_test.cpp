#include "sluice/scheduler/send_window.h"

#include <date/date.h>
#include <gtest/gtest.h>

namespace sluice::scheduler {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// An instant given as a UTC calendar date and time.
SystemTime utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return SystemTime(date::sys_days(date::year(y) / m / d)) + hours(hh) + minutes(mm) + seconds(ss);
}

SendWindow parse_ok(std::string_view spec, std::string_view zone = "") {
  auto window = SendWindow::parse(spec, zone);
  EXPECT_TRUE(window.ok()) << spec << " in " << zone << ": "
                           << (window.ok() ? "" : window.error().message);
  return window.ok() ? *window : SendWindow();
}

std::string parse_error(std::string_view spec, std::string_view zone = "") {
  auto window = SendWindow::parse(spec, zone);
  EXPECT_FALSE(window.ok()) << "'" << spec << "' parsed";
  if (window.ok()) return "";
  EXPECT_EQ(window.error().code, ErrorCode::invalid);
  return window.error().message;
}

// Minutes the window is open from `from` for `span`, sampled each minute.
int open_minutes(const SendWindow& window, SystemTime from, minutes span) {
  int open = 0;
  for (SystemTime t = from; t < from + span; t += minutes(1)) open += window.open_at(t);
  return open;
}

TEST(SendWindow, AlwaysAndEmptyAreAlwaysOpen) {
  for (std::string_view spec : {"always", "", "  ALWAYS ", "\t"}) {
    SendWindow window = parse_ok(spec, "Europe/Berlin");
    EXPECT_TRUE(window.always_open()) << spec;
    EXPECT_TRUE(window.open_at(utc(2026, 3, 29, 1, 30)));
    EXPECT_EQ(window.next_change(utc(2026, 3, 29)), std::nullopt);
    EXPECT_EQ(window.text(), "always");
  }
  EXPECT_TRUE(SendWindow().open_at(utc(2026, 1, 1)));
  EXPECT_EQ(SendWindow().zone_name(), "UTC");
}

TEST(SendWindow, ParseRejectsBadTimes) {
  for (std::string_view spec :
       {"25:00-26:00", "09:60-10:00", "9-10", "09:00", "09:00-", "-10:00", "24:00-01:00",
        "09:00-24:01", "09:00-10:00x", "0900-1000", "09:0-10:00", "123:00-10:00", "+9:00-10:00",
        "09:00-10:00-11:00", "09:00 10:00"}) {
    const std::string message = parse_error(spec);
    EXPECT_NE(message.find(std::string(spec)), std::string::npos) << message;
  }
  EXPECT_NE(parse_error("09:00-09:00").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("00:00-00:00").find("00:00-24:00"), std::string::npos);
  EXPECT_NE(parse_error("09:00-17:00; 18:00-25:00").find("18:00-25:00"), std::string::npos);
  EXPECT_NE(parse_error(";").find("no HH:MM-HH:MM"), std::string::npos);
}

TEST(SendWindow, ParseRejectsBadDays) {
  EXPECT_NE(parse_error("abc 09:00-10:00").find("unknown day 'abc'"), std::string::npos);
  EXPECT_NE(parse_error("mon-xyz 09:00-10:00").find("unknown day 'xyz'"), std::string::npos);
  EXPECT_NE(parse_error("monday 09:00-10:00").find("unknown day"), std::string::npos);
  EXPECT_NE(parse_error("mon-fri09:00-17:00").find("no HH:MM-HH:MM"), std::string::npos);
  EXPECT_NE(parse_error("mon").find("no HH:MM-HH:MM"), std::string::npos);
  // A list of days inside one window splits at the comma and leaves "sat" without times.
  EXPECT_NE(parse_error("sat,sun 10:00-14:00").find("'sat'"), std::string::npos);
  EXPECT_NE(parse_error("mon- 09:00-10:00").find("unknown day ''"), std::string::npos);
}

TEST(SendWindow, ParseRejectsUnknownZones) {
  EXPECT_EQ(parse_error("09:00-17:00", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'");
  EXPECT_EQ(parse_error("always", "Europe/Nowhere"), "unknown time zone 'Europe/Nowhere'");
}

TEST(SendWindow, KeepsTextAndZoneName) {
  SendWindow window = parse_ok(" mon-fri 09:00-17:00; sat 10:00-14:00 ", "Europe/Moscow");
  EXPECT_EQ(window.text(), "mon-fri 09:00-17:00; sat 10:00-14:00");
  EXPECT_EQ(window.zone_name(), "Europe/Moscow");
  EXPECT_EQ(parse_ok("09:00-10:00").zone_name(), "UTC");
  EXPECT_EQ(parse_ok("09:00-10:00", "UTC").zone_name(), "UTC");
  EXPECT_FALSE(window.always_open());
}

TEST(SendWindow, OpensAtTheStartAndClosesAtTheEnd) {
  SendWindow window = parse_ok("09:00-17:00");
  EXPECT_FALSE(window.open_at(utc(2026, 6, 5, 8, 59, 59)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 9)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 17) - std::chrono::nanoseconds(1)));
  EXPECT_FALSE(window.open_at(utc(2026, 6, 5, 17)));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 8)), utc(2026, 6, 5, 9));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 9)), utc(2026, 6, 5, 17));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 17)), utc(2026, 6, 6, 9));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 12, 0, 30)), utc(2026, 6, 5, 17));
  EXPECT_EQ(parse_ok("9:00-17:00").next_change(utc(2026, 6, 5)), utc(2026, 6, 5, 9));
}

TEST(SendWindow, OverlappingAndTouchingWindowsAreOneUnion) {
  SendWindow window = parse_ok("09:00-12:00; 11:00-13:00, 15:00-16:00");
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 11, 30)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 12, 30)));
  EXPECT_FALSE(window.open_at(utc(2026, 6, 5, 13, 30)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 15, 30)));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 9, 30)), utc(2026, 6, 5, 13));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 13)), utc(2026, 6, 5, 15));
  EXPECT_EQ(parse_ok("09:00-12:00;12:00-15:00").next_change(utc(2026, 6, 5, 10)),
            utc(2026, 6, 5, 15));
  EXPECT_EQ(parse_ok("09:00-12:00;;").next_change(utc(2026, 6, 5, 10)), utc(2026, 6, 5, 12));
}

TEST(SendWindow, DaysOfTheWeek) {
  // 2026-06-05 is a Friday.
  SendWindow window = parse_ok("mon-fri 09:00-17:00; sat 10:00-14:00");
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 10)));
  EXPECT_FALSE(window.open_at(utc(2026, 6, 6, 9, 30)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 6, 13)));
  EXPECT_EQ(open_minutes(window, utc(2026, 6, 7), hours(24)), 0);  // Sunday
  EXPECT_EQ(window.next_change(utc(2026, 6, 6, 14)), utc(2026, 6, 8, 9));
  EXPECT_EQ(open_minutes(window, utc(2026, 6, 1), hours(24 * 7)), 5 * 8 * 60 + 4 * 60);

  SendWindow wrapping = parse_ok("Fri-Mon 09:00-10:00");
  int open_days = 0;
  for (unsigned day = 1; day <= 7; ++day) open_days += wrapping.open_at(utc(2026, 6, day, 9, 30));
  EXPECT_EQ(open_days, 4);
  EXPECT_FALSE(wrapping.open_at(utc(2026, 6, 2, 9, 30)));  // Tuesday
  EXPECT_TRUE(wrapping.open_at(utc(2026, 6, 7, 9, 30)));   // Sunday
  EXPECT_EQ(wrapping.next_change(utc(2026, 6, 1, 10)), utc(2026, 6, 5, 9));
}

TEST(SendWindow, AWindowCrossingMidnightBelongsToTheDayItStarts) {
  SendWindow window = parse_ok("fri 22:00-02:00");
  EXPECT_FALSE(window.open_at(utc(2026, 6, 5, 1)));  // Friday 01:00: Thursday's window
  EXPECT_TRUE(window.open_at(utc(2026, 6, 5, 23)));
  EXPECT_TRUE(window.open_at(utc(2026, 6, 6, 1, 59)));
  EXPECT_FALSE(window.open_at(utc(2026, 6, 6, 2)));
  EXPECT_FALSE(window.open_at(utc(2026, 6, 6, 23)));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 21)), utc(2026, 6, 5, 22));
  EXPECT_EQ(window.next_change(utc(2026, 6, 5, 22)), utc(2026, 6, 6, 2));
  EXPECT_EQ(window.next_change(utc(2026, 6, 6, 2)), utc(2026, 6, 12, 22));
  EXPECT_EQ(open_minutes(parse_ok("22:00-02:00"), utc(2026, 6, 1), hours(24)), 4 * 60);
}

TEST(SendWindow, WindowsCoveringEveryMomentNeverChange) {
  EXPECT_EQ(parse_ok("00:00-24:00").next_change(utc(2026, 6, 5)), std::nullopt);
  EXPECT_EQ(parse_ok("00:00-24:00", "Europe/Berlin").next_change(utc(2026, 3, 28)), std::nullopt);
  EXPECT_EQ(parse_ok("00:00-12:00; 12:00-24:00", "America/New_York").next_change(utc(2026, 11, 1)),
            std::nullopt);
  EXPECT_EQ(parse_ok("mon-sun 18:00-18:01; 18:01-18:00").next_change(utc(2026, 6, 5)),
            std::nullopt);
  SendWindow weekdays = parse_ok("mon-sat 00:00-24:00");
  EXPECT_EQ(weekdays.next_change(utc(2026, 6, 6, 12)), utc(2026, 6, 7));
  EXPECT_EQ(weekdays.next_change(utc(2026, 6, 7, 12)), utc(2026, 6, 8));
}

TEST(SendWindow, MoscowIsThreeHoursAheadOfUtc) {
  SendWindow window = parse_ok("09:00-18:00", "Europe/Moscow");
  EXPECT_FALSE(window.open_at(utc(2026, 1, 15, 5, 59)));
  EXPECT_TRUE(window.open_at(utc(2026, 1, 15, 6)));
  EXPECT_FALSE(window.open_at(utc(2026, 1, 15, 15)));
  // No DST: the same instants in summer.
  EXPECT_EQ(window.next_change(utc(2026, 7, 15)), utc(2026, 7, 15, 6));
  EXPECT_EQ(window.next_change(utc(2026, 7, 15, 6)), utc(2026, 7, 15, 15));
  // Moscow's Monday starts at 21:00 UTC on Sunday.
  SendWindow monday = parse_ok("mon 00:00-01:00", "Europe/Moscow");
  EXPECT_TRUE(monday.open_at(utc(2026, 6, 7, 21, 30)));
  EXPECT_FALSE(monday.open_at(utc(2026, 6, 8, 0, 30)));
}

TEST(SendWindow, NewYorkFollowsDaylightSavingBothWays) {
  SendWindow day = parse_ok("09:00-17:00", "America/New_York");
  EXPECT_EQ(day.next_change(utc(2026, 3, 7)), utc(2026, 3, 7, 14));  // EST, UTC-5
  EXPECT_EQ(day.next_change(utc(2026, 3, 8)), utc(2026, 3, 8, 13));  // EDT, UTC-4
  EXPECT_EQ(day.next_change(utc(2026, 3, 8, 13)), utc(2026, 3, 8, 21));
  EXPECT_EQ(day.next_change(utc(2026, 10, 31)), utc(2026, 10, 31, 13));
  EXPECT_EQ(day.next_change(utc(2026, 11, 1)), utc(2026, 11, 1, 14));

  // 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00 UTC): a start in the gap opens at its end.
  SendWindow gap = parse_ok("02:30-03:30", "America/New_York");
  EXPECT_EQ(gap.next_change(utc(2026, 3, 8)), utc(2026, 3, 8, 7));
  EXPECT_EQ(gap.next_change(utc(2026, 3, 8, 7)), utc(2026, 3, 8, 7, 30));
  EXPECT_EQ(open_minutes(gap, utc(2026, 3, 8), hours(24)), 30);
  EXPECT_EQ(open_minutes(gap, utc(2026, 3, 9), hours(24)), 60);

  // 2026-11-01 02:00 EDT falls back to 01:00 EST (06:00 UTC): 01:00-02:00 happens twice and
  // the window opens once, in the first.
  SendWindow repeated = parse_ok("01:00-01:30", "America/New_York");
  EXPECT_EQ(repeated.next_change(utc(2026, 11, 1)), utc(2026, 11, 1, 5));
  EXPECT_EQ(repeated.next_change(utc(2026, 11, 1, 5)), utc(2026, 11, 1, 5, 30));
  EXPECT_FALSE(repeated.open_at(utc(2026, 11, 1, 6, 15)));  // 01:15 EST, the second time
  EXPECT_EQ(repeated.next_change(utc(2026, 11, 1, 5, 30)), utc(2026, 11, 2, 6));
  EXPECT_EQ(open_minutes(repeated, utc(2026, 11, 1), hours(24)), 30);
}

TEST(SendWindow, BerlinSpringForwardOpensAtTheEndOfTheGap) {
  // 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
  SendWindow window = parse_ok("02:30-04:00", "Europe/Berlin");
  EXPECT_EQ(window.next_change(utc(2026, 3, 28)), utc(2026, 3, 28, 1, 30));  // CET, UTC+1
  EXPECT_EQ(window.next_change(utc(2026, 3, 29)), utc(2026, 3, 29, 1));      // 03:00 CEST
  EXPECT_EQ(window.next_change(utc(2026, 3, 29, 1)), utc(2026, 3, 29, 2));   // 04:00 CEST
  EXPECT_EQ(window.next_change(utc(2026, 3, 29, 2)), utc(2026, 3, 30, 0, 30));
  EXPECT_EQ(open_minutes(window, utc(2026, 3, 28, 12), hours(24)), 60);

  // A window ending in the gap closes where the gap starts; one wholly inside it is not
  // lost but opens at the end of the gap for its length.
  SendWindow ends_in_gap = parse_ok("01:30-02:30", "Europe/Berlin");
  EXPECT_EQ(ends_in_gap.next_change(utc(2026, 3, 29)), utc(2026, 3, 29, 0, 30));
  EXPECT_EQ(ends_in_gap.next_change(utc(2026, 3, 29, 0, 30)), utc(2026, 3, 29, 1));
  SendWindow inside_gap = parse_ok("02:10-02:50", "Europe/Berlin");
  EXPECT_EQ(inside_gap.next_change(utc(2026, 3, 29)), utc(2026, 3, 29, 1));
  EXPECT_EQ(inside_gap.next_change(utc(2026, 3, 29, 1)), utc(2026, 3, 29, 1, 40));

  // A whole day is 23 hours long that day, and the window inside it keeps its local hours.
  SendWindow office = parse_ok("09:00-17:00", "Europe/Berlin");
  EXPECT_EQ(office.next_change(utc(2026, 3, 29)), utc(2026, 3, 29, 7));
  EXPECT_EQ(open_minutes(office, utc(2026, 3, 28, 22), hours(24)), 8 * 60);
}

TEST(SendWindow, BerlinFallBackOpensARepeatedHourOnce) {
  // 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:00-03:00 happens twice.
  SendWindow window = parse_ok("02:00-02:30", "Europe/Berlin");
  EXPECT_EQ(window.next_change(utc(2026, 10, 24, 23)), utc(2026, 10, 25, 0));  // 02:00 CEST
  EXPECT_EQ(window.next_change(utc(2026, 10, 25, 0)), utc(2026, 10, 25, 0, 30));
  EXPECT_FALSE(window.open_at(utc(2026, 10, 25, 1, 15)));  // 02:15 CET, the second time
  EXPECT_EQ(window.next_change(utc(2026, 10, 25, 0, 30)), utc(2026, 10, 26, 1));  // 02:00 CET
  EXPECT_EQ(open_minutes(window, utc(2026, 10, 24, 12), hours(24)), 30);

  // A window spanning the repeated hour stays one stretch, through both occurrences.
  SendWindow spanning = parse_ok("01:00-03:00", "Europe/Berlin");
  EXPECT_EQ(spanning.next_change(utc(2026, 10, 24, 22)), utc(2026, 10, 24, 23));
  EXPECT_EQ(spanning.next_change(utc(2026, 10, 24, 23)), utc(2026, 10, 25, 2));
  EXPECT_EQ(open_minutes(spanning, utc(2026, 10, 24, 12), hours(24)), 3 * 60);
}

// Walks a whole year from change to change: every step moves forward, lands exactly on a
// flip (the state differs at the returned instant and equals the old one a second before) and
// skips none (sampled every quarter hour in between).
void walk_a_year(const SendWindow& window) {
  SystemTime t = utc(2026, 1, 1);
  const SystemTime end = utc(2027, 1, 1);
  int steps = 0;
  while (t < end) {
    const bool open = window.open_at(t);
    const auto next = window.next_change(t);
    ASSERT_TRUE(next.has_value());
    ASSERT_GT(*next, t);
    ASSERT_LT(*next, t + hours(24 * 8)) << "a week has a change";
    ASSERT_NE(window.open_at(*next), open);
    ASSERT_EQ(window.open_at(*next - seconds(1)), open);
    for (SystemTime probe = t; probe < *next; probe += minutes(15))
      ASSERT_EQ(window.open_at(probe), open) << "missed a change before " << to_micros(*next);
    t = *next;
    ASSERT_LT(++steps, 2000);
  }
  EXPECT_GT(steps, 400);
}

TEST(SendWindow, NextChangeWalksAYearExactly) {
  walk_a_year(parse_ok("mon-fri 09:00-17:00; sat 22:00-02:00", "Europe/Berlin"));
  walk_a_year(parse_ok("02:30-03:15; fri-mon 01:00-02:45", "America/New_York"));
  walk_a_year(parse_ok("23:30-00:30", "Europe/Moscow"));
}

TEST(SendWindow, NextChangeFromEveryDayOfAYearIsTheFirstFlip) {
  SendWindow window = parse_ok("mon-fri 02:00-02:30; sun 22:00-03:00", "Europe/Berlin");
  for (SystemTime t = utc(2026, 1, 1, 0, 17); t < utc(2027, 1, 1); t += hours(24)) {
    const bool open = window.open_at(t);
    const auto next = window.next_change(t);
    ASSERT_TRUE(next.has_value());
    ASSERT_GT(*next, t);
    ASSERT_NE(window.open_at(*next), open);
    for (SystemTime probe = t; probe < *next; probe += minutes(15))
      ASSERT_EQ(window.open_at(probe), open);
  }
}

}  // namespace
}  // namespace sluice::scheduler
