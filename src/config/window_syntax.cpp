#include "sluice/config/window_syntax.h"

#include <array>
#include <string>

#include "text.h"

namespace sluice::config {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool is_day(std::string_view word) {
  for (auto day : kDays) {
    if (iequals(word, day)) return true;
  }
  return false;
}

bool is_days(std::string_view word) {
  const auto dash = word.find('-');
  if (dash == std::string_view::npos) return is_day(word);
  return is_day(word.substr(0, dash)) && is_day(word.substr(dash + 1));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "H:MM" or "HH:MM" with hours 0..24 (24 only as 24:00).
bool is_clock_time(std::string_view t) {
  const auto colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || t.size() != colon + 3) {
    return false;
  }
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i != colon && !is_digit(t[i])) return false;
  }
  const int hours = colon == 1 ? t[0] - '0' : (t[0] - '0') * 10 + (t[1] - '0');
  const int minutes = (t[colon + 1] - '0') * 10 + (t[colon + 2] - '0');
  return minutes < 60 && (hours < 24 || (hours == 24 && minutes == 0));
}

Error bad_window(std::string_view spec, const std::string& why) {
  return make_error("bad window '" + std::string(spec) + "': " + why, ErrorCode::invalid);
}

// One "[DAYS ]HH:MM-HH:MM"; empty string when it is well formed, otherwise why not.
std::string check_one_window(std::string_view window) {
  std::string_view range = window;
  std::string_view rest;
  const auto first = first_word(window, rest);
  if (!rest.empty()) {
    if (!is_days(first)) {
      return "'" + std::string(first) + "' is not a day (mon..sun) or range of days (mon-fri)";
    }
    range = rest;
  }
  const auto dash = range.find('-');
  const bool ok = dash != std::string_view::npos && is_clock_time(range.substr(0, dash)) &&
                  is_clock_time(range.substr(dash + 1));
  if (!ok) return "'" + std::string(range) + "' is not a time range HH:MM-HH:MM";
  return {};
}

bool is_zone_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '+' ||
         c == '-';
}

}  // namespace

Result<void> check_window_syntax(std::string_view spec) {
  const std::string_view all = trim(spec);
  if (all.empty()) return bad_window(all, "empty (use \"always\" for no limit)");
  if (iequals(all, "always")) return {};
  std::string_view rest = all;
  while (true) {
    const auto end = rest.find_first_of(";,");
    const std::string_view window = trim(rest.substr(0, end));
    if (window.empty()) return bad_window(all, "empty window between separators");
    if (auto why = check_one_window(window); !why.empty()) return bad_window(all, why);
    if (end == std::string_view::npos) return {};
    rest.remove_prefix(end + 1);
  }
}

Result<void> check_time_zone_name(std::string_view zone) {
  const auto bad = [&](const char* why) {
    return make_error("bad time zone '" + std::string(zone) + "': " + why, ErrorCode::invalid);
  };
  if (zone.empty()) return bad("empty");
  if (zone.size() > 64) return bad("longer than 64 characters");
  std::string_view rest = zone;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty()) return bad("expected a name like Europe/Moscow");
    const bool letter_first =
        (part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z');
    if (!letter_first) return bad("each part must start with a letter");
    for (char c : part) {
      if (!is_zone_char(c)) return bad("only letters, digits, '_', '+', '-' and '/' are allowed");
    }
    if (slash == std::string_view::npos) return {};
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace sluice::config
