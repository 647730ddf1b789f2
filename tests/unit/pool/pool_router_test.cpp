#include "sluice/pool/pool_router.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "manual_clock.h"
#include "pool_test_support.h"

namespace sluice::pool {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class NullTransport final : public delivery::Transport {
 public:
  void deliver(delivery::DeliveryRequest, Done) override {}
};

config::AccountSpec account(std::string name, std::string pool, std::uint32_t slots = 1) {
  config::AccountSpec spec;
  spec.name = std::move(name);
  spec.pool = std::move(pool);
  spec.host = "127.0.0.1";
  spec.max_connections = slots;
  return spec;
}

delivery::DeliveryResult refused() {
  delivery::DeliveryResult result;
  result.recipients.push_back({"a@x", delivery::RecipientOutcome::deferred, "451 4.4.1 refused", true});
  result.fault = delivery::AccountFault{delivery::AccountFaultKind::unavailable, "refused"};
  return result;
}

class PoolRouterTest : public ::testing::Test {
 protected:
  PoolRouterTest()
      : pool({account("shop-a", "shop"), account("crm-a", "crm")}, policy()),
        router(pool, routing(), {&shop, &crm}, seconds(30)) {}
  static PoolPolicy policy() {
    PoolPolicy p;
    p.breaker.failure_threshold = 1;
    p.breaker.cool_down = seconds(10);
    return p;
  }
  static SenderRouting routing() {
    config::LookupTable table;
    table.put({"@shop.example", "shop", 1});
    table.put({"@crm.example", "crm", 2});
    return SenderRouting(std::move(table));
  }
  static queue::QueuedMessage from(std::string sender) {
    queue::QueuedMessage m;
    m.sender = std::move(sender);
    return m;
  }

