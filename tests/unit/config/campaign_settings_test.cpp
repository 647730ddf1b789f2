// The campaign parameters as the settings loader reads them: defaults, the campaign_maps table
// and its errors at file:line, and the account quota keys through a whole load.
#include <gtest/gtest.h>

#include "sluice/config/settings_loader.h"
#include "temp_dir.h"

namespace sluice::config {
namespace {

using testing::TempDir;

class CampaignSettings : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write("accounts.cf", "dev maildir:md\n"); }

  LoadResult load(const std::string& text) {
    return load_settings(dir_.write("sluice.cf", "myhostname = h\n" + text));
  }

  static std::string errors(const LoadResult& r) {
    std::string out;
    for (const auto& d : r.diagnostics) {
      if (d.error) out += d.to_string() + "\n";
    }
    return out;
  }

  std::string cf() const { return dir_.path() + "/sluice.cf"; }
  TempDir dir_;
};

TEST_F(CampaignSettings, Defaults) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(r.settings->default_campaign_window, "always");
  EXPECT_EQ(r.settings->default_campaign_time_zone, "UTC");
  EXPECT_EQ(r.settings->default_campaign_rate.text, "0");
  EXPECT_TRUE(r.settings->campaigns.empty());
  EXPECT_EQ(r.settings->accounts.at(0).quota_mode, QuotaMode::rolling);
  EXPECT_EQ(r.settings->accounts.at(0).time_zone, "UTC");
}

TEST_F(CampaignSettings, EveryCampaignParameterIsRead) {
  dir_.write("campaigns",
             "spring-sale rate=50/s burst=10 group=acme window=09:00-21:00 tz=Europe/Moscow "
             "priority=5\n"
             "weekly window=mon-fri 09:00-17:00; sat 10:00-14:00\n");
  dir_.write("accounts.cf", "dev maildir:md daily_limit=500 quota_mode=calendar tz=Asia/Tokyo\n");
  auto r = load(
      "default_campaign_rate = 20/m\n"
      "default_campaign_window = mon-fri 08:00-20:00\n"
      "default_campaign_time_zone = America/New_York\n"
      "campaign_maps = texthash:campaigns\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.default_campaign_rate.text, "20/m");
  EXPECT_EQ(s.default_campaign_window, "mon-fri 08:00-20:00");
  EXPECT_EQ(s.default_campaign_time_zone, "America/New_York");
  ASSERT_EQ(s.campaigns.size(), 2u);
  EXPECT_EQ(s.campaigns[0].id, "spring-sale");
  EXPECT_EQ(s.campaigns[0].rate.text, "50/s");
  EXPECT_EQ(s.campaigns[0].burst, 10u);
  EXPECT_EQ(s.campaigns[0].group, "acme");
  EXPECT_EQ(s.campaigns[0].window, "09:00-21:00");
  EXPECT_EQ(s.campaigns[0].time_zone, "Europe/Moscow");
  EXPECT_EQ(s.campaigns[0].priority, 5u);
  EXPECT_EQ(s.campaigns[0].file, dir_.path() + "/campaigns");
  EXPECT_EQ(s.campaigns[1].window, "mon-fri 09:00-17:00; sat 10:00-14:00");
  EXPECT_EQ(s.campaigns[1].time_zone, "");
  EXPECT_EQ(s.accounts.at(0).quota_mode, QuotaMode::calendar);
  EXPECT_EQ(s.accounts.at(0).time_zone, "Asia/Tokyo");
}

TEST_F(CampaignSettings, LastDefinitionOfAParameterWins) {
  auto r = load("default_campaign_window = 09:00-10:00\ndefault_campaign_window = always\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(r.settings->default_campaign_window, "always");
}

TEST_F(CampaignSettings, BadDefaultsNameTheLine) {
  auto r = load(
      "default_campaign_window = 9 to 5\n"
      "default_campaign_time_zone = Europe/\n"
      "default_campaign_rate = quick\n");
  EXPECT_FALSE(r.ok());
  const std::string e = errors(r);
  EXPECT_NE(e.find(cf() + ":2: bad value for default_campaign_window: bad window '9 to 5': '9' "
                          "is not a day (mon..sun) or range of days (mon-fri)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(cf() + ":3: bad value for default_campaign_time_zone: bad time zone "
                          "'Europe/': expected a name like Europe/Moscow"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(cf() + ":4: bad value for default_campaign_rate: 'quick' is not a rate"),
            std::string::npos)
      << e;
  auto empty = load("default_campaign_window =\n");
  EXPECT_NE(errors(empty).find(cf() + ":2: bad value for default_campaign_window: bad window '': "
                                      "empty"),
            std::string::npos)
      << errors(empty);
}

TEST_F(CampaignSettings, TableErrorsNameTheTableLineAndFailTheLoad) {
  dir_.write("campaigns", "good rate=1/s\nbad priority=500\n");
  auto r = load("campaign_maps = campaigns\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errors(r), dir_.path() +
                           "/campaigns:2: campaign 'bad': bad value for priority: '500' is out of "
                           "range 1..100\n");
}

TEST_F(CampaignSettings, MissingOrUnsupportedTableNamesTheParameterLine) {
  auto missing = load("campaign_maps = texthash:nope\n");
  EXPECT_NE(
      errors(missing).find(cf() + ":2: cannot read campaign_maps table '" + dir_.path() + "/nope'"),
      std::string::npos)
      << errors(missing);
  auto type = load("campaign_maps = lmdb:/etc/campaigns\n");
  EXPECT_NE(errors(type).find(cf() + ":2: bad value for campaign_maps: unsupported table type"),
            std::string::npos)
      << errors(type);
}

TEST_F(CampaignSettings, TableMayUseParameterExpansion) {
  dir_.write("maps/campaigns", "x rate=1/s\n");
  auto r = load("campaign_maps = texthash:$config_directory/maps/campaigns\n");
  ASSERT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.settings->campaigns.size(), 1u);
  EXPECT_EQ(r.settings->campaigns[0].file, dir_.path() + "/maps/campaigns");
}

}  // namespace
}  // namespace sluice::config
