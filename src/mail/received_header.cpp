#include "sluice/mail/received_header.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sluice::mail {

namespace {

bool is_safe_trace_char(char c) {
  // Printable ASCII without space; parentheses, brackets, angle brackets, backslash and ';'
  // would let a client open or close a comment, a literal or the date part.
  constexpr std::string_view kStructural = "()[]<>\\;";
  return c > ' ' && c < 0x7f && kStructural.find(c) == std::string_view::npos;
}

// The recipient may carry UTF-8 (SMTPUTF8) and quoted spaces; only what could end the line
// or the angle brackets goes.
std::string sanitize_recipient(std::string_view address) {
  std::string out;
  out.reserve(address.size());
  for (const char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '<' || c == '>') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string sanitize_trace_word(std::string_view text, std::size_t max_length) {
  std::string out;
  out.reserve(std::min(text.size(), max_length));
  for (const char c : text) {
    if (out.size() == max_length) break;
    if (is_safe_trace_char(c)) out.push_back(c);
  }
  if (out.empty()) out = "unknown";
  return out;
}

std::string rfc5322_date(SystemTime time) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{floor<seconds>(time - day)};
  const weekday wd{day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %u %s %d %02d:%02d:%02d +0000", kDays[wd.c_encoding()],
                unsigned(date.day()), kMonths[unsigned(date.month()) - 1], int(date.year()),
                int(clock.hours().count()), int(clock.minutes().count()),
                int(clock.seconds().count()));
  return buffer;
}

std::string received_header(const ReceivedInfo& info) {
  std::string header;
  header.reserve(160 + info.helo.size() + (info.recipient ? info.recipient->size() : 0));
  header += "Received: from ";
  header += sanitize_trace_word(info.helo);
  header += " ([";
  header += sanitize_trace_word(info.client_address, 64);
  header += "])\r\n\tby ";
  header += sanitize_trace_word(info.myhostname);
  header += " (sluice) with ";
  header += sanitize_trace_word(info.protocol, 16);
  header += " id ";
  header += sanitize_trace_word(info.queue_id, 32);
  if (info.recipient) {
    header += "\r\n\tfor <";
    header += sanitize_recipient(*info.recipient);
    header += ">; ";
  } else {
    header += ";\r\n\t";
  }
  header += rfc5322_date(info.time);
  header += "\r\n";
  return header;
}

}  // namespace sluice::mail
