#include "sluice/config/accounts_file.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

ParsedAccounts parse(const std::string& text) {
  return parse_accounts_file(text, "/c/accounts.cf", "/c");
}

// The one account `line` defines, failing the test on any diagnostic.
AccountSpec one(const std::string& line) {
  auto parsed = parse(line + "\n");
  for (const auto& d : parsed.diagnostics) ADD_FAILURE() << d.to_string();
  if (parsed.accounts.size() != 1) {
    ADD_FAILURE() << "no account from: " << line;
    return {};
  }
  return parsed.accounts[0];
}

// The single diagnostic of `text`.
std::string error_of(const std::string& text) {
  auto parsed = parse(text);
  EXPECT_TRUE(parsed.accounts.empty() || parsed.accounts.size() == 1);
  std::string out;
  for (const auto& d : parsed.diagnostics) {
    if (d.error) out += (out.empty() ? "" : " | ") + d.to_string();
  }
  return out;
}

TEST(AccountsFile, HostPortEndpointAndDefaults) {
  auto a = one("shop smtp.example.com:587");
  EXPECT_EQ(a.name, "shop");
  EXPECT_EQ(a.kind, EndpointKind::smtp);
  EXPECT_EQ(a.host, "smtp.example.com");
  EXPECT_EQ(a.port, 587);
  EXPECT_EQ(a.tls, TlsMode::starttls);
  EXPECT_TRUE(a.tls_verify);
  EXPECT_EQ(a.pool, "default");
  EXPECT_EQ(a.weight, 1u);
  EXPECT_EQ(a.file, "/c/accounts.cf");
  EXPECT_EQ(a.line, 1);
  EXPECT_FALSE(a.username.has_value());
}

TEST(AccountsFile, IPv4AndBracketedEndpoints) {
  auto v4 = one("a 192.0.2.1:25");
  EXPECT_EQ(v4.host, "192.0.2.1");
  auto v6 = one("a [2001:db8::25]:2525");
  EXPECT_EQ(v6.host, "2001:db8::25");
  EXPECT_EQ(v6.port, 2525);
  auto bracketed_v4 = one("a [192.0.2.1]:26");
  EXPECT_EQ(bracketed_v4.host, "192.0.2.1");
}

TEST(AccountsFile, PortDefaultsTo25Or465ForSmtps) {
  EXPECT_EQ(one("a mx.example.com").port, 25);
  EXPECT_EQ(one("a mx.example.com tls=smtps").port, 465);
  EXPECT_EQ(one("a [2001:db8::1] tls=smtps").port, 465);
  EXPECT_EQ(one("a mx.example.com:2465 tls=smtps").port, 2465);
}

TEST(AccountsFile, MaildirEndpointResolvesAgainstBase) {
  auto rel = one("dev maildir:../var/maildir");
  EXPECT_EQ(rel.kind, EndpointKind::maildir);
  EXPECT_EQ(rel.maildir_path, "/var/maildir");
  EXPECT_EQ(rel.tls, TlsMode::none);
  EXPECT_EQ(one("dev maildir:md/").maildir_path, "/c/md");
  EXPECT_EQ(one("dev maildir:/srv/mail/./x").maildir_path, "/srv/mail/x");
}

TEST(AccountsFile, EveryKey) {
  auto a =
      one("crm smtp.example.com:465 tls=smtps tls_verify=no pool=crm weight=3 max_connections=20 "
          "max_messages_per_connection=500 rate=600/m burst=40 hourly_limit=1000 daily_limit=20000 "
          "sender_rewrite=bounces@crm.example.com");
  EXPECT_EQ(a.tls, TlsMode::smtps);
  EXPECT_FALSE(a.tls_verify);
  EXPECT_EQ(a.pool, "crm");
  EXPECT_EQ(a.weight, 3u);
  EXPECT_EQ(a.max_connections, 20u);
  EXPECT_EQ(a.max_messages_per_connection, 500u);
  EXPECT_DOUBLE_EQ(a.rate.per_second, 10.0);
  EXPECT_EQ(a.rate.text, "600/m");
  EXPECT_EQ(a.burst, 40u);
  EXPECT_EQ(a.hourly_limit, 1000u);
  EXPECT_EQ(a.daily_limit, 20000u);
  EXPECT_EQ(a.sender_rewrite, "bounces@crm.example.com");
  EXPECT_EQ(one("a h:25 tls=none").tls, TlsMode::none);
  EXPECT_EQ(one("a h:25 tls=starttls tls_verify=yes").tls, TlsMode::starttls);
}

