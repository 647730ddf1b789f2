// The per-account rate and quota as the pool's CapacityPolicy: tokens, reservations, the ledger
// writes the router persists, give-backs, restore from bytes, run-time limits and time zones.
#include "sluice/pool/account_throttle.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include "manual_clock.h"
#include "pool_test_support.h"

namespace sluice::pool {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using test::smtp_account;

config::AccountSpec limited(std::string name, double rate, std::uint32_t burst,
                            std::uint32_t hourly = 0, std::uint32_t daily = 0) {
  auto spec = smtp_account(std::move(name));
  spec.rate.per_second = rate;
  spec.rate.text = rate > 0 ? std::to_string(static_cast<int>(rate)) + "/s" : "";
  spec.burst = burst;
  spec.hourly_limit = hourly;
  spec.daily_limit = daily;
  return spec;
}

scheduler::QuotaPolicy rolling(std::uint32_t hourly, std::uint32_t daily) {
  return {hourly, daily, scheduler::QuotaMode::rolling, nullptr};
}

// The start of the minute `t` falls in.
SystemTime minute_of(SystemTime t) { return std::chrono::floor<minutes>(t); }

class AccountThrottleTest : public ::testing::Test {
 protected:
  AccountThrottle make(std::vector<config::AccountSpec> accounts) {
    specs = std::move(accounts);
    auto made = AccountThrottle::create(specs, clock.now());
    EXPECT_TRUE(made) << made.error().message;
    return std::move(made).value();
  }
  const config::AccountSpec& spec(const std::string& name) const {
    for (const auto& s : specs) {
      if (s.name == name) return s;
    }
    throw std::logic_error("no spec " + name);
  }
  SystemTime now() const { return clock.now(); }

  testing::ManualClock clock;
  std::vector<config::AccountSpec> specs;
};

// Counted in memory (a limit set at run time then knows what went before), never written.
TEST_F(AccountThrottleTest, AnAccountWithoutLimitsAlwaysHasCapacityAndWritesNothing) {
  auto throttle = make({limited("free", 0, 0)});
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(throttle.has_capacity(spec("free"), now()));
    EXPECT_FALSE(throttle.take("free", now()));
  }
  EXPECT_FALSE(throttle.next_token("free", now()));
  EXPECT_FALSE(throttle.next_room("free", now()));
  auto view = throttle.view("free", now());
  ASSERT_TRUE(view);
  EXPECT_EQ(view->rate_text, "0");
  EXPECT_EQ(view->hourly_limit, 0u);
  EXPECT_EQ(view->used_hour, 100u);
}

TEST_F(AccountThrottleTest, UnknownAccountsAreNotThrottled) {
  auto throttle = make({limited("known", 1, 1, 1)});
  const auto stranger = smtp_account("stranger");
  EXPECT_TRUE(throttle.has_capacity(stranger, now()));
  EXPECT_FALSE(throttle.take("stranger", now()));
  EXPECT_FALSE(throttle.give_back("stranger", now(), now()));
  EXPECT_FALSE(throttle.next_token("stranger", now()));
  EXPECT_FALSE(throttle.next_room("stranger", now()));
  EXPECT_FALSE(throttle.view("stranger", now()));
  EXPECT_FALSE(throttle.set_limits("stranger", AccountLimits{2.0, "2/s", 2, 5, 5}, now()));
  EXPECT_TRUE(throttle.restore("stranger", "not a ledger"));  // ignored, not an error
}

TEST_F(AccountThrottleTest, TheRateAllowsABurstThenOneTokenPerInterval) {
  auto throttle = make({limited("a", 2, 0)});  // burst 0: one second's worth, 2 tokens
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  EXPECT_FALSE(throttle.take("a", now()));  // no quota: nothing to persist
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  EXPECT_FALSE(throttle.take("a", now()));
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  EXPECT_EQ(throttle.next_token("a", now()), now() + milliseconds(500));
  EXPECT_FALSE(throttle.next_room("a", now()));  // the rate stops it, not the quota

  clock.advance(milliseconds(499));
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  EXPECT_FALSE(throttle.next_token("a", now()));  // a token is there: nothing to wait for
}

TEST_F(AccountThrottleTest, TakeReservesQuotaAndReturnsTheLedgerToPersist) {
  auto throttle = make({limited("a", 0, 0, 3)});
  for (std::uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(throttle.has_capacity(spec("a"), now()));
    auto write = throttle.take("a", now());
    ASSERT_TRUE(write);
    EXPECT_EQ(write->key, "quota/a");
    EXPECT_EQ(write->key, AccountThrottle::ledger_key("a"));
    // The bytes are the ledger itself: what a restart would count.
    auto ledger = scheduler::QuotaLedger::deserialize(write->value, rolling(3, 0));
    ASSERT_TRUE(ledger) << ledger.error().message;
    EXPECT_EQ(ledger->used_hour(now()), i);
    clock.advance(seconds(10));
  }
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  EXPECT_EQ(throttle.view("a", now())->used_hour, 3u);
  EXPECT_EQ(throttle.view("a", now())->used_day, 3u);
}

