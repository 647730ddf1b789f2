#include "sluice/config/campaign_maps.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::config {
namespace {

const std::string kFile = "/c/campaigns";

struct Parsed {
  std::vector<CampaignSpec> campaigns;
  std::string errors;    // "file:line: message" joined by " | "
  std::string warnings;  // likewise
};

Parsed parse(const std::string& text) {
  auto table = parse_lookup_table(text, kFile);
  auto campaigns = parse_campaign_maps(table.table, kFile);
  Parsed out{std::move(campaigns.campaigns), "", ""};
  table.diagnostics.insert(table.diagnostics.end(), campaigns.diagnostics.begin(),
                           campaigns.diagnostics.end());
  for (const auto& d : table.diagnostics) {
    auto& to = d.error ? out.errors : out.warnings;
    to += (to.empty() ? "" : " | ") + d.to_string();
  }
  return out;
}

CampaignSpec one(const std::string& line) {
  auto parsed = parse(line + "\n");
  EXPECT_EQ(parsed.errors, "") << line;
  EXPECT_EQ(parsed.warnings, "") << line;
  if (parsed.campaigns.size() != 1) {
    ADD_FAILURE() << "no campaign from: " << line;
    return {};
  }
  return parsed.campaigns[0];
}

TEST(CampaignMaps, EveryKey) {
  auto c = one(
      "spring-sale rate=50/s burst=10 group=acme window=09:00-21:00 tz=Europe/Moscow priority=5");
  EXPECT_EQ(c.id, "spring-sale");
  EXPECT_DOUBLE_EQ(c.rate.per_second, 50.0);
  EXPECT_EQ(c.rate.text, "50/s");
  EXPECT_EQ(c.burst, 10u);
  EXPECT_EQ(c.group, "acme");
  EXPECT_EQ(c.window, "09:00-21:00");
  EXPECT_EQ(c.time_zone, "Europe/Moscow");
  EXPECT_EQ(c.priority, 5u);
  EXPECT_EQ(c.file, kFile);
  EXPECT_EQ(c.line, 1);
}

TEST(CampaignMaps, KeysNotGivenMeanTheDefaults) {
  auto c = one("newsletter group=acme");
  EXPECT_TRUE(c.rate.text.empty());  // default_campaign_rate applies
  EXPECT_DOUBLE_EQ(c.rate.per_second, 0.0);
  EXPECT_EQ(c.burst, 0u);
  EXPECT_EQ(c.priority, 1u);
  EXPECT_EQ(c.window, "");                              // default_campaign_window applies
  EXPECT_EQ(c.time_zone, "");                           // default_campaign_time_zone applies
  EXPECT_EQ(one("unthrottled rate=0").rate.text, "0");  // explicit unlimited differs from unset
}

TEST(CampaignMaps, WindowTakesTheWordsUpToTheNextKey) {
  auto c = one("a window=mon-fri 09:00-17:00; sat 10:00-14:00 tz=UTC priority=2");
  EXPECT_EQ(c.window, "mon-fri 09:00-17:00; sat 10:00-14:00");
  EXPECT_EQ(c.time_zone, "UTC");
  EXPECT_EQ(c.priority, 2u);
  EXPECT_EQ(one("a rate=1/s window=mon 01:00-02:00;tue 03:00-04:00").window,
            "mon 01:00-02:00;tue 03:00-04:00");
  // The value may start after "window=", and runs of blanks become one space.
  EXPECT_EQ(one("a window= sat   10:00-14:00").window, "sat 10:00-14:00");
  // A continuation line continues the window too.
  auto parsed = parse("a window=mon-fri 09:00-17:00;\n    sat 10:00-14:00 priority=3\n");
  ASSERT_EQ(parsed.campaigns.size(), 1u) << parsed.errors;
  EXPECT_EQ(parsed.campaigns[0].window, "mon-fri 09:00-17:00; sat 10:00-14:00");
  EXPECT_EQ(parsed.campaigns[0].priority, 3u);
}

TEST(CampaignMaps, TableOrderCommentsAndContinuations) {
  auto parsed = parse(
      "# campaigns\n"
      "b rate=10/m\n"
      "a rate=5/h\n"
      "    group=g\n"
      "\n"
      "c priority=100\n");
  EXPECT_EQ(parsed.errors, "");
  ASSERT_EQ(parsed.campaigns.size(), 3u);
  EXPECT_EQ(parsed.campaigns[0].id, "b");
  EXPECT_EQ(parsed.campaigns[0].line, 2);
  EXPECT_EQ(parsed.campaigns[1].id, "a");
  EXPECT_EQ(parsed.campaigns[1].group, "g");
  EXPECT_EQ(parsed.campaigns[1].line, 3);
  EXPECT_NEAR(parsed.campaigns[1].rate.per_second, 5.0 / 3600, 1e-12);
  EXPECT_EQ(parsed.campaigns[2].priority, 100u);
  EXPECT_EQ(parsed.campaigns[2].line, 6);
}

TEST(CampaignMaps, LastDefinitionWinsWithAWarning) {
  auto parsed = parse("x rate=1/s\ny rate=2/s\nx rate=3/s group=late\n");
  EXPECT_EQ(parsed.errors, "");
  EXPECT_EQ(parsed.warnings,
            kFile + ":3: warning: duplicate key (also on line 1); this later entry wins");
  ASSERT_EQ(parsed.campaigns.size(), 2u);
  EXPECT_EQ(parsed.campaigns[0].id, "x");  // keeps its place
  EXPECT_EQ(parsed.campaigns[0].rate.text, "3/s");
  EXPECT_EQ(parsed.campaigns[0].group, "late");
  EXPECT_EQ(parsed.campaigns[0].line, 3);
}

TEST(CampaignMaps, ErrorsNameFileLineAndCampaign) {
  const auto at = [](int line, const std::string& id, const std::string& why) {
    return kFile + ":" + std::to_string(line) + ": campaign '" + id + "': " + why;
  };
  auto parsed = parse(
      "ok rate=1/s\n"
      "a colour=blue\n"
      "b rate=fast\n"
      "c burst=-1\n"
      "d priority=0\n"
      "e priority=101\n"
      "f group=\n"
      "g window=25:00-26:00\n"
      "h tz=Mars/Olympus Mons\n"
      "i rate=1/s rate=2/s\n"
      "j 10/s\n"
      "k window=\n"
      "l Rate=1/s\n");
  ASSERT_EQ(parsed.campaigns.size(), 1u);  // only the good line
  EXPECT_EQ(parsed.campaigns[0].id, "ok");
  const std::vector<std::string> expected = {
      at(2, "a", "unknown key 'colour' (expected rate, burst, group, priority, window or tz)"),
      at(3, "b", "bad value for rate: 'fast' is not a rate (N/s, N/m or N/h, or 0 for unlimited)"),
      at(4, "c", "bad value for burst: '-1' is not a whole number in 0..4294967295"),
      at(5, "d", "bad value for priority: '0' is out of range 1..100"),
      at(6, "e", "bad value for priority: '101' is out of range 1..100"),
      at(7, "f", "bad value for group: empty group name"),
      at(8, "g",
         "bad value for window: bad window '25:00-26:00': '25:00-26:00' is not a time range "
         "HH:MM-HH:MM"),
      at(9, "h", "expected key=value, got 'Mons'"),
      at(10, "i", "duplicate key 'rate'"),
      at(11, "j", "expected key=value, got '10/s'"),
      at(12, "k", "bad value for window: bad window '': empty (use \"always\" for no limit)"),
      at(13, "l", "unknown key 'Rate' (expected rate, burst, group, priority, window or tz)"),
  };
  std::string joined;
  for (const auto& e : expected) joined += (joined.empty() ? "" : " | ") + e;
  EXPECT_EQ(parsed.errors, joined);
}

TEST(CampaignMaps, EveryProblemOfALineIsReported) {
  auto parsed = parse("a rate=x priority=0 tz=/bad\n");
  EXPECT_TRUE(parsed.campaigns.empty());
  EXPECT_NE(parsed.errors.find("bad value for rate"), std::string::npos) << parsed.errors;
  EXPECT_NE(parsed.errors.find("bad value for priority"), std::string::npos) << parsed.errors;
  EXPECT_NE(parsed.errors.find("bad value for tz"), std::string::npos) << parsed.errors;
}

TEST(CampaignMaps, LineWithoutOptionsIsAnError) {
  auto parsed = parse("lonely\n");
  EXPECT_TRUE(parsed.campaigns.empty());
  EXPECT_EQ(parsed.errors, kFile + ":1: expected 'key value': the value is missing");
}

}  // namespace
}  // namespace sluice::config
