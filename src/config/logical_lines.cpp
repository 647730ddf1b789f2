#include "logical_lines.h"

#include "text.h"

namespace sluice::config {

std::vector<LogicalLine> split_logical_lines(std::string_view text, const std::string& file_name,
                                             std::vector<Diagnostic>& diagnostics) {
  std::vector<LogicalLine> lines;
  int number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view physical = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;

    const std::string_view content = trim(physical);
    // Like Postfix, blank and comment lines are invisible: they do not end a logical line.
    if (content.empty() || content.front() == '#') continue;
    if (is_blank(physical.front())) {
      if (!lines.empty()) {
        lines.back().text.append(" ").append(content);
        continue;
      }
      diagnostics.push_back(
          {file_name, number, false, "logical line must not start with whitespace"});
    }
    lines.push_back({std::string(content), number});
  }
  return lines;
}

}  // namespace sluice::config
