#include "sluice/delivery/smtp_reply.h"

#include <cstring>

namespace sluice::delivery {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of a run of 1..3 digits at the front of `text`, 0 when there is none or it is longer.
std::size_t digit_run(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  return n <= 3 ? n : 0;
}

// RFC 3463 "class.subject.detail" at the start of the text, followed by a space or the end;
// only when its class (2, 4 or 5) matches the reply's.
std::string enhanced_code_in(std::string_view text, int code) {
  if (text.size() < 5 || text[1] != '.' || text[0] != char('0' + code / 100)) return {};
  if (text[0] != '2' && text[0] != '4' && text[0] != '5') return {};
  const auto subject = digit_run(text.substr(2));
  if (subject == 0 || 2 + subject >= text.size() || text[2 + subject] != '.') return {};
  const auto detail_at = 3 + subject;
  const auto detail = digit_run(text.substr(detail_at));
  if (detail == 0) return {};
  const auto end = detail_at + detail;
  if (end < text.size() && text[end] != ' ') return {};
  return std::string(text.substr(0, end));
}

// A short, printable excerpt of a bad line for the error message.
std::string excerpt(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::string SmtpReply::to_string() const {
  std::string out = std::to_string(code);
  bool first = true;
  for (const auto& line : lines) {
    if (line.empty()) continue;
    out += first ? " " : "; ";
    out += line;
    first = false;
  }
  return out;
}

void ReplyParser::feed(std::string_view bytes) {
  if (error_) return;
  compact();
  buffer_.append(bytes);
}

// Drops the bytes of replies already returned, once they are worth the copy.
void ReplyParser::compact() {
  if (consumed_ == 0) return;
  if (consumed_ < buffer_.size() && consumed_ < 4096 && consumed_ * 2 < buffer_.size()) return;
  buffer_.erase(0, consumed_);
  line_start_ -= consumed_;
  consumed_ = 0;
}

Result<SmtpReply> ReplyParser::fail(std::string why) {
  error_ = make_error(std::move(why), ErrorCode::invalid);
  partial_ = {};
  return *error_;
}

std::optional<Result<SmtpReply>> ReplyParser::next() {
  if (error_) return Result<SmtpReply>(*error_);
  for (;;) {
    const char* begin = buffer_.data() + line_start_;
    const std::size_t available = buffer_.size() - line_start_;
    const void* lf = std::memchr(begin + searched_, '\n', available - searched_);
    if (!lf) {
      searched_ = available;
      if (available >= limits_.max_line) return fail("reply line longer than the limit");
      return std::nullopt;
    }
    const auto length = std::size_t(static_cast<const char*>(lf) - begin) + 1;
    if (length > limits_.max_line) return fail("reply line longer than the limit");
    std::string_view line(begin, length - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // a bare LF is tolerated
    line_start_ += length;
    searched_ = 0;

    const bool shaped = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && is_digit(line[1]) &&
                        is_digit(line[2]) && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!shaped || line.find('\r') != line.npos || line.find('\0') != line.npos) {
      return fail("malformed reply line \"" + excerpt(line) + "\"");
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
    if (partial_.lines.empty()) {
      partial_.code = code;
      partial_.enhanced = enhanced_code_in(text, code);
    } else if (code != partial_.code) {
      return fail("reply code changed within a multi-line reply");
    }
    if (partial_.lines.size() >= limits_.max_lines) return fail("reply has too many lines");
    partial_.lines.emplace_back(text);
    if (line.size() == 3 || line[3] == ' ') {
      consumed_ = line_start_;
      return Result<SmtpReply>(std::exchange(partial_, {}));
    }
  }
}

}  // namespace sluice::delivery
