#pragma once
// Parsing of SMTP command lines and their arguments (RFC 5321, 1870, 3030, 6152, 6531): the
// verb, the path and the ESMTP parameters of MAIL/RCPT, the BDAT size. Pure functions over
// string_views into the caller's line; ServerProtocol turns their results into replies.

#include <cstdint>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::smtpd {

enum class Verb : std::uint8_t {
  helo,
  ehlo,
  mail,
  rcpt,
  data,
  bdat,
  rset,
  noop,
  quit,
  vrfy,
  help,
  starttls,
  auth,
  etrn,
  expn,
  unknown,  // any other word
  empty,    // an empty (or all blank) line
};

struct CommandLine {
  Verb verb = Verb::empty;
  std::string_view argument;  // after the verb, surrounding blanks removed
};

// line: one command line without its CRLF.
CommandLine parse_command_line(std::string_view line);

// "FROM:<a@b> SIZE=10" -> path "<a@b>", parameters "SIZE=10". keyword is "FROM" or "TO"
// (case-insensitive); blanks after the colon are allowed, and the path may lack its brackets.
struct PathArgument {
  std::string_view path;
  std::string_view parameters;
};
Result<PathArgument> split_path_argument(std::string_view argument, std::string_view keyword);

enum class Body : std::uint8_t { unspecified, seven_bit, eight_bit_mime };

struct MailParameters {
  bool size_given = false;
  std::uint64_t size = 0;  // saturates at UINT64_MAX for absurd values
  Body body = Body::unspecified;
  bool smtputf8 = false;
};

// Errors: ErrorCode::invalid for a malformed SIZE value; otherwise ErrorCode::failed for an
// option we do not support. The message is the offending option as the client wrote it.
Result<MailParameters> parse_mail_parameters(std::string_view parameters);
// RCPT takes no parameters (no DSN yet); same error convention.
Result<void> parse_rcpt_parameters(std::string_view parameters);

struct BdatArgument {
  std::uint64_t size = 0;
  bool last = false;
};
// "<size> [LAST]"; the size has at most 20 digits and must fit 64 bits.
Result<BdatArgument> parse_bdat_argument(std::string_view argument);

}  // namespace sluice::smtpd