  testing::ManualClock clock;
  NullTransport shop, crm;
  AccountPool pool;
  PoolRouter router;
};

TEST_F(PoolRouterTest, RoutesBySenderToThePoolsTransport) {
  auto choice = router.pick(from("app@crm.example"), {}, clock.now());
  ASSERT_TRUE(choice.route);
  EXPECT_EQ(choice.route->account_name, "crm-a");
  EXPECT_EQ(choice.route->transport, &crm);
}

TEST_F(PoolRouterTest, AFullAccountMeansBusyNotUnavailable) {
  auto first = router.pick(from("app@shop.example"), {}, clock.now());
  ASSERT_TRUE(first.route);
  auto second = router.pick(from("app@shop.example"), {}, clock.now());
  EXPECT_FALSE(second.route);
  EXPECT_EQ(second.reason, scheduler::NoRouteReason::busy);
  router.finished(*first.route, {}, clock.now());
  EXPECT_TRUE(router.pick(from("app@shop.example"), {}, clock.now()).route);
}

TEST_F(PoolRouterTest, AnOpenBreakerMakesThePoolUnavailableUntilItsCoolDown) {
  auto first = router.pick(from("app@shop.example"), {}, clock.now());
  ASSERT_TRUE(first.route);
  router.finished(*first.route, refused(), clock.now());
  auto next = router.pick(from("app@shop.example"), {}, clock.now());
  EXPECT_FALSE(next.route);
  EXPECT_EQ(next.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_EQ(next.retry_at, clock.now() + seconds(10));
  EXPECT_NE(next.why.find("shop"), std::string::npos);
  // The crm pool is not affected.
  EXPECT_TRUE(router.pick(from("app@crm.example"), {}, clock.now()).route);
}

TEST_F(PoolRouterTest, TriedAccountsAreSkippedAndThenNothingSaysWhen) {
  auto choice = router.pick(from("app@shop.example"), {"shop-a"}, clock.now());
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_EQ(choice.retry_at, clock.now() + seconds(30));
}

TEST_F(PoolRouterTest, APoolWithoutAccountsSaysSo) {
  auto choice = router.pick(from("app@elsewhere.example"), {}, clock.now());  // pool "default"
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_EQ(choice.why, "pool 'default' has no account");
}

// The router over a pool whose capacity is an AccountThrottle: rates make accounts busy for a
// while, quotas make them unavailable until there is room, and each lease is charged.
class ThrottledPoolRouterTest : public ::testing::Test {
 protected:
  static config::AccountSpec throttled(std::string name, double rate, std::uint32_t hourly,
                                       std::uint32_t slots = 10) {
    auto spec = account(std::move(name), "shop", slots);
    spec.rate.per_second = rate;
    spec.rate.text = rate > 0 ? std::to_string(static_cast<int>(rate)) + "/s" : "";
    spec.burst = rate > 0 ? 1 : 0;
    spec.hourly_limit = hourly;
    return spec;
  }
  static PoolPolicy policy() {
    PoolPolicy p;
    p.breaker.failure_threshold = 5;  // single faults here must not open the breaker
    p.breaker.cool_down = seconds(10);
    return p;
  }
  static SenderRouting routing() {
    config::LookupTable table;
    table.put({"@shop.example", "shop", 1});
    return SenderRouting(std::move(table));
  }
  static queue::QueuedMessage shop_mail() {
    queue::QueuedMessage m;
    m.sender = "app@shop.example";
    return m;
  }
  // Builds the throttle, the pool charging it and the router over both.
  void build(std::vector<config::AccountSpec> accounts) {
    auto made = AccountThrottle::create(accounts, clock.now());
    ASSERT_TRUE(made) << made.error().message;
    throttle = std::make_unique<AccountThrottle>(std::move(made).value());
    pool = std::make_unique<AccountPool>(accounts, policy(), throttle.get());
    std::vector<delivery::Transport*> transports(accounts.size(), &transport);
    router =
        std::make_unique<PoolRouter>(*pool, routing(), transports, seconds(30), throttle.get());
  }
  scheduler::RouteChoice pick(const std::unordered_set<std::string>& tried = {}) {
    return router->pick(shop_mail(), tried, clock.now());
  }
  // Picks a route and finishes it at once with `result`.
  std::string send(const delivery::DeliveryResult& result = test::delivered()) {
    auto choice = pick();
    if (!choice.route) return "";
    router->finished(*choice.route, result, clock.now());
    return choice.route->account_name;
  }
  std::uint32_t used_hour(const std::string& name) {
    return throttle->view(name, clock.now())->used_hour;
  }

  testing::ManualClock clock;
  NullTransport transport;
  std::unique_ptr<AccountThrottle> throttle;
  std::unique_ptr<AccountPool> pool;
  std::unique_ptr<PoolRouter> router;
};

TEST_F(ThrottledPoolRouterTest, ARateLimitedAccountIsBusyUntilItsNextToken) {
  build({throttled("shop-a", 2, 0)});
  ASSERT_EQ(send(), "shop-a");
  auto choice = pick();
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::busy);  // waits in memory, no write
  EXPECT_EQ(choice.retry_at, clock.now() + milliseconds(500));
  clock.advance(milliseconds(500));
  EXPECT_EQ(send(), "shop-a");
}

TEST_F(ThrottledPoolRouterTest, TheEarliestTokenOfThePoolIsTheRetryTime) {
  build({throttled("slow", 1, 0), throttled("fast", 4, 0)});
  std::set<std::string> used{send(), send()};
  EXPECT_EQ(used, (std::set<std::string>{"slow", "fast"}));
  auto choice = pick();
  ASSERT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::busy);
  EXPECT_EQ(choice.retry_at, clock.now() + milliseconds(250));
  clock.advance(milliseconds(250));
  EXPECT_EQ(send(), "fast");
}

