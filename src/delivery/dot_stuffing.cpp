// dot_stuffed: the DATA transparency procedure of RFC 5321 4.5.2, plus the terminating line.

#include <cstring>
#include <string>

#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {

std::string dot_stuffed(const std::string& body) {
  if (body.empty()) return ".\r\n";  // the DATA line's CRLF already ends the previous line
  const bool ends_in_crlf = body.ends_with("\r\n");
  std::string out;
  // A line starts at the front or after any LF: a bare LF ends a line for some servers too.
  if (body.front() != '.' && body.find("\n.") == body.npos) {
    out.reserve(body.size() + 5);
    out = body;
  } else {
    out.reserve(body.size() + body.size() / 64 + 6);
    std::size_t line = 0;
    while (line < body.size()) {
      if (body[line] == '.') out += '.';
      const auto lf = body.find('\n', line);
      const auto end = lf == body.npos ? body.size() : lf + 1;
      out.append(body, line, end - line);
      line = end;
    }
  }
  if (!ends_in_crlf) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace sluice::delivery
