#include "sluice/config/settings_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/parameters.h"
#include "sluice/common/password_hash.h"
#include "temp_dir.h"

namespace sluice::config {
namespace {

using testing::TempDir;

constexpr const char* token = "0123456789abcdef-secret";

// A well-formed entry (the loader only checks the form; no OpenSSL here).
std::string a_hash(std::uint32_t iterations = 100000) {
  return format_password_hash({iterations, std::string(16, 's'), std::string(32, 'h')});
}

// A config folder with an accounts file and a token table; `extra` is appended to sluice.cf.
class Loader : public ::testing::Test {
 protected:
  std::string write_config(const std::string& text) { return dir_.write("sluice.cf", text); }

  void SetUp() override {
    dir_.write("accounts.cf", "dev maildir:md\nshop smtp.example.com:587 pool=shop\n");
    dir_.write("tokens", std::string("ops ") + token + "\nci ffffffffffffffffffff\n");
  }

  LoadResult load(const std::string& text, const Overrides& overrides = {}) {
    return load_settings(write_config(text), overrides);
  }

  static std::string all(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) out += d.to_string() + "\n";
    return out;
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

TEST_F(Loader, DefaultsFromAnAlmostEmptyFile) {
  auto r = load("myhostname = relay.test\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.config_file, cf());
  EXPECT_EQ(s.config_directory, dir_.path());
  EXPECT_EQ(s.smtpd.myhostname, "relay.test");
  EXPECT_EQ(s.smtpd.banner, "relay.test ESMTP sluice");
  EXPECT_EQ(s.smtpd.listen.to_string(), "127.0.0.1:2525");
  EXPECT_EQ(s.admin.listen.to_string(), "127.0.0.1:8025");
  EXPECT_EQ(s.metrics_listen.to_string(), "127.0.0.1:9465");
  EXPECT_EQ(s.metrics_campaign_linger, Seconds(600));
  EXPECT_EQ(s.metrics_campaign_limit, 500u);
  ASSERT_EQ(s.smtpd.mynetworks.size(), 2u);
  EXPECT_TRUE(s.smtpd.mynetworks[0].contains("127.1.2.3"));
  EXPECT_TRUE(s.smtpd.mynetworks[1].contains("::1"));
  EXPECT_EQ(s.smtpd.message_size_limit, 10'240'000u);
  EXPECT_EQ(s.smtpd.recipient_limit, 1000u);
  EXPECT_EQ(s.smtpd.timeout, Seconds(300));
  EXPECT_EQ(s.smtpd.line_length_limit, 2048u);
  EXPECT_EQ(s.smtpd.hopcount_limit, 50u);
  EXPECT_EQ(s.smtpd.max_connections, 10'000u);
  EXPECT_EQ(s.smtpd.hard_error_limit, 20u);
  EXPECT_EQ(s.smtpd.campaign_header, "X-Campaign-ID");
  EXPECT_EQ(s.smtpd.campaign_group_header, "X-Campaign-Group");
  EXPECT_EQ(s.smtpd.tls_security_level, TlsSecurityLevel::none);
  EXPECT_FALSE(s.smtpd.sasl_auth_enable);
  EXPECT_TRUE(s.smtpd.tls_auth_only);
  EXPECT_EQ(s.queue.directory, "/var/spool/sluice");
  EXPECT_EQ(s.queue.map_size, 1ull << 30);
  EXPECT_EQ(s.queue.map_size_limit, 64ull << 30);
  EXPECT_EQ(s.queue.maximal_queue_lifetime, Seconds(5 * 86400));
  EXPECT_EQ(s.queue.minimal_backoff_time, Seconds(300));
  EXPECT_EQ(s.queue.maximal_backoff_time, Seconds(4000));
  EXPECT_EQ(s.queue.dead_message_lifetime, Seconds(7 * 86400));
  EXPECT_EQ(s.queue.delivery_concurrency, 64u);
  EXPECT_EQ(s.io_threads, 0u);
  EXPECT_EQ(s.log_level, "info");
  EXPECT_DOUBLE_EQ(s.default_campaign_rate.per_second, 0.0);
  EXPECT_TRUE(s.admin.tokens.empty());
  ASSERT_EQ(s.accounts.size(), 2u);  // default upstream_accounts: $config_directory/accounts.cf
  EXPECT_EQ(s.accounts[0].maildir_path, dir_.path() + "/md");
  EXPECT_EQ(s.accounts[1].file, dir_.path() + "/accounts.cf");
  // An empty admin_tokens locks the admin API: worth a warning.
  EXPECT_NE(all(r.diagnostics).find("warning: admin_tokens is empty"), std::string::npos);
}

TEST_F(Loader, DefaultHostNameComesFromTheSystem) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_FALSE(r.settings->smtpd.myhostname.empty());
  EXPECT_EQ(r.settings->smtpd.banner, r.settings->smtpd.myhostname + " ESMTP sluice");
}

TEST_F(Loader, EveryParameterIsRead) {
  dir_.write("sasl_users", "client1 " + a_hash() + "\n");
  auto r = load(
      "myhostname = mx.example.com\nmail_name = relay\nsmtpd_banner = $myhostname hi\n"
      "smtpd_listen = [::1]:25\nadmin_listen = 127.0.0.1:1\nmetrics_listen = 127.0.0.1:2\n"
      "metrics_campaign_linger = 90s\nmetrics_campaign_limit = 7\n"
      "mynetworks = 10.0.0.0/8, 192.168.1.7,[::1]/128 ::1/128\nmessage_size_limit = 1m\n"
      "smtpd_recipient_limit = 5\nsmtpd_timeout = 1m\nline_length_limit = 1000\n"
      "hopcount_limit = 7\nsmtpd_max_connections = 9\nsmtpd_hard_error_limit = 3\n"
      "campaign_header = X-C\ncampaign_group_header = X-G\nqueue_directory = q\n"
      "queue_map_size = 2m\nqueue_map_size_limit = 4m\nmaximal_queue_lifetime = 1d\n"
      "minimal_backoff_time = 10s\nmaximal_backoff_time = 10s\ndead_message_lifetime = 2w\n"
      "delivery_concurrency_limit = 3\nio_threads = 2\nlog_level = debug\n"
      "smtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = no\n"
      "smtpd_sasl_password_maps = sasl_users\ndefault_campaign_rate = 10/s\n"
      "admin_tokens = tokens\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.smtpd.banner, "mx.example.com hi");
  EXPECT_EQ(s.smtpd.listen.to_string(), "[::1]:25");
  EXPECT_EQ(s.admin.listen.port, 1);
  EXPECT_EQ(s.metrics_listen.port, 2);
  EXPECT_EQ(s.metrics_campaign_linger, Seconds(90));
  EXPECT_EQ(s.metrics_campaign_limit, 7u);
  ASSERT_EQ(s.smtpd.mynetworks.size(), 4u);
  EXPECT_EQ(s.smtpd.mynetworks[1].text, "192.168.1.7");
  EXPECT_EQ(s.smtpd.message_size_limit, 1u << 20);
  EXPECT_EQ(s.smtpd.recipient_limit, 5u);
  EXPECT_EQ(s.smtpd.timeout, Seconds(60));
  EXPECT_EQ(s.smtpd.line_length_limit, 1000u);
  EXPECT_EQ(s.smtpd.hopcount_limit, 7u);
  EXPECT_EQ(s.smtpd.max_connections, 9u);
  EXPECT_EQ(s.smtpd.hard_error_limit, 3u);
  EXPECT_EQ(s.smtpd.campaign_header, "X-C");
  EXPECT_EQ(s.smtpd.campaign_group_header, "X-G");
  EXPECT_EQ(s.queue.directory, dir_.path() + "/q");
  EXPECT_EQ(s.queue.map_size, 2u << 20);
  EXPECT_EQ(s.queue.map_size_limit, 4u << 20);
  EXPECT_EQ(s.queue.maximal_queue_lifetime, Seconds(86400));
  EXPECT_EQ(s.queue.maximal_backoff_time, Seconds(10));
  EXPECT_EQ(s.queue.dead_message_lifetime, Seconds(14 * 86400));
  EXPECT_EQ(s.queue.delivery_concurrency, 3u);
  EXPECT_EQ(s.io_threads, 2u);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_TRUE(s.smtpd.sasl_auth_enable);
  EXPECT_FALSE(s.smtpd.tls_auth_only);
  EXPECT_EQ(format_password_hash(s.smtpd.sasl_users.at("client1")), a_hash());
  EXPECT_DOUBLE_EQ(s.default_campaign_rate.per_second, 10.0);
}

TEST_F(Loader, BadValuesNameFileAndLine) {
  auto r = load(
      "# header\nmessage_size_limit = lots\nsmtpd_timeout = never\n"
      "smtpd_recipient_limit = 0\nsmtpd_listen = 127.0.0.1\nsmtpd_tls_auth_only = maybe\n"
      "mynetworks = 10.0.0.0/8 10.0.0.0/99\nlog_level = loud\n"
      "smtpd_tls_security_level = always\ncampaign_header = X Bad\n"
      "metrics_campaign_limit = 100001\n");
  EXPECT_FALSE(r.ok());
  const std::string f = cf();
  std::vector<std::string> expected = {
      f + ":2: bad value for message_size_limit: 'lots' is not a size in bytes (a number, "
          "optionally with k, m or g)",
      f + ":3: bad value for smtpd_timeout: 'never' is not a time (a number with unit s, m, h, "
          "d or w)",
      f + ":4: bad value for smtpd_recipient_limit: '0' is out of range 1..4294967295",
      f + ":5: bad value for smtpd_listen: bad listen address '127.0.0.1': expected host:port",
      f + ":6: bad value for smtpd_tls_auth_only: 'maybe' is not yes or no",
      f + ":7: bad value for mynetworks: bad network '10.0.0.0/99': prefix length must be 0..32",
      f + ":8: bad value for log_level: 'loud' is not trace, debug, info, warn or error",
      f + ":9: bad value for smtpd_tls_security_level: 'always' is not none, may or encrypt",
      f + ":10: bad value for campaign_header: not a header field name",
      f + ":11: bad value for metrics_campaign_limit: '100001' is out of range 0..100000",
  };
  std::vector<std::string> actual;
  for (const auto& d : r.diagnostics) {
    if (d.error) actual.push_back(d.to_string());
  }
  std::sort(actual.begin(), actual.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(a.substr(a.rfind(".cf:") + 4)) < std::stoi(b.substr(b.rfind(".cf:") + 4));
  });
  EXPECT_EQ(actual, expected);
}

TEST_F(Loader, ErrorsAndParsingProblemsTogether) {
  auto r = load("message_size_limit = lots\nno_equals_here\n");
  EXPECT_FALSE(r.ok());
  const std::string e = errors(r);
  EXPECT_NE(e.find(cf() + ":1: bad value for message_size_limit"), std::string::npos) << e;
  EXPECT_NE(e.find(cf() + ":2: missing '=' after parameter name"), std::string::npos) << e;
}

TEST_F(Loader, UnknownParameterIsAWarningAndStillExpandable) {
  auto r = load("myhostname = h\n\nmy_org = Example\nsmtpd_banner = $myhostname ESMTP $my_org\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->smtpd.banner, "h ESMTP Example");
  EXPECT_NE(all(r.diagnostics).find(cf() + ":3: warning: unknown parameter 'my_org'"),
            std::string::npos);
}

TEST_F(Loader, UndefinedReferenceIsAWarning) {
  auto r = load("myhostname = h\nsmtpd_banner = $myhostname $nothing\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->smtpd.banner, "h ");
  EXPECT_NE(all(r.diagnostics)
                .find(cf() + ":2: warning: value of smtpd_banner: undefined parameter $nothing"),
            std::string::npos);
}

TEST_F(Loader, ExpansionLoopFailsTheLoad) {
  auto r = load("myhostname = $mail_name\nmail_name = ${myhostname}\n");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(errors(r).find(cf() + ":2: expansion loop: $myhostname -> $mail_name -> "
                                  "$myhostname"),
            std::string::npos)
      << errors(r);
}

TEST_F(Loader, ConfigDirectoryIsReadOnlyButExpandable) {
  auto r = load("config_directory = /elsewhere\n");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(errors(r).find(cf() + ":1: config_directory is built in"), std::string::npos);
  auto ok = load("queue_directory = $config_directory/../spool\n");
  ASSERT_TRUE(ok.ok()) << all(ok.diagnostics);
  EXPECT_EQ(ok.settings->queue.directory,
            std::filesystem::path(dir_.path()).parent_path().string() + "/spool");
}

TEST_F(Loader, OverridesApplyAfterTheFile) {
  auto r = load("smtpd_timeout = 10s\nmyhostname = file.test\n",
                {{"smtpd_timeout", "20s"}, {"myhostname", "cli.test"}, {"smtpd_timeout", "30s"}});
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->smtpd.timeout, Seconds(30));
  EXPECT_EQ(r.settings->smtpd.banner, "cli.test ESMTP sluice");
}

TEST_F(Loader, BadOverridesAreReportedAsDashO) {
  auto r = load("smtpd_timeout = 10s\n",
                {{"smtpd_timeout", "never"}, {"bogus_name", "1"}, {"bad name", "1"}});
  EXPECT_FALSE(r.ok());
  const std::string text = all(r.diagnostics);
  EXPECT_NE(text.find("-o: bad value for smtpd_timeout: 'never'"), std::string::npos) << text;
  EXPECT_NE(text.find("-o: warning: unknown parameter 'bogus_name'"), std::string::npos) << text;
  EXPECT_NE(text.find("-o: bad parameter name 'bad name'"), std::string::npos) << text;
}

TEST_F(Loader, RelativePathsResolveAgainstTheConfigFolder) {
  dir_.write("etc/accounts/main.cf", "dev maildir:../../mail/./box\n");
  dir_.write("etc/sluice.cf",
             "queue_directory = ../var//queue/\nupstream_accounts = accounts/main.cf\n");
  // The config file itself given with a detour.
  auto r = load_settings(dir_.path() + "/etc/../etc/sluice.cf");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->config_directory, dir_.path() + "/etc");
  EXPECT_EQ(r.settings->queue.directory, dir_.path() + "/var/queue");
  ASSERT_EQ(r.settings->accounts.size(), 1u);
  // maildir: paths resolve against the config folder, not the accounts file's folder.
  EXPECT_EQ(r.settings->accounts[0].maildir_path,
            std::filesystem::path(dir_.path()).parent_path().string() + "/mail/box");
}

TEST_F(Loader, MissingConfigFile) {
  auto r = load_settings(dir_.path() + "/nope.cf");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].to_string(),
            dir_.path() + "/nope.cf: cannot read configuration: No such file or directory");
}

TEST_F(Loader, MissingTablesAndAccountsFileNameTheParameterLine) {
  auto r = load(
      "myhostname = h\nupstream_accounts = none.cf\nadmin_tokens = texthash:nope\n"
      "smtp_sasl_password_maps = missing_sasl\n");
  EXPECT_FALSE(r.ok());
  const std::string e = errors(r);
  EXPECT_NE(e.find(cf() + ":2: cannot read upstream_accounts '" + dir_.path() +
                   "/none.cf': No such file or directory"),
            std::string::npos)
      << e;
  // A secret table's reference is never quoted (it may be a pasted secret).
  EXPECT_NE(e.find(cf() + ":3: cannot read admin_tokens table: No such file or directory"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find("nope"), std::string::npos) << e;
  auto sasl = load("smtp_sasl_password_maps = missing_sasl\n");
  EXPECT_NE(errors(sasl).find(cf() + ":1: cannot read smtp_sasl_password_maps table"),
            std::string::npos)
      << errors(sasl);
  auto type = load("admin_tokens = hash:/etc/tokens\n");
  EXPECT_NE(errors(type).find(cf() + ":1: bad value for admin_tokens: unsupported table type"),
            std::string::npos);
}

TEST_F(Loader, AccountErrorsAndCredentials) {
  dir_.write("accounts.cf", "good maildir:md\nbad 127.0.0.1:25 tls=sometimes\n");
  auto bad = load("");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(errors(bad).find(dir_.path() + "/accounts.cf:2: bad value for tls"), std::string::npos);

  dir_.write("accounts.cf", "shop smtp.example.com:587\ncrm [2001:db8::1]:465 tls=smtps\n");
  dir_.write("sasl_passwd", "shop apikey:s3cr3t-pass\nghost u:p\n");
  auto r = load("smtp_sasl_password_maps = texthash:sasl_passwd\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->accounts[0].username, "apikey");
  EXPECT_EQ(r.settings->accounts[0].password, "s3cr3t-pass");
  EXPECT_FALSE(r.settings->accounts[1].password.has_value());
  EXPECT_NE(all(r.diagnostics)
                .find(dir_.path() + "/sasl_passwd:2: warning: credentials for "
                                    "unknown account 'ghost'"),
            std::string::npos);
  EXPECT_EQ(all(r.diagnostics).find("s3cr3t"), std::string::npos);
}

TEST_F(Loader, AdminTokens) {
  auto r = load("admin_tokens = texthash:tokens\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->admin.tokens.size(), 2u);
  EXPECT_EQ(r.settings->admin.tokens.at(token), "ops");
  EXPECT_EQ(r.settings->admin.tokens.at("ffffffffffffffffffff"), "ci");
  EXPECT_EQ(r.settings->admin.client_token, token);  // the first line's token
}

TEST_F(Loader, ShortOrRepeatedTokensAreErrorsThatNeverShowTheToken) {
  dir_.write("tokens", "a short-tok\nb 0123456789abcdef\nc 0123456789abcdef\nonlytokennoname\n");
  auto r = load("admin_tokens = tokens\n");
  EXPECT_FALSE(r.ok());
  const std::string text = all(r.diagnostics);
  const std::string t = dir_.path() + "/tokens";
  EXPECT_NE(text.find(t + ":1: token of 'a' is shorter than 16 characters"), std::string::npos)
      << text;
  EXPECT_NE(text.find(t + ":3: token of 'c' is the same as on line 2"), std::string::npos);
  EXPECT_NE(text.find(t + ":4: expected 'key value'"), std::string::npos);
  EXPECT_EQ(text.find("short-tok"), std::string::npos);
  EXPECT_EQ(text.find("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(text.find("onlytokennoname"), std::string::npos);
}

TEST_F(Loader, CrossParameterChecks) {
  auto backoff = load("minimal_backoff_time = 1h\nmaximal_backoff_time = 10m\n");
  EXPECT_NE(errors(backoff).find(
                cf() + ":2: maximal_backoff_time must not be less than minimal_backoff_time"),
            std::string::npos);
  auto map = load("queue_map_size = 2g\nqueue_map_size_limit = 1g\n");
  EXPECT_NE(errors(map).find(cf() + ":1: queue_map_size must not exceed queue_map_size_limit"),
            std::string::npos);
  auto tls = load("smtpd_tls_security_level = may\n");
  EXPECT_NE(errors(tls).find(cf() + ":1: smtpd_tls_security_level may or encrypt needs"),
            std::string::npos);
  auto cert = load("smtpd_tls_cert_file = cert.pem\nsmtpd_tls_key_file = key.pem\n");
  EXPECT_NE(errors(cert).find(cf() + ":1: cannot read smtpd_tls_cert_file '" + dir_.path() +
                              "/cert.pem'"),
            std::string::npos);
  auto sasl = load("smtpd_sasl_auth_enable = yes\n");
  EXPECT_NE(errors(sasl).find(cf() + ":1: smtpd_sasl_auth_enable = yes needs users"),
            std::string::npos);
}

TEST_F(Loader, InboundSecurityParameters) {
  dir_.write("cert.pem", "x");
  dir_.write("key.pem", "x");
  dir_.write("logins", "app@shop.test alice, bob\n@shop.test carol\n");
  auto r = load(
      "smtpd_client_connection_count_limit = 7\nsmtpd_client_connection_rate_limit = 30\n"
      "smtpd_client_event_limit_exceptions = 10.1.0.0/16\nsmtpd_min_data_rate = 0\n"
      "smtpd_auth_failure_limit = 3\nsmtpd_auth_failure_window = 10m\n"
      "smtpd_error_sleep_time = 0\nsmtpd_tls_wrapper_listen = 127.0.0.1:4650\n"
      "smtpd_tls_cert_file = cert.pem\nsmtpd_tls_key_file = key.pem\n"
      "smtpd_sender_login_maps = texthash:logins\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const auto& s = r.settings->smtpd;
  EXPECT_EQ(s.client_connection_count_limit, 7u);
  EXPECT_EQ(s.client_connection_rate_limit, 30u);
  ASSERT_EQ(s.client_event_limit_exceptions.size(), 1u);
  EXPECT_EQ(s.client_event_limit_exceptions[0].text, "10.1.0.0/16");
  EXPECT_EQ(s.min_data_rate, 0u);
  EXPECT_EQ(s.auth_failure_limit, 3u);
  EXPECT_EQ(s.auth_failure_window, Seconds(600));
  EXPECT_EQ(s.error_sleep_time, Seconds(0));
  ASSERT_TRUE(s.tls_wrapper_listen);
  EXPECT_EQ(s.tls_wrapper_listen->to_string(), "127.0.0.1:4650");
  EXPECT_EQ(s.sender_logins.at("app@shop.test"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(s.sender_logins.at("@shop.test"), (std::vector<std::string>{"carol"}));
}

TEST_F(Loader, InboundSecurityDefaultsMirrorPostfix) {
  auto r = load("mynetworks = 10.0.0.0/8\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const auto& s = r.settings->smtpd;
  EXPECT_EQ(s.client_connection_count_limit, 50u);
  EXPECT_EQ(s.client_connection_rate_limit, 0u);
  ASSERT_EQ(s.client_event_limit_exceptions.size(), 1u);  // $mynetworks
  EXPECT_EQ(s.client_event_limit_exceptions[0].text, "10.0.0.0/8");
  EXPECT_EQ(s.min_data_rate, 500u);
  EXPECT_EQ(s.auth_failure_limit, 5u);
  EXPECT_EQ(s.auth_failure_window, Seconds(300));
  EXPECT_EQ(s.error_sleep_time, Seconds(1));
  EXPECT_FALSE(s.tls_wrapper_listen);
  EXPECT_TRUE(s.sender_logins.empty());
}

TEST_F(Loader, PlaintextOrMalformedPasswordEntriesAreErrorsAtTheirLine) {
  const std::string good = a_hash();
  dir_.write("users",
             "ok " + good + "\n"                                    // 1
             "plain hunter2\n"                                      // 2
             "cut " + good.substr(0, good.size() - 4) + "\n"        // 3
             "weak " + a_hash(1000) + "\n"                          // 4
             "md5 $1$abcdefgh$0123456789abcdefghijkl\n"             // 5
             "spaced " + good + " extra\n");                        // 6
  auto r = load("smtpd_sasl_auth_enable = yes\nsmtpd_sasl_password_maps = users\n");
  const auto text = errors(r);
  const auto users = dir_.path() + "/users";
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(text.find(users + ":1:"), std::string::npos) << text;
  EXPECT_NE(text.find(users + ":2: the entry of 'plain' is not a password hash"), std::string::npos)
      << text;
  EXPECT_NE(text.find(users + ":3: the entry of 'cut' is not a password hash"), std::string::npos);
  EXPECT_NE(text.find(users + ":4: the entry of 'weak' is not a password hash"), std::string::npos);
  EXPECT_NE(text.find("fewer than 10000 iterations"), std::string::npos);
  EXPECT_NE(text.find(users + ":5: the entry of 'md5'"), std::string::npos);
  EXPECT_NE(text.find(users + ":6: the entry of 'spaced'"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << "a password was quoted";
}

TEST_F(Loader, SenderLoginAndWrapperErrors) {
  dir_.write("logins", "app@shop.test ,\nnodomain alice\n@ bob\n");
  auto r = load("smtpd_sender_login_maps = logins\nsmtpd_tls_wrapper_listen = 127.0.0.1:465\n");
  const auto text = errors(r);
  const auto logins = dir_.path() + "/logins";
  EXPECT_NE(text.find(logins + ":1: 'app@shop.test' names no user"), std::string::npos) << text;
  EXPECT_NE(text.find(logins + ":2: 'nodomain' is neither an address nor @domain"),
            std::string::npos);
  EXPECT_NE(text.find(logins + ":3: '@' is neither"), std::string::npos);
  EXPECT_NE(text.find(cf() + ":2: smtpd_tls_wrapper_listen needs smtpd_tls_cert_file"),
            std::string::npos);
  auto rate =
      load("smtpd_min_data_rate = fast\nsmtpd_client_event_limit_exceptions = nonsense/99\n");
  EXPECT_NE(errors(rate).find(cf() + ":1: "), std::string::npos) << errors(rate);
  EXPECT_NE(errors(rate).find(cf() + ":2: bad value for smtpd_client_event_limit_exceptions"),
            std::string::npos)
      << errors(rate);
}

TEST_F(Loader, TlsFilesWhenPresent) {
  dir_.write("cert.pem", "x");
  dir_.write("key.pem", "x");
  dir_.write("ca.pem", "x");
  auto r = load(
      "smtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = cert.pem\n"
      "smtpd_tls_key_file = $config_directory/key.pem\nsmtp_tls_CAfile = ca.pem\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(r.settings->smtpd.tls_security_level, TlsSecurityLevel::encrypt);
  EXPECT_EQ(r.settings->smtpd.tls_cert_file, dir_.path() + "/cert.pem");
  EXPECT_EQ(r.settings->smtpd.tls_key_file, dir_.path() + "/key.pem");
  EXPECT_EQ(r.settings->smtp_tls_ca_file, dir_.path() + "/ca.pem");
}

TEST(Parameters, RegistryIsSortedAndUnique) {
  const auto registry = parameter_registry();
  ASSERT_FALSE(registry.empty());
  for (std::size_t i = 1; i < registry.size(); ++i) {
    EXPECT_LT(registry[i - 1].name, registry[i].name);
  }
  EXPECT_NE(find_parameter("smtpd_timeout"), nullptr);
  EXPECT_EQ(find_parameter("smtpd_timeou"), nullptr);
}

}  // namespace
}  // namespace sluice::config
