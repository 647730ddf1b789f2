// Loads the configuration shipped in conf/ (what ./scripts/run.sh uses) from a temporary copy,
// so a broken default config fails here rather than at start-up.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sluice/config/settings_loader.h"
#include "temp_dir.h"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

// tests/unit/config/<this file> -> the repository root.
fs::path repo_root() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

TEST(RepoConfig, ShippedConfigLoads) {
  testing::TempDir dir;
  const fs::path conf = fs::path(dir.path()) / "conf";
  fs::create_directories(conf);
  for (const char* name : {"sluice.cf", "accounts.cf", "sasl_passwd"}) {
    fs::copy_file(repo_root() / "conf" / name, conf / name);
  }
  dir.write("var/admin_tokens", "local 00112233445566778899aabbccddeeff\n");

  auto r = load_settings((conf / "sluice.cf").string());
  std::string text;
  for (const auto& d : r.diagnostics) text += d.to_string() + "\n";
  ASSERT_TRUE(r.ok()) << text;
  for (const auto& d : r.diagnostics) ADD_FAILURE() << "unexpected: " << d.to_string();

  const Settings& s = *r.settings;
  EXPECT_EQ(s.config_directory, conf.string());
  EXPECT_EQ(s.queue.directory, dir.path() + "/var/queue");
  ASSERT_EQ(s.accounts.size(), 1u);
  EXPECT_EQ(s.accounts[0].name, "dev");
  EXPECT_EQ(s.accounts[0].kind, EndpointKind::maildir);
  EXPECT_EQ(s.accounts[0].maildir_path, dir.path() + "/var/maildir");
  EXPECT_EQ(s.admin.client_token, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(s.admin.tokens.at("00112233445566778899aabbccddeeff"), "local");
  EXPECT_EQ(s.smtpd.listen.to_string(), "127.0.0.1:2525");
  EXPECT_EQ(s.queue.map_size, 1ull << 30);
  EXPECT_EQ(s.queue.map_size_limit, 64ull << 30);
}

TEST(RepoConfig, ShippedConfigDocumentsEveryParameter) {
  std::vector<Diagnostic> diagnostics;
  testing::TempDir dir;
  const std::string cf = dir.write("empty.cf", "");
  const std::string shipped = (repo_root() / "conf" / "sluice.cf").string();
  std::ifstream in(shipped);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty()) << shipped;
  for (const auto& p : effective_parameters(cf, {}, false, diagnostics)) {
    if (p.name == "config_directory") continue;
    // "# name: what it does", or "# name (sluice): ..." for the ones Postfix does not have.
    const bool documented = text.find("# " + p.name + ":") != std::string::npos ||
                            text.find("# " + p.name + " (sluice):") != std::string::npos;
    EXPECT_TRUE(documented) << p.name << " is not documented";
    const bool set = text.find("\n" + p.name + " =") != std::string::npos ||
                     text.find("\n#" + p.name + " =") != std::string::npos;
    EXPECT_TRUE(set) << p.name << " has no example line";
  }
}

}  // namespace
}  // namespace sluice::config
