#include "sluice/config/values.h"

#include <limits>
#include <string>

#include "text.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t max_seconds = 3650ull * 86400;

// The leading decimal digits of `text` as a number; `digits` is how many there were.
Result<std::uint64_t> leading_number(std::string_view text, std::size_t& digits) {
  std::uint64_t n = 0;
  digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    const auto d = static_cast<std::uint64_t>(text[digits] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      return make_error("'" + std::string(text) + "' is too large", ErrorCode::invalid);
    }
    n = n * 10 + d;
    ++digits;
  }
  return n;
}

Error invalid(std::string_view text, std::string_view expected) {
  return make_error("'" + std::string(text) + "' is not " + std::string(expected),
                    ErrorCode::invalid);
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  constexpr std::string_view expected = "a time (a number with unit s, m, h, d or w)";
  const std::string_view t = trim(text);
  std::size_t digits = 0;
  auto number = leading_number(t, digits);
  if (!number) return number.error();
  if (digits == 0 || t.size() > digits + 1) return invalid(t, expected);
  std::uint64_t unit = 1;
  if (t.size() == digits + 1) {
    switch (to_lower(t.back())) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 604800;  // 7 days
        break;
      default:
        return invalid(t, expected);
    }
  }
  if (*number > max_seconds / unit) {
    return make_error("'" + std::string(t) + "' is longer than the limit of 3650d",
                      ErrorCode::invalid);
  }
  return std::chrono::seconds(static_cast<std::int64_t>(*number * unit));
}

Result<std::uint64_t> parse_size(std::string_view text) {
  constexpr std::string_view expected = "a size in bytes (a number, optionally with k, m or g)";
  const std::string_view t = trim(text);
  std::size_t digits = 0;
  auto number = leading_number(t, digits);
  if (!number) return number.error();
  if (digits == 0 || t.size() > digits + 1) return invalid(t, expected);
  unsigned shift = 0;
  if (t.size() == digits + 1) {
    switch (to_lower(t.back())) {
      case 'k':
        shift = 10;
        break;
      case 'm':
        shift = 20;
        break;
      case 'g':
        shift = 30;
        break;
      default:
        return invalid(t, expected);
    }
  }
  if (shift > 0 && *number > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return make_error("'" + std::string(t) + "' is too large", ErrorCode::invalid);
  }
  return *number << shift;
}

Result<bool> parse_bool(std::string_view text) {
  const std::string_view t = trim(text);
  if (iequals(t, "yes") || iequals(t, "true")) return true;
  if (iequals(t, "no") || iequals(t, "false")) return false;
  return invalid(t, "yes or no");
}

Result<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const std::string_view t = trim(text);
  std::size_t digits = 0;
  auto number = leading_number(t, digits);
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!number || digits == 0 || digits != t.size()) {
    return invalid(t, "a whole number in " + range);
  }
  if (*number < min || *number > max) {
    return make_error("'" + std::string(t) + "' is out of range " + range, ErrorCode::invalid);
  }
  return *number;
}

Result<Rate> parse_rate(std::string_view text) {
  constexpr std::string_view expected = "a rate (N/s, N/m or N/h, or 0 for unlimited)";
  const std::string_view t = trim(text);
  std::size_t digits = 0;
  auto number = leading_number(t, digits);
  if (!number || digits == 0 || *number > 1'000'000'000) return invalid(t, expected);
  if (digits == t.size()) {
    if (*number != 0) return invalid(t, expected);  // a unit is required unless unlimited
    return Rate{0, std::string(t)};
  }
  if (t.size() != digits + 2 || t[digits] != '/') return invalid(t, expected);
  double per = 1;
  switch (to_lower(t.back())) {
    case 's':
      per = 1;
      break;
    case 'm':
      per = 60;
      break;
    case 'h':
      per = 3600;
      break;
    default:
      return invalid(t, expected);
  }
  return Rate{static_cast<double>(*number) / per, std::string(t)};
}

}  // namespace sluice::config