TEST_F(ThrottledPoolRouterTest, TheRouteCarriesTheLedgerToPersistBeforeSending) {
  build({throttled("shop-a", 0, 5)});
  for (std::uint32_t i = 1; i <= 2; ++i) {
    auto choice = pick();
    ASSERT_TRUE(choice.route);
    EXPECT_EQ(choice.route->taken_at, clock.now());
    ASSERT_TRUE(choice.route->state_write);
    EXPECT_EQ(choice.route->state_write->first, "quota/shop-a");
    auto ledger = scheduler::QuotaLedger::deserialize(
        choice.route->state_write->second, {5, 0, scheduler::QuotaMode::rolling, nullptr});
    ASSERT_TRUE(ledger) << ledger.error().message;
    EXPECT_EQ(ledger->used_hour(clock.now()), i);
    router->finished(*choice.route, test::delivered(), clock.now());
  }
}

TEST_F(ThrottledPoolRouterTest, AnAccountWithoutAQuotaHasNothingToPersist) {
  build({throttled("shop-a", 5, 0)});
  auto choice = pick();
  ASSERT_TRUE(choice.route);
  EXPECT_FALSE(choice.route->state_write);
}

TEST_F(ThrottledPoolRouterTest, OutOfQuotaIsUnavailableUntilThereIsRoom) {
  // Its bucket is empty too right after each send: the quota, not the rate, decides.
  build({throttled("shop-a", 1, 2)});
  const auto first = clock.now();
  ASSERT_EQ(send(), "shop-a");
  clock.advance(minutes(5));
  ASSERT_EQ(send(), "shop-a");
  auto choice = pick();
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  // The first send leaves the rolling hour within the minute after it is an hour old.
  EXPECT_EQ(choice.retry_at, std::chrono::floor<minutes>(first) + minutes(61));
  EXPECT_NE(choice.why.find("used its quota"), std::string::npos) << choice.why;
  EXPECT_NE(choice.why.find("'shop'"), std::string::npos) << choice.why;

  clock.set(choice.retry_at);
  EXPECT_EQ(send(), "shop-a");
}

TEST_F(ThrottledPoolRouterTest, AnExhaustedAccountLeavesTheOthersToCarryThePool) {
  build({throttled("small", 0, 1), throttled("big", 0, 100)});
  std::map<std::string, int> sent;
  for (int i = 0; i < 10; ++i) ++sent[send()];
  EXPECT_EQ(sent["small"], 1);
  EXPECT_EQ(sent["big"], 9);
  EXPECT_EQ(used_hour("small"), 1u);
  EXPECT_EQ(used_hour("big"), 9u);
}

TEST_F(ThrottledPoolRouterTest, TheEarliestRoomOfThePoolIsTheRetryTime) {
  build({throttled("early", 0, 1), throttled("late", 0, 1)});
  const auto first = clock.now();
  ASSERT_FALSE(send().empty());
  clock.advance(minutes(10));
  ASSERT_FALSE(send().empty());
  auto choice = pick();
  ASSERT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_EQ(choice.retry_at, std::chrono::floor<minutes>(first) + minutes(61));
}

TEST_F(ThrottledPoolRouterTest, ATriedAccountsQuotaDoesNotDecideTheRetryTime) {
  build({throttled("tried", 0, 1), throttled("other", 0, 0)});
  ASSERT_EQ(send(), "tried");  // now out of quota
  ASSERT_TRUE(pool->set_enabled("other", false));
  // Untried, the pool waits for the quota.
  auto waiting = pick();
  EXPECT_EQ(waiting.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_NE(waiting.why.find("used its quota"), std::string::npos);
  // Once "tried" failed this message, its quota says nothing about when it may go.
  auto choice = pick({"tried"});
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_EQ(choice.retry_at, clock.now() + seconds(30));
  EXPECT_EQ(choice.why, "no account of pool 'shop' can take mail now");
}

TEST_F(ThrottledPoolRouterTest, AnAccountInUseKeepsThePoolBusyWhileTheOtherIsOutOfQuota) {
  build({throttled("spent", 0, 1), throttled("single", 0, 0, 1)});
  ASSERT_EQ(send(), "spent");
  auto held = pick();
  ASSERT_TRUE(held.route);
  ASSERT_EQ(held.route->account_name, "single");
  auto choice = pick();
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::busy);  // "single" frees its slot soon
  router->finished(*held.route, test::delivered(), clock.now());
  EXPECT_EQ(send(), "single");
}

