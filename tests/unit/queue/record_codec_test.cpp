#include "queue/record_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace sluice::queue {
namespace {

QueuedMessage every_field_set() {
  QueuedMessage m;
  m.id = "0123456789ABCDEF";
  m.arrival = from_micros(1'700'000'000'123'456);
  m.sender = "s\xC3\xA9nder@example.org";
  m.recipients = {
      {"a@example.com", mail::RecipientState::pending, "451 4.7.1 try later"},
      {"b@example.com", mail::RecipientState::delivered, "250 ok"},
      {"c@example.com", mail::RecipientState::failed, std::string(300, 'x')},
  };
  m.size = 1ull << 40;
  m.campaign = "spring-sale";
  m.campaign_group = "retail";
  m.smtputf8 = true;
  m.eight_bit = true;
  m.client = "mx.example.org[2001:db8::1]";
  m.attempts = 4'000'000'000u;
  m.next_attempt = from_micros(-5);  // before the epoch: exercises negative zigzag values
  m.last_error = std::string("binary\0error", 12);
  m.state = MessageState::held;
  return m;
}

void expect_same(const QueuedMessage& a, const QueuedMessage& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.arrival, b.arrival);
  EXPECT_EQ(a.sender, b.sender);
  ASSERT_EQ(a.recipients.size(), b.recipients.size());
  for (std::size_t i = 0; i < a.recipients.size(); ++i) {
    EXPECT_EQ(a.recipients[i].address, b.recipients[i].address);
    EXPECT_EQ(a.recipients[i].state, b.recipients[i].state);
    EXPECT_EQ(a.recipients[i].last_reply, b.recipients[i].last_reply);
  }
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.campaign, b.campaign);
  EXPECT_EQ(a.campaign_group, b.campaign_group);
  EXPECT_EQ(a.smtputf8, b.smtputf8);
  EXPECT_EQ(a.eight_bit, b.eight_bit);
  EXPECT_EQ(a.client, b.client);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.next_attempt, b.next_attempt);
  EXPECT_EQ(a.last_error, b.last_error);
  EXPECT_EQ(a.state, b.state);
}

TEST(RecordCodec, RoundTripsEveryField) {
  const QueuedMessage m = every_field_set();
  const std::string bytes = encode_record(m);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), kRecordVersion);
  auto decoded = decode_record(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_same(m, *decoded);
}

TEST(RecordCodec, RoundTripsDefaultsAndEachFlagAlone) {
  QueuedMessage m;
  m.id = "X";
  for (int flags = 0; flags < 4; ++flags) {
    m.smtputf8 = flags & 1;
    m.eight_bit = flags & 2;
    m.state = static_cast<MessageState>(flags % 3);
    auto decoded = decode_record(encode_record(m));
    ASSERT_TRUE(decoded) << decoded.error().message;
    expect_same(m, *decoded);
  }
}

TEST(RecordCodec, MatchesTheExampleInFormatMd) {
  QueuedMessage m;
  m.id = "A";
  m.recipients = {{"b@c", mail::RecipientState::pending, ""}};
  m.size = 5;
  const std::string expected(
      "\x01\x01"
      "A\x00\x00\x01\x03"
      "b@c\x00\x00\x05"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      21);
  EXPECT_EQ(encode_record(m), expected);
}

TEST(RecordCodec, RejectsEveryTruncation) {
  const std::string bytes = encode_record(every_field_set());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decode_record(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(decoded) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.error().code, ErrorCode::invalid);
  }
}

TEST(RecordCodec, RejectsTrailingBytesAndUnknownVersion) {
  std::string bytes = encode_record(every_field_set());
  EXPECT_FALSE(decode_record(bytes + '\0'));
  bytes[0] = 2;
  auto decoded = decode_record(bytes);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("version"), std::string::npos);
}

TEST(RecordCodec, RejectsOutOfRangeStatesAndFlags) {
  QueuedMessage m;
  m.id = "ID";
  m.recipients = {{"a@example.com", mail::RecipientState::pending, ""}};
  const std::string good = encode_record(m);
  // Last byte: message state; flags byte sits before client(1) attempts(1) next(1) error(1).
  std::string bad_state = good;
  bad_state.back() = 3;
  EXPECT_FALSE(decode_record(bad_state));
  std::string bad_flags = good;
  bad_flags[bad_flags.size() - 6] = 4;
  EXPECT_FALSE(decode_record(bad_flags));
  // Recipient state: after version(1) id(3) arrival(1) sender(1) count(1) address(14).
  std::string bad_recipient = good;
  ASSERT_EQ(bad_recipient[21], 0);
  bad_recipient[21] = 3;
  EXPECT_FALSE(decode_record(bad_recipient));
}

TEST(RecordCodec, RejectsHugeLengthsAndOverlongVarints) {
  // version, then an id length of 2^63 - 1 (a ten-byte varint).
  std::string huge = "\x01";
  huge += std::string(9, '\xff');
  huge += '\0';
  EXPECT_FALSE(decode_record(huge));
  // An eleven-byte varint never ends within 64 bits.
  std::string overlong = "\x01";
  overlong += std::string(11, '\x80');
  EXPECT_FALSE(decode_record(overlong));
  // A recipient count far larger than the bytes left.
  std::string many("\x01\x01X\x00\x00", 5);
  many += "\xff\xff\xff\x0f";
  EXPECT_FALSE(decode_record(many));
  // An arrival time that SystemTime cannot hold (2^62 microseconds).
  std::string far = "\x01\x01X";
  far += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
  EXPECT_FALSE(decode_record(far));
}

TEST(RecordCodec, SurvivesEverySingleByteCorruption) {
  const std::string bytes = encode_record(every_field_set());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int value : {0x00, 0x7f, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(value);
      (void)decode_record(corrupt);  // must not read out of bounds (ASan) or overflow (UBSan)
    }
  }
}

TEST(DueKey, SortsByTimeThenIdAndRoundTrips) {
  std::vector<std::string> keys = {
      encode_due_key(from_micros(2'000'000), "B"),
      encode_due_key(from_micros(1'000'000), "Z"),
      encode_due_key(from_micros(1'000'000), "A"),
      encode_due_key(from_micros(256), "Q"),
  };
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> ids;
  for (const auto& key : keys) {
    auto entry = decode_due_key(key);
    ASSERT_TRUE(entry);
    ids.push_back(entry->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"Q", "A", "Z", "B"}));
  auto entry = decode_due_key(encode_due_key(from_micros(0x0102030405), "ID"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(to_micros(entry->next_attempt), 0x0102030405);
  EXPECT_EQ(encode_due_key(from_micros(0x0102030405), "ID"),
            std::string("\0\0\0\x01\x02\x03\x04\x05ID", 10));
}

TEST(DueKey, ClampsTimesBeforeTheEpochAndRejectsShortKeys) {
  auto entry = decode_due_key(encode_due_key(from_micros(-7), "ID"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(to_micros(entry->next_attempt), 0);
  for (std::size_t n = 0; n <= 8; ++n) EXPECT_FALSE(decode_due_key(std::string(n, '\0')));
  EXPECT_FALSE(decode_due_key(std::string(8, '\xff') + "ID"));
}

}  // namespace
}  // namespace sluice::queue
