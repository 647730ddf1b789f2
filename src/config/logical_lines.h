#pragma once
// Splits main.cf-style text into logical lines, the way Postfix's readllines() does: blank
// lines and lines whose first non-blank character is '#' are dropped, and a line that starts
// with whitespace continues the previous logical line (joined with one space). Shared by
// main.cf, lookup tables and the accounts file so all three read alike.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/config/diagnostic.h"

namespace sluice::config {

struct LogicalLine {
  std::string text;  // trimmed
  int line = 0;      // physical line where it starts, 1-based
};

// A continuation with nothing to continue is a warning and starts a line of its own.
std::vector<LogicalLine> split_logical_lines(std::string_view text, const std::string& file_name,
                                             std::vector<Diagnostic>& diagnostics);

}  // namespace sluice::config