TEST(AccountsFile, QuotaModeAndTimeZone) {
  auto defaults = one("a h:25 daily_limit=5");
  EXPECT_EQ(defaults.quota_mode, QuotaMode::rolling);
  EXPECT_EQ(defaults.time_zone, "UTC");
  auto calendar = one("a h:25 daily_limit=5 quota_mode=calendar tz=Europe/Moscow");
  EXPECT_EQ(calendar.quota_mode, QuotaMode::calendar);
  EXPECT_EQ(calendar.time_zone, "Europe/Moscow");
  EXPECT_EQ(one("a h:25 quota_mode=rolling").quota_mode, QuotaMode::rolling);
  EXPECT_EQ(one("a h:25 tz=America/Argentina/Buenos_Aires").time_zone,
            "America/Argentina/Buenos_Aires");
}

TEST(AccountsFile, BadQuotaModeAndTimeZone) {
  EXPECT_EQ(error_of("a h:25\nb h:25 quota_mode=daily\n"),
            "/c/accounts.cf:2: bad value for quota_mode: 'daily' is not rolling or calendar");
  EXPECT_EQ(error_of("a h:25 tz=Europe//Moscow\n"),
            "/c/accounts.cf:1: bad value for tz: bad time zone 'Europe//Moscow': expected a name "
            "like Europe/Moscow");
  EXPECT_EQ(error_of("a h:25 tz=\n"),
            "/c/accounts.cf:1: bad value for tz: bad time zone '': empty");
  EXPECT_EQ(error_of("a h:25 tz=UTC tz=UTC\n"), "/c/accounts.cf:1: duplicate key 'tz'");
}

TEST(AccountsFile, ContinuationLinesAndComments) {
  auto parsed = parse(
      "# providers\n"
      "shop smtp.example.com:587 pool=shop\n"
      "    # a note inside\n"
      "    rate=20/s\n"
      "\tdaily_limit=5\n"
      "\n"
      "dev maildir:md\n");
  EXPECT_TRUE(parsed.diagnostics.empty());
  ASSERT_EQ(parsed.accounts.size(), 2u);
  EXPECT_EQ(parsed.accounts[0].rate.text, "20/s");
  EXPECT_EQ(parsed.accounts[0].daily_limit, 5u);
  EXPECT_EQ(parsed.accounts[0].line, 2);
  EXPECT_EQ(parsed.accounts[1].name, "dev");
  EXPECT_EQ(parsed.accounts[1].line, 7);
}

TEST(AccountsFile, BadEndpoints) {
  EXPECT_EQ(error_of("ok maildir:md\nx ::1:25\n"),
            "/c/accounts.cf:2: bad endpoint '::1:25': an IPv6 address needs brackets: "
            "[address]:port");
  EXPECT_EQ(error_of("x h:99999\n"),
            "/c/accounts.cf:1: bad endpoint 'h:99999': port must be 0..65535");
  EXPECT_EQ(error_of("x h:0\n"), "/c/accounts.cf:1: bad endpoint 'h:0': port must be 1..65535");
  EXPECT_EQ(error_of("x maildir:\n"),
            "/c/accounts.cf:1: bad endpoint 'maildir:': missing path after 'maildir:'");
  EXPECT_NE(error_of("x [nothost]:25\n"), "");
  EXPECT_NE(error_of("x bad_host!:25\n"), "");
}

TEST(AccountsFile, MissingEndpoint) {
  const std::string why =
      "missing endpoint after account name (host:port, [address]:port or maildir:PATH)";
  EXPECT_EQ(error_of("\n\nlonely\n"), "/c/accounts.cf:3: " + why);
  EXPECT_EQ(error_of("a pool=x\n"), "/c/accounts.cf:1: " + why);
}

