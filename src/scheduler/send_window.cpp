#include "sluice/scheduler/send_window.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>

#include "zone_time.h"

namespace sluice::scheduler {
namespace {

using std::chrono::minutes;

constexpr int kMinutesPerDay = 24 * 60;
constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// 0 = Monday ... 6 = Sunday, or -1.
int day_index(std::string_view name) {
  const std::string wanted = lower(name);
  for (std::size_t i = 0; i < kDayNames.size(); ++i)
    if (kDayNames[i] == wanted) return static_cast<int>(i);
  return -1;
}

// "mon" or "mon-fri" (wrapping, "fri-mon" is fri, sat, sun, mon) as a day mask.
Result<unsigned> parse_days(std::string_view text, std::string_view window) {
  const auto dash = text.find('-');
  const std::string_view first = text.substr(0, dash);
  const std::string_view last = dash == std::string_view::npos ? first : text.substr(dash + 1);
  const int from = day_index(first);
  const int to = day_index(last);
  if (from < 0 || to < 0)
    return make_error("unknown day '" + std::string(from < 0 ? first : last) + "' in window '" +
                          std::string(window) + "' (mon, tue, wed, thu, fri, sat, sun)",
                      ErrorCode::invalid);
  unsigned mask = 0;
  for (int d = from;; d = (d + 1) % 7) {
    mask |= 1u << d;
    if (d == to) break;
  }
  return mask;
}

// "H:MM" or "HH:MM" as minutes after midnight; "24:00" only where allowed (a window's end).
int parse_clock(std::string_view text, bool allow_end_of_day) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return -1;
  const std::string_view hh = text.substr(0, colon);
  const std::string_view mm = text.substr(colon + 1);
  if (!is_digits(hh) || hh.size() > 2 || !is_digits(mm) || mm.size() != 2) return -1;
  const int hours = std::stoi(std::string(hh));
  const int mins = std::stoi(std::string(mm));
  if (mins > 59) return -1;
  if (hours == 24 && mins == 0 && allow_end_of_day) return kMinutesPerDay;
  if (hours > 23) return -1;
  return hours * 60 + mins;
}

struct ParsedRange {
  unsigned days = 0x7f;
  int start = 0;
  int end = 0;
};

struct Interval {
  SystemTime open;
  SystemTime close;
};

// "[DAYS ]HH:MM-HH:MM"; the end is normalised to after the start (past midnight: + 1 day).
Result<ParsedRange> parse_range(std::string_view piece) {
  ParsedRange range;
  std::string_view times = piece;
  if (std::isalpha(static_cast<unsigned char>(piece.front()))) {
    const auto space = piece.find_first_of(" \t");
    if (space == std::string_view::npos)
      return make_error("window '" + std::string(piece) + "' has no HH:MM-HH:MM after the days",
                        ErrorCode::invalid);
    auto days = parse_days(piece.substr(0, space), piece);
    if (!days) return days.error();
    range.days = *days;
    times = trim(piece.substr(space));
  }
  const auto dash = times.find('-');
  const int start =
      dash == std::string_view::npos ? -1 : parse_clock(trim(times.substr(0, dash)), false);
  const int end =
      dash == std::string_view::npos ? -1 : parse_clock(trim(times.substr(dash + 1)), true);
  if (start < 0 || end < 0)
    return make_error("bad times '" + std::string(times) + "' in window '" + std::string(piece) +
                          "' (HH:MM-HH:MM, 00:00 to 24:00)",
                      ErrorCode::invalid);
  if (start == end)
    return make_error(
        "window '" + std::string(piece) + "' is empty (start equals end; all day is 00:00-24:00)",
        ErrorCode::invalid);
  range.start = start;
  range.end = end > start ? end : end + kMinutesPerDay;
  return range;
}

bool runs_on(unsigned days, date::local_days day) {
  const unsigned index = date::weekday(day).iso_encoding() - 1;  // Monday = 0
  return days & (1u << index);
}

// The instants a window of `day` opens and closes. Both ends follow zone_time's rule (a
// skipped time: the end of the gap; a repeated one: its first occurrence).
Interval interval_on(const date::time_zone* zone, int start_minute, int end_minute,
                     date::local_days day) {
  const SystemTime open = zone_time::to_sys(zone, day + minutes(start_minute));
  SystemTime close = zone_time::to_sys(zone, day + minutes(end_minute));
  // Only a window wholly inside one skipped hour maps to nothing; it then keeps its length
  // from the end of the gap instead of being lost.
  if (close <= open) close = open + minutes(end_minute - start_minute);
  return {open, close};
}

}  // namespace

Result<SendWindow> SendWindow::parse(std::string_view spec, std::string_view zone) {
  SendWindow window;
  zone = trim(zone);
  if (!zone.empty() && zone != "UTC") {
    try {
      window.zone_ = date::locate_zone(std::string(zone));
    } catch (const std::exception&) {
      // date/tz.h reports an unknown name (or a missing zoneinfo) only by throwing.
      return make_error("unknown time zone '" + std::string(zone) + "'", ErrorCode::invalid);
    }
    window.zone_name_ = std::string(zone);
  }

  spec = trim(spec);
  if (spec.empty() || lower(spec) == "always") return window;
  window.text_ = std::string(spec);

  while (!spec.empty()) {
    const auto separator = spec.find_first_of(";,");
    const std::string_view piece = trim(spec.substr(0, separator));
    spec = separator == std::string_view::npos ? std::string_view() : spec.substr(separator + 1);
    if (piece.empty()) continue;  // "a; b;" or "a;; b": nothing lost by skipping
    auto range = parse_range(piece);
    if (!range) return range.error();
    window.ranges_.push_back({range->days, range->start, range->end});
  }
  if (window.ranges_.empty())
    return make_error("send window '" + window.text_ + "' has no HH:MM-HH:MM window",
                      ErrorCode::invalid);
  return window;
}

bool SendWindow::open_at(SystemTime t) const {
  if (always_open()) return true;
  // A window belongs to the local day it starts on and ends before the next local day ends;
  // one more day either side covers DST shifts and offset changes.
  const auto today = zone_time::local_day(zone_time::to_local(zone_, t));
  for (auto day = today - date::days(2); day <= today + date::days(1); day += date::days(1)) {
    for (const Range& range : ranges_) {
      if (!runs_on(range.days, day)) continue;
      const Interval span = interval_on(zone_, range.start_minute, range.end_minute, day);
      if (span.open <= t && t < span.close) return true;
    }
  }
  return false;
}

std::optional<SystemTime> SendWindow::next_change(SystemTime t) const {
  if (always_open()) return std::nullopt;
  // open_at() can only change where some window opens or closes. Every window that opens or
  // closes in the coming week starts on one of these local days; if none of those instants
  // flips the state, the windows cover every moment of the week and nothing ever changes.
  const bool open_now = open_at(t);
  const auto today = zone_time::local_day(zone_time::to_local(zone_, t));
  std::vector<SystemTime> boundaries;
  for (auto day = today - date::days(2); day <= today + date::days(8); day += date::days(1)) {
    for (const Range& range : ranges_) {
      if (!runs_on(range.days, day)) continue;
      const Interval span = interval_on(zone_, range.start_minute, range.end_minute, day);
      if (span.open > t) boundaries.push_back(span.open);
      if (span.close > t) boundaries.push_back(span.close);
    }
  }
  std::sort(boundaries.begin(), boundaries.end());
  for (SystemTime at : boundaries)
    if (open_at(at) != open_now) return at;
  return std::nullopt;
}

}  // namespace sluice::scheduler
