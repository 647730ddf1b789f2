#include "sluice/config/accounts_file.h"

#include <limits>
#include <set>

#include "logical_lines.h"
#include "paths.h"
#include "sluice/config/network.h"
#include "sluice/config/values.h"
#include "sluice/config/window_syntax.h"
#include "text.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t max_u32 = std::numeric_limits<std::uint32_t>::max();

bool is_account_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::string_view rest = line;
  while (!rest.empty()) {
    std::string_view word = first_word(rest, rest);
    if (!word.empty()) words.push_back(word);
  }
  return words;
}

// Reads one account line; every problem goes to `errors` (message only, the caller adds
// file:line).
class AccountLine {
 public:
  AccountLine(AccountSpec& account, std::vector<std::string>& errors)
      : account_(account), errors_(errors) {}

  void endpoint(std::string_view text, std::string_view base_directory) {
    if (text.substr(0, 8) == "maildir:") {
      const std::string_view path = text.substr(8);
      if (path.empty()) return bad_endpoint(text, "missing path after 'maildir:'");
      account_.kind = EndpointKind::maildir;
      account_.maildir_path = resolve_path(base_directory, path);
      account_.tls = TlsMode::none;
      return;
    }
    // Without a port, 25 (or 465 for tls=smtps, settled in finish()).
    const bool bracketed = !text.empty() && text.front() == '[';
    const bool has_port = bracketed ? text.find("]:") != std::string_view::npos
                                    : text.find(':') != std::string_view::npos;
    auto parsed = parse_listen_address(has_port ? std::string(text) : std::string(text) + ":25");
    if (!parsed) {
      const std::string& why = parsed.error().message;
      const std::size_t colon = why.find("': ");
      return bad_endpoint(text, colon == std::string::npos ? why : why.substr(colon + 3));
    }
    if (has_port && parsed->port == 0) return bad_endpoint(text, "port must be 1..65535");
    account_.host = parsed->host;
    account_.port = parsed->port;
    port_given_ = has_port;
  }

  void option(std::string_view word) {
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      errors_.push_back("expected key=value, got '" + std::string(word) + "'");
      return;
    }
    const std::string key(word.substr(0, eq));
    const std::string_view value = word.substr(eq + 1);
    if (!seen_.insert(key).second) {
      errors_.push_back("duplicate key '" + key + "'");
      return;
    }
    set(key, value);
  }

  void finish() {
    if (account_.kind == EndpointKind::maildir && seen_.count("tls") != 0) {
      errors_.push_back("tls does not apply to a maildir endpoint");
    }
    if (account_.kind == EndpointKind::smtp && !port_given_ && account_.tls == TlsMode::smtps) {
      account_.port = 465;
    }
  }

 private:
  void bad_endpoint(std::string_view text, std::string_view why) {
    errors_.push_back("bad endpoint '" + std::string(text) + "': " + std::string(why));
  }

  template <class T>
  void number(const std::string& key, std::string_view value, std::uint64_t min, T& out) {
    auto n = parse_uint(value, min, max_u32);
    if (!n) return bad_value(key, n.error().message);
    out = static_cast<T>(*n);
  }

  void bad_value(const std::string& key, const std::string& why) {
    errors_.push_back("bad value for " + key + ": " + why);
  }

  void set(const std::string& key, std::string_view value) {
    if (key == "tls") {
      if (value == "none")
        account_.tls = TlsMode::none;
      else if (value == "starttls")
        account_.tls = TlsMode::starttls;
      else if (value == "smtps")
        account_.tls = TlsMode::smtps;
      else
        bad_value(key, "'" + std::string(value) + "' is not none, starttls or smtps");
    } else if (key == "tls_verify") {
      auto b = parse_bool(value);
      if (b)
        account_.tls_verify = *b;
      else
        bad_value(key, b.error().message);
    } else if (key == "pool") {
      if (is_account_name(value))
        account_.pool = std::string(value);
      else
        bad_value(key, "'" + std::string(value) + "' is not a pool name ([A-Za-z0-9._-])");
    } else if (key == "weight") {
      number(key, value, 1, account_.weight);
    } else if (key == "max_connections") {
      number(key, value, 1, account_.max_connections);
    } else if (key == "max_messages_per_connection") {
      number(key, value, 1, account_.max_messages_per_connection);
    } else if (key == "rate") {
      auto r = parse_rate(value);
      if (r)
        account_.rate = *r;
      else
        bad_value(key, r.error().message);
    } else if (key == "burst") {
      number(key, value, 0, account_.burst);
    } else if (key == "hourly_limit") {
      number(key, value, 0, account_.hourly_limit);
    } else if (key == "daily_limit") {
      number(key, value, 0, account_.daily_limit);
    } else if (key == "quota_mode") {
      if (value == "rolling")
        account_.quota_mode = QuotaMode::rolling;
      else if (value == "calendar")
        account_.quota_mode = QuotaMode::calendar;
      else
        bad_value(key, "'" + std::string(value) + "' is not rolling or calendar");
    } else if (key == "tz") {
      auto zone = check_time_zone_name(value);
      if (zone)
        account_.time_zone = std::string(value);
      else
        bad_value(key, zone.error().message);
    } else if (key == "sender_rewrite") {
      set_sender_rewrite(value);
    } else {
      errors_.push_back("unknown key '" + key + "'");
    }
  }

  // A plain local@domain check; the SMTP layer does the full RFC 5321 parsing.
  void set_sender_rewrite(std::string_view value) {
    const std::size_t at = value.rfind('@');
    const bool ok = at != std::string_view::npos && at > 0 && at + 1 < value.size() &&
                    value.find_first_of("<>\"") == std::string_view::npos;
    if (ok)
      account_.sender_rewrite = std::string(value);
    else
      bad_value("sender_rewrite", "'" + std::string(value) + "' is not an address local@domain");
  }

  AccountSpec& account_;
  std::vector<std::string>& errors_;
  std::set<std::string> seen_;
  bool port_given_ = false;
};

}  // namespace

