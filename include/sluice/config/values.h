#pragma once
// Parsers for the value syntaxes of sluice.cf and the accounts file: times with units, byte
// sizes, booleans, bounded integers and rates. Pure; error messages quote the value and say
// what was expected, and callers prefix them with the parameter and file:line.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "sluice/common/result.h"
#include "sluice/config/settings.h"

namespace sluice::config {

// "300", "300s", "5m", "1h", "5d", "2w" (a bare number is seconds). At most 3650d.
Result<std::chrono::seconds> parse_duration(std::string_view text);

// Bytes: "10240000", or with a binary suffix "512k", "64m", "1g" (KiB, MiB, GiB).
Result<std::uint64_t> parse_size(std::string_view text);

// yes/no, true/false (any case).
Result<bool> parse_bool(std::string_view text);

// A decimal integer in [min, max].
Result<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max);

// "20/s", "600/m", "5000/h"; "0" means unlimited.
Result<Rate> parse_rate(std::string_view text);

}  // namespace sluice::config
