#pragma once
// Text helpers for generated mail (the DSN): RFC 5322 dates and lines that are safe to send,
// CRLF-terminated and never longer than 998 bytes. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"

namespace sluice::outcome {

inline constexpr std::size_t kMaxLineBytes = 998;  // RFC 5322 2.1.1, CRLF excluded
inline constexpr std::size_t kFoldColumn = 78;     // the recommended width, where spaces allow

// "Tue, 14 Nov 2023 22:13:20 +0000" (always UTC).
std::string rfc5322_date(SystemTime t);

// The text on one line: each run of CR, LF and other control characters becomes one space;
// leading and trailing spaces go. Multi-line SMTP replies come out as one line.
std::string one_line(std::string_view text);

// Appends `head` followed by the words of `text` (one_line()d first), folded at spaces near
// kFoldColumn; each continuation line starts with `indent`. A word too long for one line is
// cut at kMaxLineBytes, at a UTF-8 character boundary. Every line ends with CRLF.
void append_folded(std::string& out, std::string_view head, std::string_view text,
                   std::string_view indent);

bool has_8bit(std::string_view text);

// At most `max` bytes of `text`, shortened to a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max);

}  // namespace sluice::outcome