ParsedAccounts parse_accounts_file(std::string_view text, const std::string& file_name,
                                   std::string_view base_directory) {
  ParsedAccounts result;
  std::map<std::string, int> lines_by_name;  // lower-case name -> line
  for (const auto& logical : split_logical_lines(text, file_name, result.diagnostics)) {
    const auto words = split_words(logical.text);
    std::vector<std::string> errors;
    AccountSpec account;
    account.file = file_name;
    account.line = logical.line;
    account.name = std::string(words[0]);
    AccountLine reader(account, errors);
    if (!is_account_name(words[0])) {
      errors.push_back("bad account name '" + account.name + "' (letters, digits, '.', '_', '-')");
    } else if (auto [it, fresh] = lines_by_name.try_emplace(lower(words[0]), logical.line);
               !fresh) {
      errors.push_back("duplicate account name '" + account.name + "' (first on line " +
                       std::to_string(it->second) + ")");
    }
    if (words.size() < 2 || words[1].find('=') != std::string_view::npos) {
      errors.push_back(
          "missing endpoint after account name (host:port, [address]:port or "
          "maildir:PATH)");
    } else {
      reader.endpoint(words[1], base_directory);
      for (std::size_t i = 2; i < words.size(); ++i) reader.option(words[i]);
      reader.finish();
    }
    for (auto& e : errors) result.diagnostics.push_back({file_name, logical.line, true, e});
    if (errors.empty()) result.accounts.push_back(std::move(account));
  }
  if (result.accounts.empty() && !has_error(result.diagnostics)) {
    result.diagnostics.push_back(
        {file_name, 0, false, "no accounts defined: nothing can be delivered"});
  }
  return result;
}

void join_credentials(std::vector<AccountSpec>& accounts, const LookupTable& table,
                      const std::string& table_file, std::vector<Diagnostic>& diagnostics) {
  for (const auto& entry : table.entries()) {
    AccountSpec* account = nullptr;
    for (auto& a : accounts) {
      if (iequals(a.name, entry.key)) account = &a;
    }
    if (account == nullptr) {
      diagnostics.push_back(
          {table_file, entry.line, false, "credentials for unknown account '" + entry.key + "'"});
      continue;
    }
    const std::size_t colon = entry.value.find(':');
    if (colon == std::string::npos || colon == 0) {
      diagnostics.push_back({table_file, entry.line, true,
                             "credentials for '" + entry.key + "' must be user:password"});
      continue;
    }
    account->username = entry.value.substr(0, colon);
    account->password = entry.value.substr(colon + 1);
  }
}

}  // namespace sluice::config
