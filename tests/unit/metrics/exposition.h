#pragma once
// Reads one sample out of Prometheus text: the value of the line `series value`, where series
// is written exactly as exposed (name and labels, labels in name order).

#include <optional>
#include <sstream>
#include <string>

namespace sluice::testing {

inline std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

inline bool has_line(const std::string& text, const std::string& wanted) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == wanted) return true;
  }
  return false;
}

}  // namespace sluice::testing
