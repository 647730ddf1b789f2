#include "sluice/mail/address.h"

#include <algorithm>
#include <cstdint>

namespace sluice::mail {

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }
bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 5322 atext.
bool is_atext(unsigned char c) {
  constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return is_alnum(c) || (c != 0 && kSpecials.find(static_cast<char>(c)) != std::string_view::npos);
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

Error invalid(std::string message) { return make_error(std::move(message), ErrorCode::invalid); }

bool is_valid_ipv4(std::string_view s) {
  int parts = 0;
  while (true) {
    std::size_t n = 0;
    unsigned value = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
      value = value * 10 + unsigned(s[n] - '0');
      if (++n > 3) return false;
    }
    if (n == 0 || value > 255) return false;
    ++parts;
    s.remove_prefix(n);
    if (s.empty()) return parts == 4;
    if (s.front() != '.' || parts == 4) return false;
    s.remove_prefix(1);
  }
}

// Counts the 16-bit groups of one side of an IPv6 address; only the last side may end in IPv4.
bool count_ipv6_groups(std::string_view s, bool allow_ipv4_tail, int& groups) {
  groups = 0;
  if (s.empty()) return true;
  while (true) {
    const auto colon = s.find(':');
    const auto piece = s.substr(0, colon);
    if (colon == std::string_view::npos && allow_ipv4_tail &&
        piece.find('.') != std::string_view::npos) {
      if (!is_valid_ipv4(piece)) return false;
      groups += 2;
      return true;
    }
    if (piece.empty() || piece.size() > 4) return false;
    if (!std::all_of(piece.begin(), piece.end(), [](char c) { return is_hex(c); })) return false;
    ++groups;
    if (colon == std::string_view::npos) return true;
    s.remove_prefix(colon + 1);
  }
}

bool is_valid_ipv6(std::string_view s) {
  const auto gap = s.find("::");
  int left = 0;
  int right = 0;
  if (gap == std::string_view::npos) return count_ipv6_groups(s, true, left) && left == 8;
  if (s.find("::", gap + 1) != std::string_view::npos) return false;
  return count_ipv6_groups(s.substr(0, gap), false, left) &&
         count_ipv6_groups(s.substr(gap + 2), true, right) && left + right <= 7;
}

// A quoted local part ("a b"), returns its length including the quotes, or 0 when malformed.
std::size_t quoted_length(std::string_view s, bool allow_utf8) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size()) return 0;
      const auto escaped = static_cast<unsigned char>(s[i]);
      if (escaped < 0x20 || escaped > 0x7e) return 0;
    } else if (c >= 0x80 ? !allow_utf8 : (c < 0x20 || c > 0x7e)) {
      return 0;
    }
  }
  return 0;
}

Result<std::string_view> strip_source_route(std::string_view mailbox, bool allow_utf8) {
  if (mailbox.empty() || mailbox.front() != '@') return mailbox;
  const auto colon = mailbox.find(':');
  if (colon == std::string_view::npos) return invalid("source route without ':'");
  auto route = mailbox.substr(0, colon);
  while (!route.empty()) {
    const auto comma = route.find(',');
    const auto hop = route.substr(0, comma);
    if (hop.size() < 2 || hop.front() != '@' || !is_valid_domain(hop.substr(1), allow_utf8)) {
      return invalid("bad source route");
    }
    if (comma == std::string_view::npos) break;
    route.remove_prefix(comma + 1);
    if (route.empty()) return invalid("bad source route");  // a trailing comma
  }
  return mailbox.substr(colon + 1);
}

