#pragma once
// The one list of sluice.cf parameters: name, default (before expansion), whether the value is
// secret, and a line of documentation. Validation, unknown-name warnings and
// effective_parameters() all read it, so a parameter exists in exactly one place.

#include <span>
#include <string_view>

namespace sluice::config {

enum class DefaultKind {
  text,              // default_value as written (may contain $name)
  host_name,         // gethostname()
  config_directory,  // built in and read-only: the folder of the config file
};

struct ParameterInfo {
  std::string_view name;
  std::string_view default_value;
  bool is_secret = false;
  std::string_view doc;
  DefaultKind kind = DefaultKind::text;
};

// Sorted by name.
std::span<const ParameterInfo> parameter_registry();
const ParameterInfo* find_parameter(std::string_view name);

}  // namespace sluice::config
