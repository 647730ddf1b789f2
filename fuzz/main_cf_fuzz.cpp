// Arbitrary text as sluice.cf: parsing and expanding every parameter must neither crash nor
// loop, and a successful expansion never exceeds the documented size limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sluice/config/expansion.h"
#include "sluice/config/main_cf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cf = sluice::config::parse_main_cf(text, "fuzz.cf");
  sluice::config::Expander expander(cf.definitions);
  for (const auto& [name, definition] : cf.definitions) {
    auto value = expander.value(name);
    if (value && value->size() > sluice::config::Expander::max_value_size) std::abort();
  }
  for (const auto& d : cf.diagnostics) (void)d.to_string();
  return 0;
}
