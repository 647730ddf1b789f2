// The admin API's settings: loopback by default, tokens required off loopback, TLS files both
// or neither, and secrets that never show in a diagnostic or in `sluicectl config`.
#include <gtest/gtest.h>

#include "sluice/config/settings_loader.h"
#include "temp_dir.h"

namespace sluice::config {
namespace {

using testing::TempDir;

constexpr const char* kToken = "tok-0123456789abcdef-secret";

class AdminSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("accounts.cf", "dev maildir:md\n");
    dir_.write("tokens", std::string("ops ") + kToken + "\n");
    dir_.write("cert.pem", "not parsed by the loader\n");
    dir_.write("key.pem", "not parsed by the loader\n");
  }

  LoadResult load(const std::string& text) {
    return load_settings(dir_.write("sluice.cf", "myhostname = h\n" + text));
  }

  static std::string all(const LoadResult& r) {
    std::string out;
    for (const auto& d : r.diagnostics) out += d.to_string() + "\n";
    return out;
  }

  std::string at(int line) const { return dir_.path() + "/sluice.cf:" + std::to_string(line); }
  TempDir dir_;
};

TEST_F(AdminSettingsTest, DefaultIsLoopbackAndPlain) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.settings->admin.listen.to_string(), "127.0.0.1:8025");
  EXPECT_TRUE(r.settings->admin.tls_cert_file.empty());
  EXPECT_TRUE(r.settings->admin.tls_key_file.empty());
  EXPECT_TRUE(r.settings->admin.tls_ca_file.empty());
}

TEST_F(AdminSettingsTest, LoopbackNeedsNoTokens) {
  for (const char* listen : {"127.0.0.1:8025", "127.3.4.5:1", "[::1]:8025", "localhost:8025"}) {
    auto r = load(std::string("admin_listen = ") + listen + "\n");
    EXPECT_TRUE(r.ok()) << listen << "\n" << all(r);
  }
}

TEST_F(AdminSettingsTest, NonLoopbackWithoutTokensIsRefusedAtItsLine) {
  for (const char* listen :
       {"0.0.0.0:8025", "[::]:8025", "10.1.2.3:8025", "admin.example.com:8025"}) {
    auto r = load(std::string("admin_listen = ") + listen + "\n");
    EXPECT_FALSE(r.ok()) << listen;
    EXPECT_NE(all(r).find(at(2) + ": admin_listen"), std::string::npos) << all(r);
    EXPECT_NE(all(r).find("is not a loopback address: it needs tokens in admin_tokens"),
              std::string::npos)
        << all(r);
  }
  // An empty token table is no better than none.
  dir_.write("tokens", "");
  EXPECT_FALSE(load("admin_listen = 0.0.0.0:8025\nadmin_tokens = tokens\n").ok());
}

TEST_F(AdminSettingsTest, NonLoopbackWithTokensWarnsOnlyWithoutTls) {
  auto plain = load("admin_listen = 0.0.0.0:8025\nadmin_tokens = tokens\n");
  ASSERT_TRUE(plain.ok()) << all(plain);
  EXPECT_NE(all(plain).find(at(2) + ": warning: admin_listen 0.0.0.0:8025 is not a loopback "
                                    "address and admin TLS is off"),
            std::string::npos)
      << all(plain);

  auto tls = load(
      "admin_listen = 0.0.0.0:8025\nadmin_tokens = tokens\nadmin_tls_cert_file = cert.pem\n"
      "admin_tls_key_file = key.pem\n");
  ASSERT_TRUE(tls.ok()) << all(tls);
  EXPECT_EQ(all(tls).find("admin TLS is off"), std::string::npos) << all(tls);
  EXPECT_EQ(tls.settings->admin.tls_cert_file, dir_.path() + "/cert.pem");
  EXPECT_EQ(tls.settings->admin.tls_key_file, dir_.path() + "/key.pem");
}

TEST_F(AdminSettingsTest, CertificateAndKeyGoTogether) {
  auto cert_only = load("admin_tls_cert_file = cert.pem\n");
  EXPECT_FALSE(cert_only.ok());
  EXPECT_NE(all(cert_only).find(at(2) + ": admin_tls_cert_file and admin_tls_key_file go together"),
            std::string::npos)
      << all(cert_only);

  auto key_only = load("\nadmin_tls_key_file = key.pem\n");
  EXPECT_FALSE(key_only.ok());
  EXPECT_NE(all(key_only).find(at(3) + ": admin_tls_cert_file and admin_tls_key_file go together"),
            std::string::npos)
      << all(key_only);
}

