#pragma once
// A problem found while reading configuration: where (file and line) and what. Every parser in
// sluice_config reports through these, so the daemon can print all problems at once and refuse
// to start when any is an error. Messages never contain tokens or passwords.

#include <string>
#include <vector>

namespace sluice::config {

struct Diagnostic {
  std::string file;   // "-o" for command-line overrides
  int line = 0;       // 0 when no line applies
  bool error = true;  // false: a warning (unknown parameter, ...)
  std::string message;
  std::string to_string() const;  // "file:line: message", "file:line: warning: message"
};

inline bool has_error(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.error) return true;
  }
  return false;
}

}  // namespace sluice::config