TEST_F(AccountThrottleTest, OutOfQuotaTellsWhenThereIsRoomAndNoTokenTime) {
  auto throttle = make({limited("a", 1, 1, 1)});
  const auto taken_at = now();
  ASSERT_TRUE(throttle.take("a", now()));
  // Both the rate and the quota stop it: only the quota's time matters, the token is no help.
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  EXPECT_FALSE(throttle.next_token("a", now()));
  // Rolling hour: the send leaves the window within the minute after it is an hour old.
  EXPECT_EQ(throttle.next_room("a", now()), minute_of(taken_at) + minutes(61));
  clock.set(minute_of(taken_at) + minutes(61));
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  EXPECT_FALSE(throttle.next_room("a", now()));
}

TEST_F(AccountThrottleTest, TheDailyLimitHoldsAfterTheHourlyOneHasRoom) {
  auto throttle = make({limited("a", 0, 0, 10, 2)});
  ASSERT_TRUE(throttle.take("a", now()));
  clock.advance(minutes(5));
  ASSERT_TRUE(throttle.take("a", now()));
  clock.advance(hours(2));  // the hour is empty again, the day is not
  EXPECT_EQ(throttle.view("a", now())->used_hour, 0u);
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  ASSERT_TRUE(throttle.next_room("a", now()));
  EXPECT_GT(*throttle.next_room("a", now()), now() + hours(20));
}

TEST_F(AccountThrottleTest, GiveBackReturnsTheReservationAndWritesTheLedger) {
  auto throttle = make({limited("a", 0, 0, 1)});
  const auto taken_at = now();
  ASSERT_TRUE(throttle.take("a", taken_at));
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  clock.advance(seconds(30));
  auto write = throttle.give_back("a", taken_at, now());
  ASSERT_TRUE(write);
  EXPECT_EQ(write->key, "quota/a");
  auto ledger = scheduler::QuotaLedger::deserialize(write->value, rolling(1, 0));
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->used_day(now()), 0u);
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  EXPECT_EQ(throttle.view("a", now())->used_hour, 0u);
}

TEST_F(AccountThrottleTest, GiveBackWithoutAQuotaWritesNothing) {
  auto throttle = make({limited("a", 1, 1)});
  EXPECT_FALSE(throttle.take("a", now()));
  EXPECT_FALSE(throttle.give_back("a", now(), now()));
}

TEST_F(AccountThrottleTest, RestoreLoadsAPersistedLedgerAcrossARestart) {
  std::string saved;
  {
    auto before = make({limited("a", 0, 0, 0, 3)});
    for (int i = 0; i < 3; ++i) saved = before.take("a", now())->value;
  }
  clock.advance(minutes(10));
  auto after = make({limited("a", 0, 0, 0, 3)});
  EXPECT_TRUE(after.has_capacity(spec("a"), now()));  // fresh: nothing counted yet
  ASSERT_TRUE(after.restore("a", saved));
  EXPECT_FALSE(after.has_capacity(spec("a"), now()));
  EXPECT_EQ(after.view("a", now())->used_day, 3u);
  EXPECT_TRUE(after.next_room("a", now()));
}

TEST_F(AccountThrottleTest, RestoreRejectsGarbageAndKeepsWhatItHad) {
  auto throttle = make({limited("a", 0, 0, 2)});
  ASSERT_TRUE(throttle.take("a", now()));
  auto restored = throttle.restore("a", std::string("\x07garbage", 8));
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error().code, ErrorCode::invalid);
  EXPECT_FALSE(throttle.restore("a", ""));
  EXPECT_EQ(throttle.view("a", now())->used_hour, 1u);
}

TEST_F(AccountThrottleTest, RestoredLedgerKeepsTheConfiguredLimits) {
  scheduler::QuotaLedger other(rolling(100, 100));
  other.take(now());
  auto throttle = make({limited("a", 0, 0, 1)});
  ASSERT_TRUE(throttle.restore("a", other.serialize()));
  auto view = throttle.view("a", now());
  EXPECT_EQ(view->hourly_limit, 1u);  // the bytes carry counts, not policy
  EXPECT_EQ(view->used_hour, 1u);
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
}

TEST_F(AccountThrottleTest, RaisingTheQuotaAtRunTimeMakesRoomAndWritesTheLedger) {
  auto throttle = make({limited("a", 0, 0, 2)});
  ASSERT_TRUE(throttle.take("a", now()));
  ASSERT_TRUE(throttle.take("a", now()));
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));

  AccountLimits raise;
  raise.hourly_limit = 5;
  auto write = throttle.set_limits("a", raise, now());
  ASSERT_TRUE(write);
  EXPECT_EQ(write->key, "quota/a");
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  auto view = throttle.view("a", now());
  EXPECT_EQ(view->hourly_limit, 5u);
  EXPECT_EQ(view->used_hour, 2u);  // what was sent still counts

  AccountLimits lower;
  lower.hourly_limit = 1;
  ASSERT_TRUE(throttle.set_limits("a", lower, now()));
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
}

