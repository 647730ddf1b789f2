#pragma once
// Loads sluice.cf (main.cf syntax), applies -o overrides, reads the accounts file and the lookup
// tables it names, and validates everything into a Settings value. Every problem is reported
// as a Diagnostic naming file and line; the daemon refuses to start when any is an error.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config/diagnostic.h"
#include "sluice/config/settings.h"

namespace sluice::config {

using Overrides = std::vector<std::pair<std::string, std::string>>;  // from -o name=value

struct LoadResult {
  std::optional<Settings> settings;  // set when there is no error
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return settings.has_value(); }
};

LoadResult load_settings(const std::string& config_file, const Overrides& overrides = {});

// For `sluicectl config`: every known parameter with its effective (expanded) value, in name
// order; with non_default_only, only those set in the file or by -o (like `postconf -n`).
// Secret values are masked.
struct ParameterLine {
  std::string name;
  std::string value;
  bool is_default = true;
};
std::vector<ParameterLine> effective_parameters(const std::string& config_file,
                                                const Overrides& overrides, bool non_default_only,
                                                std::vector<Diagnostic>& diagnostics);

}  // namespace sluice::config
