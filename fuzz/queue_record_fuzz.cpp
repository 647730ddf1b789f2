// Arbitrary bytes as queue records and index keys, as a corrupt or hostile store would hand
// them back: decoding never crashes or reads past the end (a corrupt store is an error value),
// and whatever decodes re-encodes to something that decodes to the same thing.
//
// Input: byte 0 says where the rest splits into a campaign row's key and value; the whole rest
// is also tried as a record, a due key and a campaign due key.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "record_codec.h"

namespace {

using namespace sluice::queue;

void check(bool condition) {
  if (!condition) std::abort();
}

void record(std::string_view bytes) {
  auto decoded = decode_record(bytes);
  if (!decoded) {
    check(decoded.error().code == sluice::ErrorCode::invalid && !decoded.error().message.empty());
    return;
  }
  // Varints may be written longer than needed, so compare encodings, not the input.
  const auto encoded = encode_record(*decoded);
  check(encoded.size() <= bytes.size());
  auto again = decode_record(encoded);
  check(again.ok() && encode_record(*again) == encoded);
  check(!decoded->id.empty());
}

void due_keys(std::string_view bytes) {
  if (auto due = decode_due_key(bytes)) {
    check(encode_due_key(due->next_attempt, due->id) == bytes);
  }
  if (auto due = decode_campaign_due_key(bytes)) {
    const auto key = encode_due_key(due->next_attempt, due->id);
    check(bytes.ends_with(key));
  }
}

void campaign_row(std::string_view key, std::string_view value) {
  auto row = decode_campaign_row(key, value);
  if (!row) return;
  auto again = decode_campaign_row(campaign_row_key(row->campaign),
                                   encode_campaign_row(row->campaign, row->active));
  check(again.ok() && again->campaign == row->campaign && again->active == row->active);
  check(campaign_due_prefix(row->campaign).size() <= 2 + kMaxIndexedCampaignBytes + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  record(rest);
  due_keys(rest);
  const std::size_t split = rest.empty() ? 0 : data[0] % (rest.size() + 1);
  campaign_row(rest.substr(0, split), rest.substr(split));
  return 0;
}
