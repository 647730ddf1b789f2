#pragma once
// Decodes a message body as the client sends it: after DATA (dot-stuffed, ended only by
// <CRLF>.<CRLF>) or in BDAT chunks (raw). Flags every bare CR or LF, so that the smuggling
// forms (<LF>.<LF>, <CR>.<CR>, <LF>.<CRLF>, <CRLF>.<LF>) never end the data and the message is
// refused; stops storing past the size limit but keeps reading to the end. O(n): memchr scans,
// bulk appends. Used by ServerProtocol, one instance per message; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::smtpd {

class DataDecoder {
 public:
  enum class Mode : std::uint8_t { dot_stuffed, raw };

  // size_limit 0: unlimited. expected_size (MAIL FROM SIZE=) pre-sizes the buffer.
  DataDecoder(Mode mode, std::uint64_t size_limit, std::uint64_t expected_size = 0);

  // Consumes bytes of the body. In dot_stuffed mode stops right after the terminating
  // <CRLF>.<CRLF> and returns how many bytes it took (the rest are commands); raw mode takes
  // everything.
  std::size_t feed(std::string_view bytes);
  // Raw mode: the last chunk has arrived (a CR still waiting for its LF is bare).
  void finish_raw();

  bool finished() const { return state_ == State::finished; }
  bool bare_lf() const { return bare_lf_; }
  bool bare_cr() const { return bare_cr_; }
  bool too_big() const { return too_big_; }
  std::uint64_t lines() const { return lines_; }
  std::uint64_t size() const { return size_; }  // decoded bytes so far, stored or not
  // The decoded message: CRLF line ends, dot-unstuffed. Empty once too_big().
  std::string take_body() { return std::move(body_); }
  const std::string& body() const { return body_; }

 private:
  enum class State : std::uint8_t {
    line_start,  // after CRLF (and at the start): a '.' here is special
    middle,      // inside a line
    cr,          // the previous byte was a CR, already stored
    dot,         // a '.' at line start, dropped
    dot_cr,      // ".<CR>" at line start, neither stored yet
    finished,
  };

  const char* scan_line(const char* p, const char* end);
  void store(const char* begin, const char* end);

  Mode mode_;
  State state_ = State::line_start;
  std::uint64_t size_limit_;
  std::uint64_t size_ = 0;
  std::uint64_t lines_ = 0;
  bool bare_lf_ = false;
  bool bare_cr_ = false;
  bool too_big_ = false;
  std::string body_;
};

}  // namespace sluice::smtpd
