#pragma once
// SMTP replies as an upstream sends them (RFC 5321 4.2), and the incremental parser that turns
// the byte stream of a client connection into whole replies. Pure: no sockets.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"

namespace sluice::delivery {

struct SmtpReply {
  int code = 0;                     // 200..599
  std::string enhanced;             // "4.7.0" when the first line carries one, else empty
  std::vector<std::string> lines;   // text after "NNN-"/"NNN ", one per line, CR LF removed

  int reply_class() const { return code / 100; }
  bool positive() const { return code >= 200 && code < 400; }
  // "451 4.3.0 first line text; second line" in one line, for logs and per-recipient records.
  std::string to_string() const;
};

struct ReplyLimits {
  std::size_t max_line = 4096;    // bytes per reply line, CR LF included
  std::size_t max_lines = 1000;   // lines per multi-line reply (EHLO)
};

// Feed bytes as they arrive, in any split; take complete replies with next(). A malformed or
// oversized reply is an error value; after one, the connection is not usable.
class ReplyParser {
 public:
  explicit ReplyParser(ReplyLimits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes);
  // The next complete reply, an error, or nullopt when more bytes are needed.
  std::optional<Result<SmtpReply>> next();
  // Bytes received but not yet part of a returned reply (after STARTTLS they must be none).
  std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  Result<SmtpReply> fail(std::string why);
  void compact();

  ReplyLimits limits_;
  std::string buffer_;
  std::size_t consumed_ = 0;    // start of the reply being assembled
  std::size_t line_start_ = 0;  // start of its next line
  std::size_t searched_ = 0;    // bytes from line_start_ known to hold no LF
  SmtpReply partial_;           // the lines of a multi-line reply seen so far
  std::optional<Error> error_;  // once set, every next() returns it
};

}  // namespace sluice::delivery
