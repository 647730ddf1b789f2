// How delivery feedback and heartbeats move accounts in and out: the breaker, quota rests,
// AUTH failures, operator controls, next_change, counters and the snapshot.
#include <gtest/gtest.h>

#include <set>

#include "manual_clock.h"
#include "pool_test_support.h"
#include "sluice/pool/account_pool.h"

namespace sluice::pool {
namespace {

using delivery::AccountFault;
using delivery::AccountFaultKind;
using delivery::RecipientOutcome;
using std::chrono::seconds;
using test::account_fault;
using test::delivered;
using test::smtp_account;

class AccountPoolHealthTest : public ::testing::Test {
 protected:
  testing::ManualClock clock;
  PoolPolicy policy{BreakerPolicy{2, seconds(30)}, seconds(3600), seconds(300)};
  AccountPool pool{{smtp_account("a"), smtp_account("b"), smtp_account("other", 1, "bulk")},
                   policy};

  SystemTime now() const { return clock.now(); }

  // Leases until `name` comes up (the others are given back untouched) and releases it with
  // `result`.
  void deliver_via(const std::string& name, const delivery::DeliveryResult& result) {
    std::unordered_set<std::string> exclude;
    for (const auto& s : pool.snapshot(now())) {
      if (s.name != name) exclude.insert(s.name);
    }
    auto lease = pool.lease(pool.spec(index_of(name)).pool, now(), exclude);
    ASSERT_TRUE(lease) << name << " could not be leased";
    pool.release(*lease, result, now());
  }
  std::size_t index_of(const std::string& name) const {
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (pool.spec(i).name == name) return i;
    }
    return pool.size();
  }
  AccountSnapshot snap(const std::string& name) const {
    return pool.snapshot(now())[index_of(name)];
  }
  // Every account `pool` hands out now, leased and given back.
  std::set<std::string> leasable(const std::string& pool_name = "default") {
    std::set<std::string> names;
    std::vector<Lease> leases;
    std::unordered_set<std::string> exclude;
    while (auto lease = pool.lease(pool_name, now(), exclude)) {
      names.insert(lease->name);
      exclude.insert(lease->name);
      leases.push_back(*lease);
    }
    for (auto& lease : leases) pool.release(lease, {}, now());
    return names;
  }
};

TEST_F(AccountPoolHealthTest, UnavailableFaultsOpenTheBreakerAtTheThreshold) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable, "connect: refused"));
  EXPECT_EQ(snap("a").status, AccountStatus::up);
  EXPECT_EQ(snap("a").consecutive_failures, 1u);
  deliver_via("a", account_fault(AccountFaultKind::unavailable, "connect: refused"));
  EXPECT_EQ(snap("a").status, AccountStatus::down);
  EXPECT_EQ(snap("a").breaker, BreakerState::open);
  EXPECT_EQ(snap("a").resting_until, now() + seconds(30));
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(30));
  EXPECT_FALSE(pool.next_change("bulk", now()));
}

TEST_F(AccountPoolHealthTest, HalfOpenLeaseTakesTheOnlyProbe) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  clock.advance(seconds(30));
  auto probe = pool.lease("default", now(), {"b"});
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->name, "a");
  EXPECT_FALSE(pool.lease("default", now(), {"b"}));  // one probe only
  EXPECT_EQ(snap("a").status, AccountStatus::down);
  EXPECT_FALSE(pool.next_change("default", now()));  // settles on release, not on the clock
  pool.release(*probe, delivered(), now());
  EXPECT_EQ(snap("a").status, AccountStatus::up);
  EXPECT_EQ(snap("a").breaker, BreakerState::closed);
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, UnusedProbeLeaseGivesTheProbeBackWithoutClosing) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  clock.advance(seconds(30));
  auto probe = pool.lease("default", now(), {"b"});
  ASSERT_TRUE(probe);
  EXPECT_TRUE(probe->probe);
  pool.release(*probe, {}, now());
  EXPECT_EQ(snap("a").breaker, BreakerState::half_open);
  EXPECT_EQ(snap("a").in_flight, 0u);
  auto again = pool.lease("default", now(), {"b"});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->probe);
}

TEST_F(AccountPoolHealthTest, UnusedOrdinaryLeaseLeavesTheProbeAlone) {
  auto straggler = pool.lease("default", now(), {"b"});  // taken while closed
  ASSERT_TRUE(straggler);
  EXPECT_FALSE(straggler->probe);
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  clock.advance(seconds(30));
  auto probe = pool.lease("default", now(), {"b"});
  ASSERT_TRUE(probe);
  pool.release(*straggler, {}, now());
  EXPECT_FALSE(pool.lease("default", now(), {"b"}));  // the probe is still out
}