TEST(AccountsFile, UnknownKeyAndBadValues) {
  EXPECT_EQ(error_of("a h:25\nb h:25 colour=blue\n"), "/c/accounts.cf:2: unknown key 'colour'");
  EXPECT_EQ(error_of("a h:25 tls=sometimes\n"),
            "/c/accounts.cf:1: bad value for tls: 'sometimes' is not none, starttls or smtps");
  EXPECT_EQ(error_of("a h:25 weight=0\n"),
            "/c/accounts.cf:1: bad value for weight: '0' is out of range 1..4294967295");
  EXPECT_EQ(error_of("a h:25 rate=fast\n"),
            "/c/accounts.cf:1: bad value for rate: 'fast' is not a rate (N/s, N/m or N/h, or 0 "
            "for unlimited)");
  EXPECT_EQ(error_of("a h:25 tls_verify=maybe\n"),
            "/c/accounts.cf:1: bad value for tls_verify: 'maybe' is not yes or no");
  EXPECT_EQ(error_of("a h:25 noequals\n"), "/c/accounts.cf:1: expected key=value, got 'noequals'");
  EXPECT_EQ(error_of("a h:25 weight=1 weight=2\n"), "/c/accounts.cf:1: duplicate key 'weight'");
  EXPECT_NE(error_of("a h:25 max_connections=0\n"), "");
  EXPECT_NE(error_of("a h:25 max_messages_per_connection=x\n"), "");
  EXPECT_NE(error_of("a h:25 burst=-1\n"), "");
  EXPECT_NE(error_of("a h:25 hourly_limit=4294967296\n"), "");
  EXPECT_NE(error_of("a h:25 daily_limit=1k\n"), "");
  EXPECT_NE(error_of("a h:25 pool=a/b\n"), "");
  EXPECT_NE(error_of("a h:25 sender_rewrite=nobody\n"), "");
  EXPECT_NE(error_of("a h:25 sender_rewrite=<x@y>\n"), "");
  EXPECT_EQ(error_of("dev maildir:md tls=none\n"),
            "/c/accounts.cf:1: tls does not apply to a maildir endpoint");
}

TEST(AccountsFile, ErrorsOnContinuedLineNameTheLogicalLine) {
  EXPECT_EQ(error_of("a h:25\n  weight=x\n"),
            "/c/accounts.cf:1: bad value for weight: 'x' is not a whole number in "
            "1..4294967295");
}

TEST(AccountsFile, DuplicateNamesAreErrorsIgnoringCase) {
  auto parsed = parse("a h:25\nb h:25\nA maildir:md\n");
  ASSERT_EQ(parsed.diagnostics.size(), 1u);
  EXPECT_EQ(parsed.diagnostics[0].to_string(),
            "/c/accounts.cf:3: duplicate account name 'A' (first on line 1)");
  EXPECT_EQ(parsed.accounts.size(), 2u);
}

TEST(AccountsFile, BadNameIsAnError) { EXPECT_NE(error_of("a:b h:25\n"), ""); }

TEST(AccountsFile, EmptyFileIsAWarning) {
  auto parsed = parse("# nothing\n");
  EXPECT_TRUE(parsed.accounts.empty());
  ASSERT_EQ(parsed.diagnostics.size(), 1u);
  EXPECT_FALSE(parsed.diagnostics[0].error);
  EXPECT_EQ(parsed.diagnostics[0].to_string(),
            "/c/accounts.cf: warning: no accounts defined: nothing can be delivered");
}

TEST(AccountsFile, CredentialsAreJoined) {
  auto parsed = parse("shop h:587\ncrm h:587\ndev maildir:md\n");
  auto table = parse_lookup_table("SHOP apikey:p:a:ss\nghost u:p\ncrm nocolon\n", "/c/sasl");
  std::vector<Diagnostic> diagnostics;
  join_credentials(parsed.accounts, table.table, "/c/sasl", diagnostics);
  EXPECT_EQ(parsed.accounts[0].username, "apikey");
  EXPECT_EQ(parsed.accounts[0].password, "p:a:ss");
  EXPECT_FALSE(parsed.accounts[1].username.has_value());
  EXPECT_FALSE(parsed.accounts[2].username.has_value());
  ASSERT_EQ(diagnostics.size(), 2u);
  EXPECT_EQ(diagnostics[0].to_string(),
            "/c/sasl:2: warning: credentials for unknown account 'ghost'");
  EXPECT_EQ(diagnostics[1].to_string(), "/c/sasl:3: credentials for 'crm' must be user:password");
  for (const auto& d : diagnostics) EXPECT_EQ(d.message.find("nocolon"), std::string::npos);
}

}  // namespace
}  // namespace sluice::config
