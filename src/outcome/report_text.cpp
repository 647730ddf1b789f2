#include "report_text.h"

#include <cstdio>
#include <ctime>

namespace sluice::outcome {

std::string rfc5322_date(SystemTime t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += ch;
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut == 0 ? max : cut);
}

void append_folded(std::string& out, std::string_view head, std::string_view text,
                   std::string_view indent) {
  const std::string words = one_line(text);
  std::string line(head);
  bool line_has_word = false;
  std::size_t pos = 0;
  while (pos < words.size()) {
    std::size_t end = words.find(' ', pos);
    if (end == std::string::npos) end = words.size();
    std::string_view word = std::string_view(words).substr(pos, end - pos);
    pos = end + 1;
    if (line_has_word && line.size() + 1 + word.size() > kFoldColumn) {
      out += line + "\r\n";
      line = indent;
      line_has_word = false;
    }
    if (line_has_word) line += ' ';
    while (line.size() + word.size() > kMaxLineBytes) {
      const std::string_view piece = utf8_prefix(word, kMaxLineBytes - line.size());
      out += line;
      out += piece;
      out += "\r\n";
      line = indent;
      word.remove_prefix(piece.size());
    }
    line += word;
    line_has_word = true;
  }
  out += line + "\r\n";
}

bool has_8bit(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace sluice::outcome
