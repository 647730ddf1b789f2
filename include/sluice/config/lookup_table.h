#pragma once
// Postfix texthash:-style lookup tables: `key value` per logical line, '#' comments,
// continuation lines. Keys match case-insensitively; the original spelling is kept. Used for
// admin_tokens and the SASL password maps, so no diagnostic ever quotes a key or a value.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/config/diagnostic.h"

namespace sluice::config {

struct TableEntry {
  std::string key;    // as written
  std::string value;  // rest of the logical line, trimmed
  int line = 0;
};

class LookupTable {
 public:
  // Adds or replaces (last wins); returns the line of a replaced entry.
  std::optional<int> put(TableEntry entry);
  const TableEntry* find(std::string_view key) const;  // case-insensitive
  // In order of first appearance; a replaced entry keeps its place.
  const std::vector<TableEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<TableEntry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // lower-case key -> entries_
};

struct ParsedTable {
  LookupTable table;
  std::vector<Diagnostic> diagnostics;
};

ParsedTable parse_lookup_table(std::string_view text, const std::string& file_name);

// The path in a table reference: "texthash:PATH" or plain "PATH" (not yet resolved).
// Other table types ("hash:", "lmdb:", ...) are errors.
Result<std::string> table_path(std::string_view reference);

}  // namespace sluice::config
