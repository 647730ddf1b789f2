#include "record_codec.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

namespace sluice::queue {
namespace {

constexpr unsigned char kFlagSmtputf8 = 1;
constexpr unsigned char kFlagEightBit = 2;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Signed values (times) as zigzag varints, so small negative values stay short.
void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Reads from the front of `in_`; every read checks what is left, and the first failure makes
// the whole decode fail.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return std::nullopt;
      const auto byte = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      if (shift == 63 && byte > 1) return std::nullopt;  // more than 64 bits
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return std::nullopt;
  }

  std::optional<std::int64_t> signed_varint() {
    auto v = varint();
    if (!v) return std::nullopt;
    return static_cast<std::int64_t>((*v >> 1) ^ (~(*v & 1) + 1));
  }

  std::optional<unsigned char> byte() {
    if (in_.empty()) return std::nullopt;
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return b;
  }

  bool string(std::string& out) {
    auto length = varint();
    if (!length || *length > in_.size()) return false;
    out.assign(in_.substr(0, *length));
    in_.remove_prefix(*length);
    return true;
  }

  std::size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

// Microseconds that fit SystemTime's own (finer) duration: converting anything larger would
// overflow, so corrupt times are rejected rather than converted.
bool representable(std::int64_t micros) {
  constexpr auto limit =
      std::chrono::duration_cast<std::chrono::microseconds>(SystemTime::duration::max()).count();
  return micros <= limit && micros >= -limit;
}

Error corrupt(std::string_view what) {
  return make_error("corrupt queue record: " + std::string(what), ErrorCode::invalid);
}

bool read_recipients(Reader& in, std::vector<mail::Recipient>& out) {
  auto count = in.varint();
  // Each recipient takes at least 3 bytes: a bound before reserving memory for them.
  if (!count || *count > in.left() / 3) return false;
  out.resize(*count);
  for (auto& r : out) {
    if (!in.string(r.address)) return false;
    auto state = in.byte();
    if (!state || *state > static_cast<unsigned char>(mail::RecipientState::failed)) return false;
    r.state = static_cast<mail::RecipientState>(*state);
    if (!in.string(r.last_reply)) return false;
  }
  return true;
}

void append_due_key(std::string& out, SystemTime next_attempt, std::string_view id) {
  const long long micros = to_micros(next_attempt);
  const auto t = static_cast<std::uint64_t>(micros < 0 ? 0 : micros);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((t >> (56 - 8 * i)) & 0xff));
  out.append(id);
}

std::size_t index_name_size(std::string_view campaign) {
  return campaign.size() <= kMaxIndexedCampaignBytes ? campaign.size()
                                                     : kMaxIndexedCampaignBytes + 1;
}

void append_index_name(std::string& out, std::string_view campaign) {
  if (campaign.size() <= kMaxIndexedCampaignBytes) {
    out.append(campaign);
    return;
  }
  // FNV-1a: fixed by the format, unlike std::hash, so every build finds the same keys.
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : campaign) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  out.append(campaign.substr(0, kMaxIndexedCampaignBytes - 7));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((hash >> (56 - 8 * i)) & 0xff));
}

void append_campaign_prefix(std::string& out, std::string_view campaign) {
  put_varint(out, index_name_size(campaign));
  append_index_name(out, campaign);
}

}  // namespace

std::string encode_record(const QueuedMessage& m) {
  std::string out;
  out.reserve(64 + m.id.size() + m.sender.size() + m.client.size() + m.last_error.size() +
              m.recipients.size() * 40);
  out.push_back(static_cast<char>(kRecordVersion));
  put_string(out, m.id);
  put_signed(out, to_micros(m.arrival));
  put_string(out, m.sender);
  put_varint(out, m.recipients.size());
  for (const auto& r : m.recipients) {
    put_string(out, r.address);
    out.push_back(static_cast<char>(r.state));
    put_string(out, r.last_reply);
  }
  put_varint(out, m.size);
  put_string(out, m.campaign);
  put_string(out, m.campaign_group);
  out.push_back(
      static_cast<char>((m.smtputf8 ? kFlagSmtputf8 : 0) | (m.eight_bit ? kFlagEightBit : 0)));
  put_string(out, m.client);
  put_varint(out, m.attempts);
  put_signed(out, to_micros(m.next_attempt));
  put_string(out, m.last_error);
  out.push_back(static_cast<char>(m.state));
  return out;
}

