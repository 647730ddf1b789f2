#include "sluice/pool/sender_routing.h"

#include <gtest/gtest.h>

namespace sluice::pool {
namespace {

SenderRouting routing(std::string_view text) {
  auto parsed = config::parse_lookup_table(text, "sender_pool_maps");
  EXPECT_TRUE(parsed.diagnostics.empty());
  return SenderRouting(std::move(parsed.table));
}

TEST(SenderRouting, EmptyTableSendsEverythingToDefault) {
  SenderRouting r;
  EXPECT_EQ(r.pool_for("a@shop.example", ""), "default");
  EXPECT_EQ(r.pool_for("", ""), "default");
  EXPECT_EQ(r.pool_for("a@shop.example", "promo"), "default");
}

TEST(SenderRouting, FullAddressBeatsDomain) {
  auto r = routing("@shop.example shop\nbilling@shop.example billing\n");
  EXPECT_EQ(r.pool_for("billing@shop.example", ""), "billing");
  EXPECT_EQ(r.pool_for("news@shop.example", ""), "shop");
  EXPECT_EQ(r.pool_for("a@other.example", ""), "default");
}

TEST(SenderRouting, MatchesCaseInsensitively) {
  auto r = routing("Billing@Shop.Example billing\n@shop.example shop\n");
  EXPECT_EQ(r.pool_for("BILLING@shop.EXAMPLE", ""), "billing");
  EXPECT_EQ(r.pool_for("x@SHOP.example", ""), "shop");
}

TEST(SenderRouting, CampaignGroupWinsOverTheSender) {
  auto r = routing("group:promo bulk\nbilling@shop.example billing\n");
  EXPECT_EQ(r.pool_for("billing@shop.example", "promo"), "bulk");
  EXPECT_EQ(r.pool_for("billing@shop.example", "PROMO"), "bulk");
  // An unmapped group falls back to the sender's pool.
  EXPECT_EQ(r.pool_for("billing@shop.example", "other"), "billing");
  EXPECT_EQ(r.pool_for("billing@shop.example", ""), "billing");
}

TEST(SenderRouting, EmptyGroupNeverLooksUpTheBareGroupKey) {
  auto r = routing("group: oops\n");
  EXPECT_EQ(r.pool_for("a@b.example", ""), "default");
}

TEST(SenderRouting, NullSenderHasItsOwnKey) {
  auto r = routing("<> bounces\n@shop.example shop\n");
  EXPECT_EQ(r.pool_for("", ""), "bounces");
  EXPECT_EQ(r.pool_for("a@shop.example", ""), "shop");
}

TEST(SenderRouting, NullSenderWithoutItsKeyUsesDefaultNotADomain) {
  auto r = routing("@ shop\n@shop.example shop\n");
  EXPECT_EQ(r.pool_for("", ""), "default");
}

TEST(SenderRouting, SenderWithoutDomainMatchesOnlyInFull) {
  auto r = routing("postmaster local\n");
  EXPECT_EQ(r.pool_for("postmaster", ""), "local");
  EXPECT_EQ(r.pool_for("other", ""), "default");
}

TEST(SenderRouting, DomainIsAfterTheLastAt) {
  auto r = routing("@shop.example shop\n");
  EXPECT_EQ(r.pool_for("\"a@b\"@shop.example", ""), "shop");
}

TEST(SenderRouting, ValueIsItsFirstWord) {
  auto r = routing("@shop.example   shop extra words\n");
  EXPECT_EQ(r.pool_for("a@shop.example", ""), "shop");
}

}  // namespace
}  // namespace sluice::pool
