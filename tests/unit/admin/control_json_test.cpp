#include "sluice/admin/control_json.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace sluice::admin {
namespace {

using scheduler::ControlAction;
using scheduler::ControlTarget;

TEST(ControlJson, TargetAndActionNames) {
  EXPECT_EQ(target_name(ControlTarget::campaign), "campaign");
  EXPECT_EQ(target_name(ControlTarget::group), "group");
  EXPECT_EQ(target_name(ControlTarget::account), "account");
  for (auto t : {ControlTarget::campaign, ControlTarget::group, ControlTarget::account}) {
    EXPECT_EQ(parse_target(target_name(t)), t);
  }
  EXPECT_FALSE(parse_target("Campaign").has_value());
  EXPECT_FALSE(parse_target("").has_value());
  EXPECT_EQ(action_name(ControlAction::set_rate), "set_rate");
  EXPECT_EQ(action_name(ControlAction::pause), "pause");
  EXPECT_EQ(action_name(ControlAction::resume), "resume");
  EXPECT_EQ(action_name(ControlAction::cancel), "cancel");
  EXPECT_EQ(action_name(ControlAction::set_limits), "set_limits");
  EXPECT_EQ(action_name(ControlAction::disable), "disable");
  EXPECT_EQ(action_name(ControlAction::enable), "enable");
}

TEST(ControlJson, CampaignStatePrecedence) {
  scheduler::CampaignView c;
  EXPECT_EQ(campaign_state(c), "running");
  c.in_window = false;
  EXPECT_EQ(campaign_state(c), "out-of-window");
  c.group_paused = true;
  EXPECT_EQ(campaign_state(c), "group-paused");
  c.paused = true;
  EXPECT_EQ(campaign_state(c), "paused");
  c.group_paused = false;
  c.in_window = true;
  EXPECT_EQ(campaign_state(c), "paused");
}

TEST(ControlJson, AuditEntryHasEveryField) {
  scheduler::AuditEntry e;
  e.time = SystemTime(std::chrono::seconds(1'764'584'400));
  e.actor = "ops";
  e.client = "[::1]:5000";
  e.target = ControlTarget::account;
  e.name = "ses";
  e.action = ControlAction::disable;
  e.old_value = "enabled=yes";
  e.new_value = "enabled=no";
  e.reason = "bounces \"spiking\"";
  EXPECT_EQ(boost::json::serialize(to_json(e)),
            R"({"time":"2025-12-01T10:20:00Z","actor":"ops","client":"[::1]:5000",)"
            R"("target":"account","name":"ses","action":"disable","old_value":"enabled=yes",)"
            R"("new_value":"enabled=no","reason":"bounces \"spiking\""})");
}

TEST(ControlJson, CampaignWithoutExpiryHasNull) {
  scheduler::CampaignView c;
  c.id = "x";
  auto o = to_json(c);
  EXPECT_TRUE(o.at("rate_expires").is_null());
  EXPECT_EQ(o.at("state").as_string(), "running");
  EXPECT_EQ(o.at("priority").to_number<int>(), 1);
  EXPECT_EQ(o.size(), 15u);  // every CampaignView field plus state
}

}  // namespace
}  // namespace sluice::admin
