#include "sluice/smtpd/data_decoder.h"

#include <algorithm>
#include <cstring>

namespace sluice::smtpd {

namespace {

constexpr std::uint64_t kMaxReserve = 64ull << 20;

const char* find(const char* p, const char* end, char c) {
  return static_cast<const char*>(std::memchr(p, c, std::size_t(end - p)));
}

}  // namespace

DataDecoder::DataDecoder(Mode mode, std::uint64_t size_limit, std::uint64_t expected_size)
    : mode_(mode), size_limit_(size_limit) {
  if (mode_ == Mode::raw) state_ = State::middle;
  auto reserve = expected_size;
  if (size_limit_ != 0) reserve = std::min(reserve, size_limit_);
  body_.reserve(static_cast<std::size_t>(std::min(reserve, kMaxReserve)));
}

// Stores decoded bytes unless the limit is already passed; past it, frees what was kept.
void DataDecoder::store(const char* begin, const char* end) {
  const auto n = static_cast<std::uint64_t>(end - begin);
  if (n == 0) return;
  size_ += n;
  if (too_big_) return;
  if (size_limit_ != 0 && size_ > size_limit_) {
    too_big_ = true;
    std::string().swap(body_);
    return;
  }
  body_.append(begin, end);
}

// Takes the rest of a line, up to and including its LF, or all of [p, end) when the line goes
// on. Any CR that is not directly followed by LF is bare; so is an LF without its CR.
const char* DataDecoder::scan_line(const char* p, const char* end) {
  const char* lf = find(p, end, '\n');
  const char* stop = lf ? lf : end;
  // The byte before stop is judged by what follows it: the LF here, or the next chunk.
  if (stop - p > 1 && find(p, stop - 1, '\r')) bare_cr_ = true;
  if (!lf) {
    // The line goes on in the next chunk: whatever starts it is not at a line start.
    state_ = end[-1] == '\r' ? State::cr : State::middle;
    return end;
  }
  ++lines_;
  if (lf > p && lf[-1] == '\r') {
    state_ = mode_ == Mode::raw ? State::middle : State::line_start;
  } else {
    bare_lf_ = true;  // and not a line start: <LF>.<CRLF> must not end the data
    state_ = State::middle;
  }
  return lf + 1;
}

std::size_t DataDecoder::feed(std::string_view bytes) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  const char* run = begin;  // start of the decoded bytes not yet stored
  while (p < end && state_ != State::finished) {
    switch (state_) {
      case State::line_start:
        if (*p == '.') {
          store(run, p);
          run = ++p;
          state_ = State::dot;
        } else {
          p = scan_line(p, end);
        }
        break;
      case State::middle:
        p = scan_line(p, end);
        break;
      case State::cr:
        if (*p == '\n') {
          ++p;
          ++lines_;
          state_ = mode_ == Mode::raw ? State::middle : State::line_start;
        } else {
          bare_cr_ = true;
          state_ = State::middle;
        }
        break;
      case State::dot:
        if (*p == '\r') {
          store(run, p);
          run = ++p;
          state_ = State::dot_cr;
        } else if (*p == '.') {  // ".." keeps one dot: the second is in the run
          ++p;
          state_ = State::middle;
        } else {
          state_ = State::middle;  // scan_line sees a bare LF here as such
        }
        break;
      case State::dot_cr:
        if (*p == '\n') {
          ++p;
          ++lines_;
          run = p;
          state_ = State::finished;
        } else {
          bare_cr_ = true;
          static constexpr char kCr = '\r';
          store(&kCr, &kCr + 1);
          state_ = State::middle;
        }
        break;
      case State::finished:
        break;
    }
  }
  if (state_ != State::finished) store(run, p);
  return static_cast<std::size_t>(p - begin);
}

void DataDecoder::finish_raw() {
  if (state_ == State::cr) bare_cr_ = true;
  state_ = State::finished;
}

}  // namespace sluice::smtpd
