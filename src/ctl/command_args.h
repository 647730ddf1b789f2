#pragma once
// The words of one sluicectl subcommand split into operands and `--name VALUE` options (also
// `--name=VALUE`), for the control commands whose options all take a value. Pure.

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"

namespace sluice::ctl {

struct CommandArgs {
  std::vector<std::string> operands;
  std::map<std::string, std::string, std::less<>> options;  // "--reason" -> "text"

  const std::string* option(std::string_view name) const;
};

// Options may come before, between or after operands. Errors (an option not in `allowed`, a
// missing value, the same option twice) are messages for a usage error.
Result<CommandArgs> parse_command_args(const std::vector<std::string>& words,
                                       std::initializer_list<std::string_view> allowed);

}  // namespace sluice::ctl
