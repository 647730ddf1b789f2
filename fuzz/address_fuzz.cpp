// Arbitrary bytes into the RFC 5321 path parser: no crash, accepted mailboxes are free of
// controls and within the length limits, and parse again to themselves.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/mail/address.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_address(std::string_view path, bool utf8, bool recipient) {
  auto address = recipient ? sluice::mail::parse_recipient_path(path, utf8)
                           : sluice::mail::parse_path(path, utf8);
  if (!address) return;
  const auto mailbox = address->mailbox();
  for (const char c : mailbox) {
    const auto u = static_cast<unsigned char>(c);
    check(u >= 0x20 && u != 0x7f);
    check(utf8 || u < 0x80);
  }
  check(address->local_part.size() <= sluice::mail::kMaxLocalPart);
  check(address->domain.size() <= sluice::mail::kMaxDomain);
  if (address->is_null() || address->domain.empty()) return;
  auto again = sluice::mail::parse_path("<" + mailbox + ">", utf8);
  check(again.ok());
  check(again->mailbox() == mailbox);
  check(again->utf8 == address->utf8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  for (bool utf8 : {false, true}) {
    check_address(path, utf8, false);
    check_address(path, utf8, true);
  }
  sluice::mail::is_valid_address_literal(path);
  sluice::mail::is_valid_domain(path, true);
  return 0;
}
