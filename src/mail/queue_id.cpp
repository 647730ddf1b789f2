#include "sluice/mail/queue_id.h"

#include <algorithm>

namespace sluice::mail {

namespace {

constexpr std::size_t kTimeDigits = 11;     // 44 bits of microseconds: wraps after ~557 years
constexpr std::size_t kSequenceDigits = 5;  // 20 bits
constexpr std::uint32_t kSequenceMask = (1u << 20) - 1;
constexpr char kHex[] = "0123456789ABCDEF";

void put_hex(char* out, std::size_t digits, std::uint64_t value) {
  for (std::size_t i = digits; i-- > 0;) {
    out[i] = kHex[value & 0xf];
    value >>= 4;
  }
}

}  // namespace

bool is_valid_queue_id(std::string_view id) {
  return id.size() == kTimeDigits + kSequenceDigits &&
         std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

QueueIdGenerator::QueueIdGenerator(const Clock& clock, std::uint32_t random_start)
    : clock_(clock), sequence_(random_start) {}

QueueId QueueIdGenerator::next() {
  // Relaxed is enough: only uniqueness of the counter matters, not ordering with other memory.
  const std::uint32_t sequence = sequence_.fetch_add(1, std::memory_order_relaxed) & kSequenceMask;
  const auto micros = static_cast<std::uint64_t>(to_micros(clock_.now()));
  QueueId id(kTimeDigits + kSequenceDigits, '0');
  put_hex(id.data(), kTimeDigits, micros);
  put_hex(id.data() + kTimeDigits, kSequenceDigits, sequence);
  return id;
}

}  // namespace sluice::mail