TEST_F(AdminSettingsTest, UnreadableCertificateNamesItsLineTheKeyIsTheDaemonsBusiness) {
  auto r = load("admin_tls_cert_file = missing.pem\nadmin_tls_key_file = key.pem\n");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all(r).find(at(2) + ": cannot read admin_tls_cert_file '" + dir_.path() +
                        "/missing.pem': No such file or directory"),
            std::string::npos)
      << all(r);
  // sluicectl loads these settings too, and may not be allowed to read the daemon's key.
  auto key = load("admin_tls_cert_file = cert.pem\nadmin_tls_key_file = unreadable.key\n");
  ASSERT_TRUE(key.ok()) << all(key);
  EXPECT_EQ(key.settings->admin.tls_key_file, dir_.path() + "/unreadable.key");
}

TEST_F(AdminSettingsTest, CaFileIsForSluicectlAndNeedsTls) {
  dir_.write("ca.pem", "x\n");
  auto alone = load("admin_tls_CAfile = ca.pem\n");
  ASSERT_TRUE(alone.ok()) << all(alone);
  EXPECT_NE(all(alone).find(at(2) + ": warning: admin_tls_CAfile has no effect"), std::string::npos)
      << all(alone);
  auto with_tls = load(
      "admin_tls_CAfile = ca.pem\nadmin_tls_cert_file = cert.pem\nadmin_tls_key_file = "
      "key.pem\n");
  ASSERT_TRUE(with_tls.ok()) << all(with_tls);
  EXPECT_EQ(with_tls.settings->admin.tls_ca_file, dir_.path() + "/ca.pem");
  EXPECT_EQ(all(with_tls).find("admin_tls"), std::string::npos) << all(with_tls);
}

// Someone pastes a token or password where the table's name belongs.
TEST_F(AdminSettingsTest, SecretTableReferencesAreNeverQuoted) {
  for (const char* name : {"admin_tokens", "smtp_sasl_password_maps", "smtpd_sasl_password_maps"}) {
    for (const std::string& value : {std::string(kToken), "sekrit:" + std::string(kToken)}) {
      auto r = load(std::string(name) + " = " + value + "\n");
      EXPECT_FALSE(r.ok()) << name;
      EXPECT_NE(all(r).find(at(2) + ": "), std::string::npos) << all(r);
      EXPECT_EQ(all(r).find(kToken), std::string::npos) << all(r);
      EXPECT_EQ(all(r).find("sekrit"), std::string::npos) << all(r);
    }
  }
}

TEST_F(AdminSettingsTest, PasswordTableErrorsNameTheLineButNotTheValue) {
  dir_.write("sasl_passwd", "dev no-colon-Pa55word\nghost user:Gh0stPa55\n");
  dir_.write("tokens", "ops short-Tok3n\nci\n");
  dir_.write("users", "alice\n");
  auto r = load(
      "smtp_sasl_password_maps = sasl_passwd\nadmin_tokens = tokens\n"
      "smtpd_sasl_password_maps = users\n");
  EXPECT_FALSE(r.ok());
  const std::string text = all(r);
  EXPECT_NE(text.find(dir_.path() + "/sasl_passwd:1: credentials for 'dev' must be user:password"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(dir_.path() + "/tokens:1: token of 'ops' is shorter"), std::string::npos)
      << text;
  EXPECT_NE(text.find(dir_.path() + "/tokens:2: "), std::string::npos) << text;
  EXPECT_NE(text.find(dir_.path() + "/users:1: "), std::string::npos) << text;
  for (const char* secret : {"Pa55word", "Gh0stPa55", "short-Tok3n"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << "\n" << text;
  }
}

TEST_F(AdminSettingsTest, ConfigListingHidesSecretsEvenWhenExpandedElsewhere) {
  std::vector<Diagnostic> diagnostics;
  auto lines = effective_parameters(
      dir_.write("sluice.cf", std::string("admin_tokens = ") + kToken +
                                  "\nsmtpd_banner = $myhostname $admin_tokens\n"),
      {}, false, diagnostics);
  bool saw_banner = false;
  for (const auto& line : lines) {
    EXPECT_EQ(line.value.find(kToken), std::string::npos) << line.name;
    if (line.name == "smtpd_banner") {
      saw_banner = true;
      EXPECT_EQ(line.value, "(hidden)");
    }
    if (line.name == "admin_tls_cert_file") {
      EXPECT_EQ(line.value, "");
    }
  }
  EXPECT_TRUE(saw_banner);
}

}  // namespace
}  // namespace sluice::config
