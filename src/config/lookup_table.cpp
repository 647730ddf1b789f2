#include "sluice/config/lookup_table.h"

#include "logical_lines.h"
#include "text.h"

namespace sluice::config {

std::optional<int> LookupTable::put(TableEntry entry) {
  auto [it, inserted] = index_.try_emplace(lower(entry.key), entries_.size());
  if (inserted) {
    entries_.push_back(std::move(entry));
    return std::nullopt;
  }
  TableEntry& existing = entries_[it->second];
  const int replaced = existing.line;
  existing = std::move(entry);
  return replaced;
}

const TableEntry* LookupTable::find(std::string_view key) const {
  const auto it = index_.find(lower(key));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ParsedTable parse_lookup_table(std::string_view text, const std::string& file_name) {
  ParsedTable result;
  for (auto& logical : split_logical_lines(text, file_name, result.diagnostics)) {
    std::string_view value;
    const std::string_view key = first_word(logical.text, value);
    // Keys and values may be secrets (tokens, passwords): messages name only the line.
    if (value.empty()) {
      result.diagnostics.push_back(
          {file_name, logical.line, true, "expected 'key value': the value is missing"});
      continue;
    }
    const auto replaced = result.table.put({std::string(key), std::string(value), logical.line});
    if (replaced) {
      result.diagnostics.push_back({file_name, logical.line, false,
                                    "duplicate key (also on line " + std::to_string(*replaced) +
                                        "); this later entry wins"});
    }
  }
  return result;
}

Result<std::string> table_path(std::string_view reference) {
  const std::string_view r = trim(reference);
  std::size_t type_end = 0;
  while (type_end < r.size() &&
         ((r[type_end] >= 'a' && r[type_end] <= 'z') ||
          (r[type_end] >= '0' && r[type_end] <= '9') || r[type_end] == '_')) {
    ++type_end;
  }
  if (type_end > 0 && type_end < r.size() && r[type_end] == ':') {
    const std::string_view type = r.substr(0, type_end);
    if (type != "texthash") {
      return make_error(
          "unsupported table type '" + std::string(type) + ":' (only texthash: is supported)",
          ErrorCode::invalid);
    }
    const std::string_view path = trim(r.substr(type_end + 1));
    if (path.empty()) return make_error("missing path after 'texthash:'", ErrorCode::invalid);
    return std::string(path);
  }
  return std::string(r);
}

}  // namespace sluice::config
