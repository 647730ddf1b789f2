#include "command_args.h"

namespace sluice::ctl {

const std::string* CommandArgs::option(std::string_view name) const {
  auto it = options.find(name);
  return it == options.end() ? nullptr : &it->second;
}

Result<CommandArgs> parse_command_args(const std::vector<std::string>& words,
                                       std::initializer_list<std::string_view> allowed) {
  CommandArgs args;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (!word.starts_with("--")) {
      args.operands.push_back(word);
      continue;
    }
    const auto eq = word.find('=');
    std::string name = word.substr(0, eq);
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return make_error("unknown option " + name, ErrorCode::invalid);
    std::string value;
    if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < words.size()) {
      value = words[++i];
    } else {
      return make_error(name + " needs a value", ErrorCode::invalid);
    }
    if (!args.options.emplace(name, std::move(value)).second) {
      return make_error(name + " given twice", ErrorCode::invalid);
    }
  }
  return args;
}

}  // namespace sluice::ctl
