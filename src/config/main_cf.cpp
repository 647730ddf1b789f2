#include "sluice/config/main_cf.h"

#include "logical_lines.h"
#include "text.h"

namespace sluice::config {

bool is_parameter_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

MainCf parse_main_cf(std::string_view text, const std::string& file_name) {
  MainCf result;
  for (auto& logical : split_logical_lines(text, file_name, result.diagnostics)) {
    const std::string_view line = logical.text;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      result.diagnostics.push_back(
          {file_name, logical.line, true, "missing '=' after parameter name"});
      continue;
    }
    const std::string_view name = trim(line.substr(0, eq));
    if (!is_parameter_name(name)) {
      result.diagnostics.push_back({file_name, logical.line, true,
                                    name.empty() ? std::string("missing parameter name before '='")
                                                 : "bad parameter name '" + std::string(name) +
                                                       "' (letters, digits and '_' only)"});
      continue;
    }
    result.definitions[std::string(name)] =
        Definition{std::string(trim(line.substr(eq + 1))), file_name, logical.line};
  }
  return result;
}

}  // namespace sluice::config
