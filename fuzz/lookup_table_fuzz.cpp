// Arbitrary text as a texthash: table: every entry found by its key in any case, and no
// diagnostic quotes any of the input (tables hold tokens and passwords).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/config/lookup_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sluice::config::parse_lookup_table(text, "fuzz.table");
  for (const auto& entry : parsed.table.entries()) {
    if (entry.key.empty() || entry.value.empty()) std::abort();
    std::string upper = entry.key;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (parsed.table.find(upper) != &entry) std::abort();
  }
  for (const auto& d : parsed.diagnostics) {
    const std::string_view m = d.message;
    const bool fixed_text =
        m == "expected 'key value': the value is missing" ||
        m == "logical line must not start with whitespace" ||
        (m.starts_with("duplicate key (also on line ") && m.ends_with("); this later entry wins") &&
         m.find_first_not_of("0123456789", 28) == m.size() - 24);
    if (!fixed_text) std::abort();
  }
  (void)sluice::config::table_path(text);
  return 0;
}