Result<QueuedMessage> decode_record(std::string_view bytes) {
  Reader in(bytes);
  auto version = in.byte();
  if (!version) return corrupt("empty");
  if (*version != kRecordVersion) {
    return corrupt("unknown record version " + std::to_string(*version));
  }
  QueuedMessage m;
  if (!in.string(m.id) || m.id.empty()) return corrupt("id");
  auto arrival = in.signed_varint();
  if (!arrival || !representable(*arrival)) return corrupt("arrival");
  m.arrival = from_micros(*arrival);
  if (!in.string(m.sender)) return corrupt("sender");
  if (!read_recipients(in, m.recipients)) return corrupt("recipients");
  auto size = in.varint();
  if (!size) return corrupt("size");
  m.size = *size;
  if (!in.string(m.campaign) || !in.string(m.campaign_group)) return corrupt("campaign");
  auto flags = in.byte();
  if (!flags || (*flags & ~(kFlagSmtputf8 | kFlagEightBit)) != 0) return corrupt("flags");
  m.smtputf8 = (*flags & kFlagSmtputf8) != 0;
  m.eight_bit = (*flags & kFlagEightBit) != 0;
  if (!in.string(m.client)) return corrupt("client");
  auto attempts = in.varint();
  if (!attempts || *attempts > std::numeric_limits<std::uint32_t>::max()) {
    return corrupt("attempts");
  }
  m.attempts = static_cast<std::uint32_t>(*attempts);
  auto next_attempt = in.signed_varint();
  if (!next_attempt || !representable(*next_attempt)) return corrupt("next attempt");
  m.next_attempt = from_micros(*next_attempt);
  if (!in.string(m.last_error)) return corrupt("last error");
  auto state = in.byte();
  if (!state || *state > static_cast<unsigned char>(MessageState::dead)) return corrupt("state");
  m.state = static_cast<MessageState>(*state);
  if (in.left() != 0) return corrupt("trailing bytes");
  return m;
}

std::string encode_due_key(SystemTime next_attempt, const mail::QueueId& id) {
  std::string key;
  key.reserve(8 + id.size());
  append_due_key(key, next_attempt, id);
  return key;
}

Result<DueEntry> decode_due_key(std::string_view key) {
  if (key.size() <= 8) return make_error("corrupt due key", ErrorCode::invalid);
  std::uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<unsigned char>(key[i]);
  if (t > static_cast<std::uint64_t>(std::numeric_limits<long long>::max()) ||
      !representable(static_cast<std::int64_t>(t))) {
    return make_error("corrupt due key", ErrorCode::invalid);
  }
  return DueEntry{from_micros(static_cast<long long>(t)), mail::QueueId(key.substr(8))};
}

std::string campaign_index_name(std::string_view campaign) {
  std::string name;
  append_index_name(name, campaign);
  return name;
}

std::string campaign_due_prefix(std::string_view campaign) {
  std::string prefix;
  append_campaign_prefix(prefix, campaign);
  return prefix;
}

// One allocation: this runs for every enqueue and every reschedule.
std::string encode_campaign_due_key(std::string_view campaign, SystemTime next_attempt,
                                    const mail::QueueId& id) {
  std::string key;
  key.reserve(2 + index_name_size(campaign) + 8 + id.size());
  append_campaign_prefix(key, campaign);
  append_due_key(key, next_attempt, id);
  return key;
}

Result<DueEntry> decode_campaign_due_key(std::string_view key) {
  Reader in(key);
  std::string name;
  if (!in.string(name) || name.size() > kMaxIndexedCampaignBytes + 1) {
    return make_error("corrupt campaign due key", ErrorCode::invalid);
  }
  return decode_due_key(key.substr(key.size() - in.left()));
}

std::string campaign_row_key(std::string_view campaign) {
  std::string key = ".";
  append_index_name(key, campaign);
  return key;
}

std::string encode_campaign_row(std::string_view campaign, std::uint64_t active) {
  std::string value;
  put_varint(value, active);
  if (campaign.size() > kMaxIndexedCampaignBytes) value.append(campaign);
  return value;
}

Result<CampaignQueue> decode_campaign_row(std::string_view key, std::string_view value) {
  Reader in(value);
  auto active = in.varint();
  if (key.empty() || key.front() != '.' || !active) {
    return make_error("corrupt campaign row", ErrorCode::invalid);
  }
  // A full name follows only an abbreviated index name, so it is longer than any other name.
  const std::string_view full = value.substr(value.size() - in.left());
  if (!full.empty() && full.size() <= kMaxIndexedCampaignBytes) {
    return make_error("corrupt campaign row", ErrorCode::invalid);
  }
  CampaignQueue row;
  row.active = *active;
  row.campaign = std::string(full.empty() ? key.substr(1) : full);
  return row;
}

}  // namespace sluice::queue
