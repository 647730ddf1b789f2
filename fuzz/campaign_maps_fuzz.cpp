// Arbitrary text as a campaign_maps table: every campaign that parses has sane values (a
// priority in 1..100, a non-empty id, a rate that is a number), every rejected line says where.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sluice/config/campaign_maps.h"
#include "sluice/config/lookup_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = sluice::config::parse_lookup_table(text, "fuzz.cf");
  auto parsed = sluice::config::parse_campaign_maps(table.table, "fuzz.cf");
  for (const auto& c : parsed.campaigns) {
    if (c.id.empty() || c.priority < 1 || c.priority > 100) std::abort();
    if (!std::isfinite(c.rate.per_second) || c.rate.per_second < 0) std::abort();
    if (c.line < 1) std::abort();
  }
  for (const auto& d : parsed.diagnostics) {
    if (d.file != "fuzz.cf" || d.line < 1 || d.message.empty()) std::abort();
  }
  return 0;
}
