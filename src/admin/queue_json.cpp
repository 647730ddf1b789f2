#include "sluice/admin/queue_json.h"

#include <boost/json/array.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace sluice::admin {

namespace chrono = std::chrono;

std::string format_rfc3339(SystemTime t) {
  auto seconds = chrono::floor<chrono::seconds>(t);
  auto days = chrono::floor<chrono::days>(seconds);
  chrono::year_month_day date(days);
  chrono::hh_mm_ss time(seconds - days);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

namespace {

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + width, out);
  return ec == std::errc{} && end == text.data() + pos + width;
}

}  // namespace

std::optional<SystemTime> parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
      text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  chrono::year_month_day date{chrono::year(year), chrono::month(static_cast<unsigned>(month)),
                              chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;

  std::size_t pos = 19;
  chrono::microseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long scale = 100000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += chrono::microseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = chrono::minutes(oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  auto local = chrono::sys_days(date) + chrono::hours(hour) + chrono::minutes(minute) +
               chrono::seconds(second) + fraction;
  // Four-digit years reach past SystemTime's range (nanoseconds: 1677..2262); converting such a
  // time would overflow, so it is refused like any other unusable value.
  const chrono::microseconds since_epoch = (local - offset).time_since_epoch();
  constexpr auto limit = chrono::duration_cast<chrono::microseconds>(SystemTime::duration::max());
  if (since_epoch > limit || since_epoch < -limit) return std::nullopt;
  return SystemTime(chrono::duration_cast<SystemTime::duration>(since_epoch));
}

std::string_view to_string(queue::MessageState state) {
  switch (state) {
    case queue::MessageState::active:
      return "active";
    case queue::MessageState::held:
      return "held";
    case queue::MessageState::dead:
      return "dead";
  }
  return "unknown";
}

std::string_view to_string(mail::RecipientState state) {
  switch (state) {
    case mail::RecipientState::pending:
      return "pending";
    case mail::RecipientState::delivered:
      return "delivered";
    case mail::RecipientState::failed:
      return "failed";
  }
  return "unknown";
}

boost::json::object to_json(const queue::QueuedMessage& message) {
  boost::json::array recipients;
  for (const auto& r : message.recipients) {
    recipients.push_back(boost::json::object{
        {"address", r.address}, {"state", to_string(r.state)}, {"last_reply", r.last_reply}});
  }
  return boost::json::object{
      {"id", message.id},
      {"arrival", format_rfc3339(message.arrival)},
      {"sender", message.sender},
      {"size", message.size},
      {"campaign", message.campaign},
      {"group", message.campaign_group},
      {"client", message.client},
      {"state", to_string(message.state)},
      {"attempts", message.attempts},
      {"next_attempt", format_rfc3339(message.next_attempt)},
      {"last_error", message.last_error},
      {"smtputf8", message.smtputf8},
      {"eight_bit", message.eight_bit},
      {"recipients", std::move(recipients)},
  };
}

boost::json::object to_json(const queue::QueueStats& stats) {
  return boost::json::object{
      {"messages", stats.messages},
      {"active", stats.active},
      {"held", stats.held},
      {"dead", stats.dead},
      {"map_used_bytes", stats.map_used_bytes},
      {"map_size_bytes", stats.map_size_bytes},
  };
}

}  // namespace sluice::admin
