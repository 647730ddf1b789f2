#pragma once
// The upstream accounts file (master.cf in spirit): one account per logical line,
//   name endpoint key=value ...
// where endpoint is host:port, [address]:port or maildir:PATH. Pure; the loader reads the file
// and joins the credentials from smtp_sasl_password_maps with join_credentials().

#include <string>
#include <string_view>
#include <vector>

#include "sluice/config/diagnostic.h"
#include "sluice/config/lookup_table.h"
#include "sluice/config/settings.h"

namespace sluice::config {

struct ParsedAccounts {
  std::vector<AccountSpec> accounts;  // in file order; lines with errors are left out
  std::vector<Diagnostic> diagnostics;
};

// Relative maildir paths resolve against `base_directory` (absolute).
ParsedAccounts parse_accounts_file(std::string_view text, const std::string& file_name,
                                   std::string_view base_directory);

// Sets username/password from `account-name user:password` entries. An entry for an unknown
// account is a warning; a value without ':' is an error. `table_file` names it in messages.
void join_credentials(std::vector<AccountSpec>& accounts, const LookupTable& table,
                      const std::string& table_file, std::vector<Diagnostic>& diagnostics);

}  // namespace sluice::config
