// Arbitrary bytes into DataDecoder (both modes), split where the first byte says; the split
// must not change the result, and a clean result must hold no bare CR or LF.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/smtpd/data_decoder.h"

namespace {

using sluice::smtpd::DataDecoder;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  std::string body;
  std::size_t consumed = 0;
  bool finished = false, bare_lf = false, bare_cr = false, too_big = false;
  std::uint64_t lines = 0;
  bool operator==(const Outcome&) const = default;
};

Outcome decode(DataDecoder::Mode mode, std::string_view input, std::size_t piece,
               std::uint64_t limit) {
  DataDecoder decoder(mode, limit);
  Outcome o;
  while (!input.empty() && !decoder.finished()) {
    const auto n = std::min(piece, input.size());
    const auto used = decoder.feed(input.substr(0, n));
    check(used <= n);
    check(used == n || decoder.finished());
    o.consumed += used;
    input.remove_prefix(n);
  }
  if (mode == DataDecoder::Mode::raw) decoder.finish_raw();
  o.finished = decoder.finished();
  o.bare_lf = decoder.bare_lf();
  o.bare_cr = decoder.bare_cr();
  o.too_big = decoder.too_big();
  o.lines = decoder.lines();
  o.body = decoder.take_body();
  check(limit == 0 || o.body.size() <= limit);
  if (o.finished && !o.bare_lf && !o.bare_cr) {
    for (std::size_t i = 0; i < o.body.size(); ++i) {
      if (o.body[i] == '\r') check(i + 1 < o.body.size() && o.body[i + 1] == '\n');
      if (o.body[i] == '\n') check(i > 0 && o.body[i - 1] == '\r');
    }
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 32;
  const std::uint64_t limit = (data[0] & 0x80) ? 64 : 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (auto mode : {DataDecoder::Mode::dot_stuffed, DataDecoder::Mode::raw}) {
    const auto whole = decode(mode, input, input.size() + 1, limit);
    check(decode(mode, input, piece, limit) == whole);
    if (mode == DataDecoder::Mode::raw) check(whole.consumed == input.size());
  }
  return 0;
}
