#pragma once
// The parts of Settings that come from files named by parameters: the upstream accounts with
// their credentials, the campaign table, the admin tokens and the SMTP AUTH users. Called by the
// settings loader after the plain parameters; problems go to the reader's diagnostics.

#include <vector>

#include "parameter_reader.h"
#include "sluice/config/settings.h"

namespace sluice::config {

void load_accounts(ParameterReader& reader, Settings& settings,
                   std::vector<Diagnostic>& diagnostics);
// sender_pool_maps; a pool no account serves is an error at its line.
void load_sender_pools(ParameterReader& reader, Settings& settings,
                       std::vector<Diagnostic>& diagnostics);
// campaign_maps (an empty value: no table, every campaign gets the defaults).
void load_campaigns(ParameterReader& reader, Settings& settings,
                    std::vector<Diagnostic>& diagnostics);
void load_admin_tokens(ParameterReader& reader, AdminSettings& admin,
                       std::vector<Diagnostic>& diagnostics);
// smtpd_sasl_password_maps: `user hash` lines; a value that is not a password hash (a
// plaintext password, a truncated hash) is an error at its line.
void load_sasl_users(ParameterReader& reader, SmtpdSettings& smtpd,
                     std::vector<Diagnostic>& diagnostics);
// smtpd_sender_login_maps: `sender-or-@domain user1,user2` lines.
void load_sender_logins(ParameterReader& reader, SmtpdSettings& smtpd,
                        std::vector<Diagnostic>& diagnostics);

}  // namespace sluice::config