TEST_F(AccountPoolHealthTest, FailedProbeReopens) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  clock.advance(seconds(30));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  EXPECT_EQ(snap("a").breaker, BreakerState::open);
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(30));
}

TEST_F(AccountPoolHealthTest, AnUpstreamThatDefersOrRefusesIsHealthy) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  delivery::DeliveryResult judged;
  judged.recipients = {{"x@y", RecipientOutcome::deferred, "451 4.7.1 greylisted", false},
                       {"z@y", RecipientOutcome::failed, "550 5.1.1 unknown", false}};
  deliver_via("a", judged);
  EXPECT_EQ(snap("a").consecutive_failures, 0u);
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  EXPECT_EQ(snap("a").status, AccountStatus::up);  // one failure again, not two
}

TEST_F(AccountPoolHealthTest, UnjudgedRecipientsWithoutAFaultStillCountAsAFailure) {
  delivery::DeliveryResult result;
  result.recipients = {{"x@y", RecipientOutcome::deferred, "lost connection", true}};
  deliver_via("a", result);
  deliver_via("a", result);
  EXPECT_EQ(snap("a").status, AccountStatus::down);
  EXPECT_EQ(snap("a").counters.faults, 2u);
  EXPECT_EQ(snap("a").counters.deferred, 0u);
}

TEST_F(AccountPoolHealthTest, CountersFollowRecipientOutcomes) {
  delivery::DeliveryResult result;
  result.recipients = {{"1@y", RecipientOutcome::delivered, "250 ok", false},
                       {"2@y", RecipientOutcome::delivered, "250 ok", false},
                       {"3@y", RecipientOutcome::deferred, "451 later", false},
                       {"4@y", RecipientOutcome::failed, "550 no", false}};
  deliver_via("a", result);
  deliver_via("a", account_fault(AccountFaultKind::unavailable, "421 4.3.2 closing"));
  const auto s = snap("a");
  EXPECT_EQ(s.counters.sent, 2u);
  EXPECT_EQ(s.counters.deferred, 1u);  // the account-fault deferral is not counted
  EXPECT_EQ(s.counters.bounced, 1u);
  EXPECT_EQ(s.counters.faults, 1u);
  EXPECT_EQ(s.last_error, "421 4.3.2 closing");
  EXPECT_EQ(s.last_error_at, now());
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(snap("b").counters.sent, 0u);
}

TEST_F(AccountPoolHealthTest, QuotaRestsTheAccountUntilTheRestEnds) {
  deliver_via("a", account_fault(AccountFaultKind::quota, "550 5.4.5 Daily quota exceeded"));
  EXPECT_EQ(snap("a").status, AccountStatus::resting);
  EXPECT_EQ(snap("a").resting_until, now() + seconds(3600));
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(3600));

  // A heartbeat cannot tell whether the quota has reset: the rest holds.
  pool.heartbeat_ok(index_of("a"), now());
  EXPECT_EQ(snap("a").status, AccountStatus::resting);
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));

  clock.advance(seconds(3599));
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  clock.advance(seconds(1));
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(snap("a").status, AccountStatus::up);
  EXPECT_FALSE(pool.next_change("default", now()));
}

