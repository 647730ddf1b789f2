#pragma once
// `sluicectl passwd [USER] [--iterations N]`: reads a password (from the terminal without echo,
// asked twice, or one line of stdin) and prints its smtpd_sasl_password_maps entry: the hash,
// or `USER hash`. Needs no configuration and no daemon.

#include <iosfwd>
#include <string>
#include <vector>

namespace sluice::ctl {

// args: the words after "passwd". terminal: `in` is the user's terminal (stdin is a tty): echo
// goes off and the password is asked twice. Returns the exit status (0, 1 error, 2 usage).
int run_passwd_command(const std::vector<std::string>& args, std::istream& in, bool terminal,
                       std::ostream& out, std::ostream& err);

}  // namespace sluice::ctl