TEST_F(ThrottledPoolRouterTest, AnUnjudgedDeliveryGivesTheQuotaBack) {
  build({throttled("shop-a", 0, 1)});
  EXPECT_EQ(send(test::account_fault(delivery::AccountFaultKind::unavailable)), "shop-a");
  EXPECT_EQ(used_hour("shop-a"), 0u);
  EXPECT_EQ(send(delivery::DeliveryResult{}), "shop-a");  // an unused lease, likewise
  EXPECT_EQ(used_hour("shop-a"), 0u);
  EXPECT_EQ(send(), "shop-a");
  EXPECT_EQ(used_hour("shop-a"), 1u);
  EXPECT_FALSE(pick().route);
}

TEST_F(ThrottledPoolRouterTest, APartlyJudgedDeliveryKeepsTheQuotaSpent) {
  build({throttled("shop-a", 0, 2)});
  auto partly = test::delivered(1);
  partly.recipients.push_back({"b@x", delivery::RecipientOutcome::deferred, "421 4.7.0 bye", true});
  partly.fault = delivery::AccountFault{delivery::AccountFaultKind::unavailable, "421 4.7.0 bye"};
  EXPECT_EQ(send(partly), "shop-a");
  EXPECT_EQ(used_hour("shop-a"), 1u);
}

TEST_F(ThrottledPoolRouterTest, AGiveBackAfterTheClockMovedOnReturnsTheRightMinute) {
  build({throttled("shop-a", 0, 1)});
  auto choice = pick();
  ASSERT_TRUE(choice.route);
  clock.advance(minutes(3));  // the delivery took a while: taken_at, not now, is returned
  router->finished(*choice.route, test::account_fault(delivery::AccountFaultKind::unavailable),
                   clock.now());
  EXPECT_EQ(used_hour("shop-a"), 0u);
  EXPECT_EQ(send(), "shop-a");
}

TEST_F(ThrottledPoolRouterTest, RaisingTheQuotaAtRunTimeLetsMailFlowAgain) {
  build({throttled("shop-a", 0, 1)});
  ASSERT_EQ(send(), "shop-a");
  ASSERT_EQ(pick().reason, scheduler::NoRouteReason::unavailable);
  AccountLimits limits;
  limits.hourly_limit = 3;
  ASSERT_TRUE(throttle->set_limits("shop-a", limits, clock.now()));
  EXPECT_EQ(send(), "shop-a");
  EXPECT_EQ(send(), "shop-a");
  EXPECT_EQ(pick().reason, scheduler::NoRouteReason::unavailable);
}

TEST_F(ThrottledPoolRouterTest, ARestoredLedgerStillCountsAfterARestart) {
  build({throttled("shop-a", 0, 2)});
  std::string saved;
  for (int i = 0; i < 2; ++i) {
    auto choice = pick();
    ASSERT_TRUE(choice.route && choice.route->state_write);
    saved = choice.route->state_write->second;
    router->finished(*choice.route, test::delivered(), clock.now());
  }
  clock.advance(minutes(1));
  build({throttled("shop-a", 0, 2)});  // a restart: new throttle, pool and router
  ASSERT_TRUE(pick().route);
  build({throttled("shop-a", 0, 2)});
  ASSERT_TRUE(throttle->restore("shop-a", saved));
  auto choice = pick();
  EXPECT_FALSE(choice.route);
  EXPECT_EQ(choice.reason, scheduler::NoRouteReason::unavailable);
  EXPECT_NE(choice.why.find("used its quota"), std::string::npos);
}

}  // namespace
}  // namespace sluice::pool
