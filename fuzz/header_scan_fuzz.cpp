// Arbitrary message bytes into HeaderScanner, split where the first byte says: the split must
// not change the result; values stay capped and free of line ends.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/mail/header_scan.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  std::string a, b;
  std::uint32_t received = 0;
  bool done = false;
  bool operator==(const Outcome&) const = default;
};

Outcome scan(std::string_view input, std::size_t piece, std::size_t cap) {
  sluice::mail::HeaderScanner scanner({"X-Campaign-ID", "x-campaign-group"}, cap);
  while (!input.empty()) {
    const auto n = std::min(piece, input.size());
    scanner.feed(input.substr(0, n));
    input.remove_prefix(n);
  }
  Outcome o;
  o.done = scanner.done();
  scanner.finish();
  o.a = scanner.value(0);
  o.b = scanner.value(1);
  o.received = scanner.received_count();
  for (const auto* value : {&o.a, &o.b}) {
    check(value->size() <= cap);
    check(value->find('\r') == std::string::npos && value->find('\n') == std::string::npos);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 16;
  const std::size_t cap = (data[0] & 0x80) ? 8 : sluice::mail::kMaxHeaderValue;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  check(scan(input, piece, cap) == scan(input, input.size() + 1, cap));
  return 0;
}
