#include "sluice/smtpd/command_parser.h"

#include <algorithm>
#include <array>
#include <limits>

namespace sluice::smtpd {

namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return upper(x) == upper(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the next blank-separated word.
std::string_view next_word(std::string_view& s) {
  s = trim(s);
  std::size_t n = 0;
  while (n < s.size() && !is_blank(s[n])) ++n;
  const auto word = s.substr(0, n);
  s.remove_prefix(n);
  return word;
}

struct VerbName {
  std::string_view name;
  Verb verb;
};
constexpr std::array<VerbName, 15> kVerbs{{
    {"HELO", Verb::helo},
    {"EHLO", Verb::ehlo},
    {"MAIL", Verb::mail},
    {"RCPT", Verb::rcpt},
    {"DATA", Verb::data},
    {"BDAT", Verb::bdat},
    {"RSET", Verb::rset},
    {"NOOP", Verb::noop},
    {"QUIT", Verb::quit},
    {"VRFY", Verb::vrfy},
    {"HELP", Verb::help},
    {"STARTTLS", Verb::starttls},
    {"AUTH", Verb::auth},
    {"ETRN", Verb::etrn},
    {"EXPN", Verb::expn},
}};

// Length of the bracketed path at the start of s, quote-aware ("<\"a>b\"@x>"), or 0.
std::size_t bracketed_length(std::string_view s) {
  bool quoted = false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '>' && !quoted) {
      return i + 1;
    }
  }
  return 0;
}

Error unsupported(std::string_view option) {
  return make_error(std::string(option), ErrorCode::failed);
}

bool parse_decimal(std::string_view digits, std::uint64_t& value) {
  if (digits.empty() || digits.size() > 20) return false;
  value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  return true;
}

}  // namespace

CommandLine parse_command_line(std::string_view line) {
  CommandLine command;
  auto rest = line;
  const auto word = next_word(rest);
  command.argument = trim(rest);
  if (word.empty()) return command;
  command.verb = Verb::unknown;
  for (const auto& entry : kVerbs) {
    if (equals_ignore_case(word, entry.name)) {
      command.verb = entry.verb;
      break;
    }
  }
  return command;
}

Result<PathArgument> split_path_argument(std::string_view argument, std::string_view keyword) {
  const auto colon = argument.find(':');
  if (colon == std::string_view::npos ||
      !equals_ignore_case(trim(argument.substr(0, colon)), keyword)) {
    return make_error("expected " + std::string(keyword) + ":", ErrorCode::invalid);
  }
  auto rest = trim(argument.substr(colon + 1));
  PathArgument result;
  if (!rest.empty() && rest.front() == '<') {
    const auto length = bracketed_length(rest);
    if (length == 0) return make_error("unbalanced angle brackets", ErrorCode::invalid);
    result.path = rest.substr(0, length);
    rest.remove_prefix(length);
    if (!rest.empty() && !is_blank(rest.front())) {
      return make_error("garbage after path", ErrorCode::invalid);
    }
  } else {
    result.path = next_word(rest);
    if (result.path.empty()) return make_error("missing path", ErrorCode::invalid);
  }
  result.parameters = trim(rest);
  return result;
}

Result<MailParameters> parse_mail_parameters(std::string_view parameters) {
  MailParameters result;
  for (auto option = next_word(parameters); !option.empty(); option = next_word(parameters)) {
    const auto equals = option.find('=');
    const auto key = option.substr(0, equals);
    const auto value =
        equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);
    if (equals_ignore_case(key, "SIZE") && equals != std::string_view::npos) {
      if (value.empty() ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return make_error(std::string(option), ErrorCode::invalid);
      }
      result.size_given = true;
      if (!parse_decimal(value, result.size))
        result.size = std::numeric_limits<std::uint64_t>::max();
    } else if (equals_ignore_case(key, "BODY") && equals != std::string_view::npos) {
      if (equals_ignore_case(value, "7BIT")) {
        result.body = Body::seven_bit;
      } else if (equals_ignore_case(value, "8BITMIME")) {
        result.body = Body::eight_bit_mime;
      } else {
        return unsupported(option);
      }
    } else if (equals_ignore_case(option, "SMTPUTF8")) {
      result.smtputf8 = true;
    } else {
      return unsupported(option);
    }
  }
  return result;
}

Result<void> parse_rcpt_parameters(std::string_view parameters) {
  const auto option = next_word(parameters);
  if (!option.empty()) return unsupported(option);
  return {};
}

Result<BdatArgument> parse_bdat_argument(std::string_view argument) {
  BdatArgument result;
  const auto size = next_word(argument);
  const auto last = next_word(argument);
  if (!parse_decimal(size, result.size)) return make_error("bad BDAT size", ErrorCode::invalid);
  if (!last.empty()) {
    if (!equals_ignore_case(last, "LAST")) return make_error("bad BDAT option", ErrorCode::invalid);
    result.last = true;
  }
  if (!next_word(argument).empty()) return make_error("extra BDAT argument", ErrorCode::invalid);
  return result;
}

}  // namespace sluice::smtpd
