#pragma once
// The syntax layer of sluice.cf (Postfix main.cf): logical lines of `name = value`, comments,
// continuation lines, last definition wins. Values are kept raw here; expansion.h expands
// $name references. Pure: the loader reads the file and hands the text over.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/config/diagnostic.h"

namespace sluice::config {

// One parameter definition with where it came from, for messages.
struct Definition {
  std::string value;  // raw, before $name expansion
  std::string file;   // "-o" for an override
  int line = 0;       // 0: a built-in default or an override
};

using Definitions = std::map<std::string, Definition, std::less<>>;

struct MainCf {
  Definitions definitions;  // by name; the last definition of a name wins
  std::vector<Diagnostic> diagnostics;
};

MainCf parse_main_cf(std::string_view text, const std::string& file_name);

// [A-Za-z0-9_]+, as Postfix accepts in main.cf and in $name.
bool is_parameter_name(std::string_view name);

}  // namespace sluice::config
