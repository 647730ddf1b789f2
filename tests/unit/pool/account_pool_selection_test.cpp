// Which account a lease picks: pools, weights (smooth weighted round-robin), connection slots,
// exclusions and the capacity seam.
#include <gtest/gtest.h>

#include <map>

#include "manual_clock.h"
#include "pool_test_support.h"
#include "sluice/pool/account_pool.h"

namespace sluice::pool {
namespace {

using test::delivered;
using test::smtp_account;

std::map<std::string, int> lease_many(AccountPool& pool, int n, SystemTime now,
                                      bool give_back = true) {
  std::map<std::string, int> picks;
  for (int i = 0; i < n; ++i) {
    auto lease = pool.lease("default", now);
    if (!lease) break;
    ++picks[lease->name];
    if (give_back) pool.release(*lease, delivered(), now);
  }
  return picks;
}

TEST(AccountPoolSelection, WeightsGiveTheirShareWithin1Percent) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 3), smtp_account("b", 2), smtp_account("c", 1)}, {});
  auto picks = lease_many(pool, 6000, clock.now());
  EXPECT_NEAR(picks["a"], 3000, 60);
  EXPECT_NEAR(picks["b"], 2000, 40);
  EXPECT_NEAR(picks["c"], 1000, 20);
  EXPECT_EQ(picks["a"] + picks["b"] + picks["c"], 6000);
}

TEST(AccountPoolSelection, SmoothRoundRobinInterleavesRatherThanBursts) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 5), smtp_account("b", 1), smtp_account("c", 1)}, {});
  std::string order;
  for (int i = 0; i < 7; ++i) {
    auto lease = pool.lease("default", clock.now());
    ASSERT_TRUE(lease);
    order += lease->name;
    pool.release(*lease, delivered(), clock.now());
  }
  EXPECT_EQ(order, "aabacaa");  // nginx's documented sequence for 5/1/1
}

TEST(AccountPoolSelection, OnlyAccountsOfTheRequestedPool) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 1, "shop"), smtp_account("b", 1, "bulk")}, {});
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.lease("bulk", clock.now());
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease->name, "b");
    EXPECT_EQ(lease->account, 1u);
    pool.release(*lease, delivered(), clock.now());
  }
  EXPECT_FALSE(pool.lease("nowhere", clock.now()));
  EXPECT_FALSE(pool.pool_exists("nowhere"));
  EXPECT_TRUE(pool.pool_exists("shop"));
}

TEST(AccountPoolSelection, FullAccountIsSkippedAndOthersKeepTheirShares) {
  testing::ManualClock clock;
  // "a" has one connection slot and keeps it busy; "b" and "c" share the rest 2:1.
  AccountPool pool(
      {smtp_account("a", 10, "default", 1), smtp_account("b", 2), smtp_account("c", 1)}, {});
  auto held = pool.lease("default", clock.now());
  ASSERT_TRUE(held);
  ASSERT_EQ(held->name, "a");
  auto picks = lease_many(pool, 3000, clock.now());
  EXPECT_EQ(picks.count("a"), 0u);
  EXPECT_NEAR(picks["b"], 2000, 20);
  EXPECT_NEAR(picks["c"], 1000, 10);

  // Once free again, "a" takes its share without a catch-up burst.
  pool.release(*held, delivered(), clock.now());
  picks = lease_many(pool, 1300, clock.now());
  EXPECT_NEAR(picks["a"], 1000, 10);
  EXPECT_NEAR(picks["b"], 200, 4);
  EXPECT_NEAR(picks["c"], 100, 4);
}

TEST(AccountPoolSelection, MaxConnectionsBoundsConcurrentLeases) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 1, "default", 2), smtp_account("b", 1, "default", 1)}, {});
  auto picks = lease_many(pool, 10, clock.now(), /*give_back=*/false);
  EXPECT_EQ(picks["a"], 2);
  EXPECT_EQ(picks["b"], 1);
  EXPECT_FALSE(pool.lease("default", clock.now()));
  auto snap = pool.snapshot(clock.now());
  EXPECT_EQ(snap[0].in_flight, 2u);
  EXPECT_EQ(snap[0].max_connections, 2u);
  // A full pool is not "out" on the clock: it changes when a lease comes back.
  EXPECT_FALSE(pool.next_change("default", clock.now()));
}

TEST(AccountPoolSelection, ReleaseFreesTheSlot) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 1, "default", 1)}, {});
  auto lease = pool.lease("default", clock.now());
  ASSERT_TRUE(lease);
  EXPECT_FALSE(pool.lease("default", clock.now()));
  pool.release(*lease, delivered(), clock.now());
  EXPECT_TRUE(pool.lease("default", clock.now()));
}

TEST(AccountPoolSelection, ExcludedAccountsAreNotPicked) {
  testing::ManualClock clock;
  AccountPool pool({smtp_account("a", 100), smtp_account("b", 1), smtp_account("c", 1)}, {});
  for (int i = 0; i < 20; ++i) {
    auto lease = pool.lease("default", clock.now(), {"a", "c"});
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease->name, "b");
    pool.release(*lease, delivered(), clock.now());
  }
  EXPECT_FALSE(pool.lease("default", clock.now(), {"a", "b", "c"}));
}

class RefuseNamed : public CapacityPolicy {
 public:
  explicit RefuseNamed(std::string name) : name_(std::move(name)) {}
  bool has_capacity(const config::AccountSpec& account, SystemTime now) override {
    last_now = now;
    ++calls;
    return account.name != name_;
  }
  SystemTime last_now{};
  int calls = 0;

 private:
  std::string name_;
};

TEST(AccountPoolSelection, CapacityPolicyCanRefuseAnAccount) {
  testing::ManualClock clock;
  RefuseNamed policy("a");
  AccountPool pool({smtp_account("a", 5), smtp_account("b", 1)}, {}, &policy);
  for (int i = 0; i < 10; ++i) {
    auto lease = pool.lease("default", clock.now());
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease->name, "b");
    pool.release(*lease, delivered(), clock.now());
  }
  EXPECT_GE(policy.calls, 10);
  EXPECT_EQ(policy.last_now, clock.now());
}

TEST(AccountPoolSelection, MaildirAccountsAreOrdinaryAccounts) {
  testing::ManualClock clock;
  config::AccountSpec dev;
  dev.name = "dev";
  dev.kind = config::EndpointKind::maildir;
  dev.maildir_path = "/var/tmp/maildir";
  auto smtp = smtp_account("up");
  smtp.host = "2001:db8::1";
  AccountPool pool({dev, smtp}, {});
  auto lease = pool.lease("default", clock.now());
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->name, "dev");
  EXPECT_EQ(pool.spec(lease->account).maildir_path, "/var/tmp/maildir");
  auto snap = pool.snapshot(clock.now());
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].endpoint, "maildir:/var/tmp/maildir");
  EXPECT_EQ(snap[1].endpoint, "[2001:db8::1]:587");
  EXPECT_EQ(pool.size(), 2u);
}

}  // namespace
}  // namespace sluice::pool
