#include "table_settings.h"

#include <algorithm>
#include <map>

#include "parameters.h"
#include "paths.h"
#include "sluice/config/accounts_file.h"
#include "sluice/config/campaign_maps.h"
#include "sluice/config/lookup_table.h"

namespace sluice::config {
namespace {

constexpr std::size_t min_token_length = 16;

struct LoadedTable {
  std::string path;
  LookupTable table;
};

// The table a parameter names; nullopt when the parameter is empty or the table is unusable
// (reported at the parameter's definition).
std::optional<LoadedTable> load_table(ParameterReader& reader, std::string_view name,
                                      std::vector<Diagnostic>& diagnostics) {
  const auto reference = reader.text(name);
  if (!reference || reference->empty()) return std::nullopt;
  // A secret table's reference may be a secret pasted where the table belongs: its messages
  // point at the parameter's line and never quote the value.
  const ParameterInfo* info = find_parameter(name);
  const bool secret = info != nullptr && info->is_secret;
  auto path = table_path(*reference);
  if (!path) {
    reader.error(name, "bad value for " + std::string(name) + ": " +
                           (secret ? "unsupported table type (only texthash: is supported)"
                                   : path.error().message));
    return std::nullopt;
  }
  LoadedTable loaded{resolve_path(reader.config_directory(), *path), {}};
  auto text = read_text_file(loaded.path);
  if (!text) {
    const std::string which = secret ? " table" : " table '" + loaded.path + "'";
    reader.error(name,
                 "cannot read " + std::string(name) + which + ": " + text.error().message);
    return std::nullopt;
  }
  auto parsed = parse_lookup_table(*text, loaded.path);
  diagnostics.insert(diagnostics.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
  loaded.table = std::move(parsed.table);
  return loaded;
}

}  // namespace

void load_accounts(ParameterReader& reader, Settings& settings,
                   std::vector<Diagnostic>& diagnostics) {
  std::string path;
  reader.path("upstream_accounts", path);
  if (path.empty()) {
    if (reader.text("upstream_accounts")) {
      reader.error("upstream_accounts", "upstream_accounts must name the accounts file");
    }
    return;
  }
  auto text = read_text_file(path);
  if (!text) {
    reader.error("upstream_accounts",
                 "cannot read upstream_accounts '" + path + "': " + text.error().message);
    return;
  }
  auto parsed = parse_accounts_file(*text, path, reader.config_directory());
  diagnostics.insert(diagnostics.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
  settings.accounts = std::move(parsed.accounts);
  if (auto credentials = load_table(reader, "smtp_sasl_password_maps", diagnostics)) {
    join_credentials(settings.accounts, credentials->table, credentials->path, diagnostics);
  }
}

void load_sender_pools(ParameterReader& reader, Settings& settings,
                       std::vector<Diagnostic>& diagnostics) {
  auto loaded = load_table(reader, "sender_pool_maps", diagnostics);
  if (!loaded) return;
  for (const auto& entry : loaded->table.entries()) {
    const auto pool = entry.value.substr(0, entry.value.find_first_of(" \t"));
    const bool served = std::any_of(settings.accounts.begin(), settings.accounts.end(),
                                    [&](const AccountSpec& a) { return a.pool == pool; });
    if (pool.empty()) {
      diagnostics.push_back({loaded->path, entry.line, true, "'" + entry.key + "' names no pool"});
    } else if (!served) {
      diagnostics.push_back(
          {loaded->path, entry.line, true,
           "pool '" + pool + "' of '" + entry.key + "' has no account in upstream_accounts"});
    } else {
      settings.delivery.sender_pools.emplace_back(entry.key, pool);
    }
  }
}

void load_campaigns(ParameterReader& reader, Settings& settings,
                    std::vector<Diagnostic>& diagnostics) {
  auto loaded = load_table(reader, "campaign_maps", diagnostics);
  if (!loaded) return;
  auto parsed = parse_campaign_maps(loaded->table, loaded->path);
  diagnostics.insert(diagnostics.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
  settings.campaigns = std::move(parsed.campaigns);
}

void load_admin_tokens(ParameterReader& reader, AdminSettings& admin,
                       std::vector<Diagnostic>& diagnostics) {
  auto loaded = load_table(reader, "admin_tokens", diagnostics);
  if (!loaded) {
    const auto value = reader.text("admin_tokens");
    if (value && value->empty()) {
      reader.warning("admin_tokens",
                     "admin_tokens is empty: the admin API answers 401 to every request");
    }
    return;
  }
  std::map<std::string, int> lines_by_token;
  for (const auto& entry : loaded->table.entries()) {
    // Never quote the token itself.
    auto at = [&](std::string message) {
      diagnostics.push_back({loaded->path, entry.line, true, std::move(message)});
    };
    if (entry.value.size() < min_token_length) {
      at("token of '" + entry.key + "' is shorter than " + std::to_string(min_token_length) +
         " characters");
    } else if (entry.value.find_first_of(" \t") != std::string::npos) {
      at("token of '" + entry.key + "' contains whitespace");
    } else if (auto [it, fresh] = lines_by_token.try_emplace(entry.value, entry.line); !fresh) {
      at("token of '" + entry.key + "' is the same as on line " + std::to_string(it->second));
    } else {
      admin.tokens[entry.value] = entry.key;
    }
  }
  if (loaded->table.empty()) {
    reader.warning("admin_tokens", "admin_tokens table '" + loaded->path +
                                       "' is empty: the admin API answers 401 to every request");
  } else {
    admin.client_token = loaded->table.entries().front().value;
  }
}

void load_sasl_users(ParameterReader& reader, SmtpdSettings& smtpd,
                     std::vector<Diagnostic>& diagnostics) {
  auto loaded = load_table(reader, "smtpd_sasl_password_maps", diagnostics);
  if (!loaded) return;
  for (const auto& entry : loaded->table.entries()) {
    // Never quote the value: it may be a password someone pasted.
    auto hash = parse_password_hash(entry.value);
    if (!hash) {
      diagnostics.push_back({loaded->path, entry.line, true,
                             "the entry of '" + entry.key + "' is " + hash.error().message});
      continue;
    }
    smtpd.sasl_users[entry.key] = std::move(*hash);
  }
}

void load_sender_logins(ParameterReader& reader, SmtpdSettings& smtpd,
                        std::vector<Diagnostic>& diagnostics) {
  auto loaded = load_table(reader, "smtpd_sender_login_maps", diagnostics);
  if (!loaded) return;
  for (const auto& entry : loaded->table.entries()) {
    std::vector<std::string> users;
    std::string list = entry.value;
    for (char& c : list) c = (c == ',' || c == '\t') ? ' ' : c;
    for (std::size_t at = 0; at < list.size();) {
      const auto start = list.find_first_not_of(' ', at);
      if (start == std::string::npos) break;
      const auto end = std::min(list.find(' ', start), list.size());
      users.push_back(list.substr(start, end - start));
      at = end;
    }
    const bool domain = entry.key.front() == '@';
    if (entry.key.find('@') == std::string::npos || (domain && entry.key.size() == 1)) {
      diagnostics.push_back({loaded->path, entry.line, true,
                             "'" + entry.key + "' is neither an address nor @domain"});
    } else if (users.empty()) {
      diagnostics.push_back({loaded->path, entry.line, true, "'" + entry.key + "' names no user"});
    } else {
      smtpd.sender_logins[entry.key] = std::move(users);
    }
  }
}

}  // namespace sluice::config
