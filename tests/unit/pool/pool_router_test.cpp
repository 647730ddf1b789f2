#include "sluice/pool/pool_router.h"

#include <gtest/gtest.h>

#include "manual_clock.h"

namespace sluice::pool {
namespace {

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

}  // namespace
}  // namespace sluice::pool
