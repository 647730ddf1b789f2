#include <gtest/gtest.h>

#include "config/parameters.h"
#include "sluice/config/settings_loader.h"
#include "temp_dir.h"

namespace sluice::config {
namespace {

using testing::TempDir;

const ParameterLine* find(const std::vector<ParameterLine>& lines, const std::string& name) {
  for (const auto& l : lines) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

class EffectiveParameters : public ::testing::Test {
 protected:
  std::vector<ParameterLine> run(const std::string& text, const Overrides& overrides,
                                 bool non_default_only) {
    diagnostics_.clear();
    return effective_parameters(dir_.write("sluice.cf", text), overrides, non_default_only,
                                diagnostics_);
  }
  TempDir dir_;
  std::vector<Diagnostic> diagnostics_;
};

TEST_F(EffectiveParameters, AllParametersSortedWithExpandedDefaults) {
  auto lines = run("myhostname = relay.test\n", {}, false);
  ASSERT_EQ(lines.size(), parameter_registry().size());
  for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_LT(lines[i - 1].name, lines[i].name);
  EXPECT_EQ(find(lines, "smtpd_banner")->value, "relay.test ESMTP sluice");
  EXPECT_TRUE(find(lines, "smtpd_banner")->is_default);
  EXPECT_FALSE(find(lines, "myhostname")->is_default);
  EXPECT_EQ(find(lines, "message_size_limit")->value, "10240000");
  EXPECT_EQ(find(lines, "upstream_accounts")->value, dir_.path() + "/accounts.cf");
  EXPECT_EQ(find(lines, "config_directory")->value, dir_.path());
  EXPECT_EQ(find(lines, "admin_tokens")->value, "");  // empty secrets show as empty
  EXPECT_TRUE(diagnostics_.empty());
}

TEST_F(EffectiveParameters, NonDefaultOnlyListsFileAndOverrides) {
  auto lines = run("smtpd_timeout = 60s\nunknown_x = 1\n", {{"io_threads", "4"}}, true);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].name, "io_threads");
  EXPECT_EQ(lines[0].value, "4");
  EXPECT_EQ(lines[1].name, "smtpd_timeout");
  EXPECT_EQ(lines[1].value, "60s");
  EXPECT_FALSE(lines[1].is_default);
  ASSERT_EQ(diagnostics_.size(), 1u);  // the unknown parameter
  EXPECT_FALSE(diagnostics_[0].error);
}

TEST_F(EffectiveParameters, SecretsAreHidden) {
  auto lines = run("admin_tokens = texthash:/some/where\nsmtp_sasl_password_maps = p\n",
                   {{"smtpd_sasl_password_maps", "q"}}, true);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) EXPECT_EQ(l.value, "(hidden)") << l.name;
  for (const auto& p : parameter_registry()) {
    if (!p.is_secret) continue;
    auto all = run(std::string(p.name) + " = visible-secret\n", {}, false);
    EXPECT_EQ(find(all, std::string(p.name))->value, "(hidden)");
  }
}

TEST_F(EffectiveParameters, ReportsExpansionProblems) {
  auto lines = run("smtpd_banner = $smtpd_banner\n", {}, true);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value, "$smtpd_banner");  // shown raw when it cannot be expanded
  ASSERT_EQ(diagnostics_.size(), 1u);
  EXPECT_TRUE(diagnostics_[0].error);
  EXPECT_EQ(diagnostics_[0].line, 1);
}

TEST_F(EffectiveParameters, MissingFile) {
  auto lines = effective_parameters(dir_.path() + "/absent.cf", {}, false, diagnostics_);
  EXPECT_TRUE(lines.empty());
  ASSERT_EQ(diagnostics_.size(), 1u);
  EXPECT_TRUE(diagnostics_[0].error);
}

}  // namespace
}  // namespace sluice::config
