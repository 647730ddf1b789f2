#include "sluice/mail/header_scan.h"

#include <algorithm>
#include <cstring>

namespace sluice::mail {

namespace {

constexpr std::string_view kReceived = "Received";

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

HeaderScanner::HeaderScanner(std::vector<std::string> names, std::size_t value_cap)
    : names_(std::move(names)),
      values_(names_.size()),
      seen_(names_.size(), false),
      value_cap_(value_cap),
      name_cap_(kReceived.size()) {
  for (const auto& name : names_) name_cap_ = std::max(name_cap_, name.size());
  name_.reserve(name_cap_);
}

void HeaderScanner::feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    const char c = *p;
    switch (state_) {
      case State::line_start:
        if (c == '\r' || c == '\n') {  // the empty line
          end_field();
          state_ = State::done;
        } else if (is_wsp(c)) {  // a continuation line: unfolds into the current value
          if (!in_field_) {
            state_ = State::done;
          } else {
            state_ = State::value;
          }
        } else {
          end_field();
          start_field();
          state_ = State::name;
        }
        break;
      case State::name:
        if (c == ':') {
          end_name();
          state_ = State::value;
        } else if (c > ' ' && c < 0x7f) {
          if (name_.size() < name_cap_) {
            name_.push_back(c);
          } else {
            name_overflow_ = true;
          }
        } else if (is_wsp(c)) {
          state_ = State::before_colon;  // obsolete "Name : value"
        } else {
          state_ = State::done;  // not a header field: the body starts here
        }
        ++p;
        break;
      case State::before_colon:
        if (c == ':') {
          end_name();
          state_ = State::value;
        } else if (!is_wsp(c)) {
          state_ = State::done;
        }
        ++p;
        break;
      case State::value:
        p = scan_value(p, end);
        break;
      case State::done:
        return;
    }
    if (state_ == State::done) {
      end_field();
      return;
    }
  }
}

// Consumes value bytes up to and including the line's LF; keeps them (less CRs and line ends)
// when the field is one we capture.
const char* HeaderScanner::scan_value(const char* p, const char* end) {
  const auto* lf = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
  const char* stop = lf ? lf : end;
  if (capture_ >= 0) {
    for (const char* q = p; q < stop && captured_.size() < value_cap_; ++q) {
      if (*q == '\r') continue;
      if (captured_.empty() && is_wsp(*q)) continue;  // leading white space is not the value
      captured_.push_back(*q);
    }
  }
  if (!lf) return end;
  state_ = State::line_start;
  return lf + 1;
}

void HeaderScanner::start_field() {
  name_.clear();
  name_overflow_ = false;
  in_field_ = true;
}

void HeaderScanner::end_name() {
  if (name_overflow_) return;
  if (equals_ignore_case(name_, kReceived)) ++received_;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!seen_[i] && !names_[i].empty() && equals_ignore_case(name_, names_[i])) {
      capture_ = static_cast<int>(i);
      captured_.clear();
      return;
    }
  }
}

void HeaderScanner::end_field() {
  if (capture_ < 0) return;
  while (!captured_.empty() && is_wsp(captured_.back())) captured_.pop_back();
  const auto index = static_cast<std::size_t>(capture_);
  values_[index] = captured_;
  seen_[index] = true;
  capture_ = -1;
}

void HeaderScanner::finish() {
  end_field();
  state_ = State::done;
}

}  // namespace sluice::mail