TEST_F(AccountPoolHealthTest, QuotaRestWithoutHeartbeatEndsWithOneProbe) {
  deliver_via("a", account_fault(AccountFaultKind::quota, "451 4.7.0 throttled"));
  clock.advance(seconds(3600));
  auto probe = pool.lease("default", now(), {"b"});
  ASSERT_TRUE(probe);
  EXPECT_FALSE(pool.lease("default", now(), {"b"}));
  pool.release(*probe, delivered(), now());
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, QuotaOnTheHalfOpenProbeDoesNotLeaveTheProbeOut) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  clock.advance(seconds(30));
  deliver_via("a", account_fault(AccountFaultKind::quota));
  clock.advance(seconds(3600));
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, AuthFailureTakesTheAccountOutUntilAHeartbeatSucceeds) {
  deliver_via("a", account_fault(AccountFaultKind::auth, "535 5.7.8 bad credentials"));
  auto s = snap("a");
  EXPECT_EQ(s.status, AccountStatus::auth_failed);
  EXPECT_EQ(s.resting_until, now() + seconds(300));  // when the heartbeat tries again
  EXPECT_EQ(s.last_error, "535 5.7.8 bad credentials");
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(300));

  // Time alone does not bring it back.
  clock.advance(seconds(3600));
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  EXPECT_FALSE(pool.next_change("default", now()));
  EXPECT_TRUE(pool.pool_exists("default"));

  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::auth, "535 again"}, now());
  EXPECT_EQ(snap("a").status, AccountStatus::auth_failed);
  EXPECT_EQ(snap("a").counters.faults, 2u);
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(300));

  pool.heartbeat_ok(index_of("a"), now());
  EXPECT_EQ(snap("a").status, AccountStatus::up);
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, HeartbeatFailuresDriveTheBreakerLikeDeliveries) {
  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::unavailable, "timeout"}, now());
  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::unavailable, "timeout"}, now());
  EXPECT_EQ(snap("a").status, AccountStatus::down);
  EXPECT_EQ(snap("a").last_error, "timeout");
  clock.advance(seconds(30));
  pool.heartbeat_ok(index_of("a"), now());  // the probe was a heartbeat
  EXPECT_EQ(snap("a").breaker, BreakerState::closed);
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, HeartbeatQuotaFaultRests) {
  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::quota, "452 4.5.3 slow down"}, now());
  EXPECT_EQ(snap("a").status, AccountStatus::resting);
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(3600));
}

TEST_F(AccountPoolHealthTest, DisabledAccountsAreSkippedAndHaveNoNextChange) {
  EXPECT_TRUE(pool.set_enabled("a", false));
  EXPECT_FALSE(pool.set_enabled("nobody", false));
  EXPECT_EQ(snap("a").status, AccountStatus::disabled);
  EXPECT_EQ(leasable(), (std::set<std::string>{"b"}));
  EXPECT_TRUE(pool.pool_exists("default"));

  // Disabled while resting: the rest time is no reason to look again.
  deliver_via("b", account_fault(AccountFaultKind::quota));
  pool.set_enabled("b", false);
  EXPECT_FALSE(pool.next_change("default", now()));
  EXPECT_FALSE(pool.pool_exists("default"));
  EXPECT_FALSE(pool.lease("default", now()));

  EXPECT_TRUE(pool.set_enabled("a", true));
  EXPECT_EQ(leasable(), (std::set<std::string>{"a"}));
}

TEST_F(AccountPoolHealthTest, EnablingAnAuthFailedAccountPutsItBack) {
  deliver_via("a", account_fault(AccountFaultKind::auth, "535 no"));
  pool.set_enabled("a", true);
  EXPECT_EQ(snap("a").status, AccountStatus::up);
  EXPECT_EQ(leasable(), (std::set<std::string>{"a", "b"}));
}

TEST_F(AccountPoolHealthTest, StatusPrecedenceDisabledAuthRestingDown) {
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  deliver_via("a", account_fault(AccountFaultKind::unavailable));
  EXPECT_EQ(snap("a").status, AccountStatus::down);
  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::quota, "quota"}, now());
  EXPECT_EQ(snap("a").status, AccountStatus::resting);
  pool.heartbeat_failed(index_of("a"), {AccountFaultKind::auth, "auth"}, now());
  EXPECT_EQ(snap("a").status, AccountStatus::auth_failed);
  pool.set_enabled("a", false);
  EXPECT_EQ(snap("a").status, AccountStatus::disabled);
}

TEST_F(AccountPoolHealthTest, NextChangeIsTheEarliestAmongAccountsOut) {
  deliver_via("a", account_fault(AccountFaultKind::quota));  // back in 3600 s
  clock.advance(seconds(10));
  deliver_via("b", account_fault(AccountFaultKind::unavailable));
  deliver_via("b", account_fault(AccountFaultKind::unavailable));  // back in 30 s
  EXPECT_FALSE(pool.lease("default", now()));
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(30));
  clock.advance(seconds(30));
  // b is half-open (available), a still rests.
  EXPECT_EQ(pool.next_change("default", now()), now() + seconds(3600 - 40));
}

TEST(AccountStatusNames, AreStable) {
  EXPECT_STREQ(to_string(AccountStatus::up), "up");
  EXPECT_STREQ(to_string(AccountStatus::down), "down");
  EXPECT_STREQ(to_string(AccountStatus::resting), "resting");
  EXPECT_STREQ(to_string(AccountStatus::auth_failed), "auth_failed");
  EXPECT_STREQ(to_string(AccountStatus::disabled), "disabled");
}

}  // namespace
}  // namespace sluice::pool