Result<Address> parse_mailbox(std::string_view mailbox, bool allow_utf8) {
  Address address;
  std::size_t local_length = 0;
  if (!mailbox.empty() && mailbox.front() == '"') {
    local_length = quoted_length(mailbox, allow_utf8);
    if (local_length == 0) return invalid("bad quoted local part");
  } else {
    while (local_length < mailbox.size()) {
      const auto c = static_cast<unsigned char>(mailbox[local_length]);
      if (c == '@') break;
      // Dots are taken liberally (a..b, trailing dot), as Postfix does by default.
      if (!is_atext(c) && c != '.' && !(c >= 0x80 && allow_utf8)) {
        return invalid("bad character in local part");
      }
      ++local_length;
    }
  }
  if (local_length == 0) return invalid("empty local part");
  if (local_length > kMaxLocalPart) return invalid("local part too long");
  if (local_length == mailbox.size() || mailbox[local_length] != '@') {
    return invalid("missing domain");
  }
  const auto domain = mailbox.substr(local_length + 1);
  if (domain.empty()) return invalid("empty domain");
  if (domain.size() > kMaxDomain) return invalid("domain too long");
  const bool ok = domain.front() == '[' ? is_valid_address_literal(domain)
                                        : is_valid_domain(domain, allow_utf8);
  if (!ok) return invalid("bad domain");
  address.local_part.assign(mailbox.substr(0, local_length));
  address.domain.assign(domain);
  return address;
}

}  // namespace

std::string Address::mailbox() const {
  if (domain.empty()) return local_part;
  std::string text;
  text.reserve(local_part.size() + 1 + domain.size());
  text.append(local_part).append(1, '@').append(domain);
  return text;
}

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int more = 0;
    unsigned char low = 0x80, high = 0xbf;  // bounds of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      more = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c == 0xe0) low = 0xa0;   // overlong
      if (c == 0xed) high = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (end - p <= more) return false;
    if (p[1] < low || p[1] > high) return false;
    for (int i = 2; i <= more; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += more + 1;
  }
  return true;
}

bool is_valid_domain(std::string_view domain, bool allow_utf8) {
  if (domain.empty() || domain.size() > kMaxDomain) return false;
  std::size_t label = 0;
  for (const char ch : domain) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!is_alnum(c) && c != '-' && c != '_' && !(c >= 0x80 && allow_utf8)) return false;
    if (++label > 63) return false;
  }
  return label != 0;
}

bool is_valid_address_literal(std::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  const auto inner = literal.substr(1, literal.size() - 2);
  constexpr std::string_view kIpv6Tag = "IPv6:";
  if (inner.size() > kIpv6Tag.size() && equals_ignore_case(inner.substr(0, 5), kIpv6Tag)) {
    return is_valid_ipv6(inner.substr(kIpv6Tag.size()));
  }
  return is_valid_ipv4(inner);
}

Result<Address> parse_path(std::string_view path, bool allow_utf8) {
  // The limit counts the brackets also when the client left them out: what is accepted here
  // must fit again when sent on as "<mailbox>".
  const bool bracketed = !path.empty() && path.front() == '<';
  if (path.size() + (bracketed ? 0 : 2) > kMaxPath) return invalid("path too long");
  bool non_ascii = false;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_control(c)) return invalid("control character in path");
    non_ascii |= c >= 0x80;
  }
  if (non_ascii && !allow_utf8) return invalid("non-ASCII path without SMTPUTF8");
  if (non_ascii && !is_valid_utf8(path)) return invalid("malformed UTF-8 in path");

  std::string_view inner = path;
  if (!inner.empty() && inner.front() == '<') {
    if (inner.size() < 2 || inner.back() != '>') return invalid("unbalanced angle brackets");
    inner = inner.substr(1, inner.size() - 2);
    if (inner.empty()) return Address{};
  } else if (inner.empty()) {
    return invalid("empty path");
  }
  auto mailbox = strip_source_route(inner, allow_utf8);
  if (!mailbox) return mailbox.error();
  auto address = parse_mailbox(*mailbox, allow_utf8);
  // Of the mailbox only: a UTF-8 source route is dropped with the route.
  if (address) {
    address->utf8 = std::any_of(mailbox->begin(), mailbox->end(),
                                [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  }
  return address;
}

Result<Address> parse_recipient_path(std::string_view path, bool allow_utf8) {
  auto inner = path;
  if (inner.size() >= 2 && inner.front() == '<' && inner.back() == '>') {
    inner = inner.substr(1, inner.size() - 2);
  }
  if (equals_ignore_case(inner, "postmaster")) return Address{"postmaster", {}, false};
  auto address = parse_path(path, allow_utf8);
  if (address && address->is_null()) return invalid("null recipient");
  return address;
}

}  // namespace sluice::mail