TEST_F(AccountThrottleTest, AQuotaGivenAtRunTimeStartsCounting) {
  auto throttle = make({limited("a", 0, 0)});
  EXPECT_FALSE(throttle.take("a", now()));
  AccountLimits limits;
  limits.daily_limit = 1;
  ASSERT_TRUE(throttle.set_limits("a", limits, now()));
  auto write = throttle.take("a", now());
  ASSERT_TRUE(write);  // now persisted
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  EXPECT_EQ(throttle.view("a", now())->daily_limit, 1u);
}

TEST_F(AccountThrottleTest, ANewRateTakesEffectAtOnceWithoutALedgerWrite) {
  auto throttle = make({limited("a", 10, 10)});
  AccountLimits slower;
  slower.rate = 1;
  slower.rate_text = "1/s";
  EXPECT_FALSE(throttle.set_limits("a", slower, now()));  // no quota change: nothing to persist
  EXPECT_EQ(throttle.view("a", now())->rate_text, "1/s");
  // The burst follows the new rate (one second's worth): one message, then one a second.
  EXPECT_TRUE(throttle.has_capacity(spec("a"), now()));
  throttle.take("a", now());
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  EXPECT_EQ(throttle.next_token("a", now()), now() + seconds(1));
}

TEST_F(AccountThrottleTest, ABurstAloneKeepsTheRate) {
  auto throttle = make({limited("a", 1, 1)});
  AccountLimits burst;
  burst.burst = 3;
  EXPECT_FALSE(throttle.set_limits("a", burst, now()));
  EXPECT_EQ(throttle.view("a", now())->rate_text, "1/s");
  // The bucket held one token; the bigger burst fills at the old rate.
  throttle.take("a", now());
  EXPECT_EQ(throttle.next_token("a", now()), now() + seconds(1));
  clock.advance(seconds(3));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(throttle.has_capacity(spec("a"), now())) << i;
    throttle.take("a", now());
  }
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
}

TEST_F(AccountThrottleTest, RateZeroMeansUnlimited) {
  auto throttle = make({limited("a", 1, 1)});
  throttle.take("a", now());
  EXPECT_FALSE(throttle.has_capacity(spec("a"), now()));
  AccountLimits unlimited;
  unlimited.rate = 0;
  EXPECT_FALSE(throttle.set_limits("a", unlimited, now()));
  EXPECT_EQ(throttle.view("a", now())->rate_text, "0");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(throttle.has_capacity(spec("a"), now()));
    throttle.take("a", now());
  }
}

TEST_F(AccountThrottleTest, AnUnknownTimeZoneIsAnErrorNamingTheLine) {
  auto spec = limited("a", 0, 0, 0, 5);
  spec.quota_mode = config::QuotaMode::calendar;
  spec.time_zone = "Mars/Olympus_Mons";
  spec.file = "/etc/sluice/accounts.cf";
  spec.line = 7;
  auto made = AccountThrottle::create({smtp_account("fine"), spec}, now());
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ErrorCode::invalid);
  EXPECT_NE(made.error().message.find("/etc/sluice/accounts.cf:7"), std::string::npos)
      << made.error().message;
  EXPECT_NE(made.error().message.find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_NE(made.error().message.find("account a"), std::string::npos);
}

TEST_F(AccountThrottleTest, UtcAndAnEmptyZoneNeedNoLookup) {
  auto utc = limited("utc", 0, 0, 1);
  utc.time_zone = "UTC";
  auto empty = limited("empty", 0, 0, 1);
  empty.time_zone = "";
  EXPECT_TRUE(AccountThrottle::create({utc, empty}, now()));
}

TEST_F(AccountThrottleTest, CalendarQuotasCountTheAccountsLocalHourAndDay) {
  // 2023-11-14 22:13:20 UTC is 03:43:20 on the 15th in Kolkata (UTC+05:30).
  ASSERT_EQ(now(), SystemTime(seconds(1'700'000'000)));
  auto hourly = limited("hourly", 0, 0, 1);
  hourly.quota_mode = config::QuotaMode::calendar;
  hourly.time_zone = "Asia/Kolkata";
  auto daily = limited("daily", 0, 0, 0, 1);
  daily.quota_mode = config::QuotaMode::calendar;
  daily.time_zone = "Asia/Kolkata";
  auto throttle = make({hourly, daily});
  ASSERT_TRUE(throttle.take("hourly", now()));
  ASSERT_TRUE(throttle.take("daily", now()));
  const auto utc_day = SystemTime(date::sys_days(date::year(2023) / 11 / 14));
  // The local hour ends at 04:00 IST = 22:30 UTC, not at 23:00 UTC.
  EXPECT_EQ(throttle.next_room("hourly", now()), utc_day + hours(22) + minutes(30));
  // The local day ends at midnight IST on the 16th = 18:30 UTC on the 15th.
  EXPECT_EQ(throttle.next_room("daily", now()), utc_day + hours(24 + 18) + minutes(30));
}

}  // namespace
}  // namespace sluice::pool
