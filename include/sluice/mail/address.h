#pragma once
// RFC 5321 paths as they appear in MAIL FROM and RCPT TO: "<local@domain>", with source routes
// stripped, quoted local parts and address literals. The SMTP server protocol calls these for
// every MAIL and RCPT; pure functions, callable from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::mail {

inline constexpr std::size_t kMaxLocalPart = 64;
inline constexpr std::size_t kMaxDomain = 255;
inline constexpr std::size_t kMaxPath = 256;  // brackets included (RFC 5321 4.5.3.1.3)

// A mailbox from a path. Both parts empty: the null reverse-path "<>". An empty domain with a
// local part: the unqualified "<postmaster>" (only parse_recipient_path returns that).
struct Address {
  std::string local_part;  // as written: a quoted local part keeps its quotes
  std::string domain;      // a name, or an address literal with its brackets
  bool utf8 = false;       // contains non-ASCII bytes (needs SMTPUTF8)

  bool is_null() const { return local_part.empty() && domain.empty(); }
  // "local@domain", "postmaster", or "" for the null path: what the envelope stores.
  std::string mailbox() const;
};

// Parses a reverse- or forward-path. Angle brackets are optional, as Postfix accepts them
// missing; "<>" gives the null address. Non-ASCII is accepted only when allow_utf8 (the client
// said SMTPUTF8) and must be valid UTF-8. CR, LF, NUL and other controls are always rejected.
Result<Address> parse_path(std::string_view path, bool allow_utf8);

// A forward-path for RCPT TO: like parse_path, but the null path is an error and the
// unqualified "<postmaster>" (any case) is accepted as RFC 5321 4.5.1 requires.
Result<Address> parse_recipient_path(std::string_view path, bool allow_utf8);

// Syntax checks used by parse_path, exposed for tests and for other parsers (e.g. HELO names).
bool is_valid_domain(std::string_view domain, bool allow_utf8);
bool is_valid_address_literal(std::string_view literal);  // "[1.2.3.4]" or "[IPv6:...]"
bool is_valid_utf8(std::string_view text);

}  // namespace sluice::mail
