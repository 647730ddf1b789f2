// The campaign index's encodings: names, due keys grouped by campaign, and the count rows.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "queue/record_codec.h"

namespace sluice::queue {
namespace {

TEST(CampaignIndexName, KeepsNamesUpTo100BytesAndAbbreviatesLongerOnes) {
  EXPECT_EQ(campaign_index_name(""), "");
  EXPECT_EQ(campaign_index_name("spring-sale"), "spring-sale");
  const std::string hundred(100, 'x');
  EXPECT_EQ(campaign_index_name(hundred), hundred);

  // The first 93 bytes, then FNV-1a 64 of the whole name, big-endian: pinned by the format.
  const std::string long_name(101, 'x');
  const std::string expected =
      std::string(93, 'x') + std::string("\x0b\xe1\x9b\x45\x72\x8e\xb2\xd7", 8);
  EXPECT_EQ(campaign_index_name(long_name), expected);
  EXPECT_EQ(campaign_index_name(long_name).size(), kMaxIndexedCampaignBytes + 1);

  // Names sharing their first 93 bytes (or more) stay apart.
  const std::string a = std::string(500, 'c') + "a";
  const std::string b = std::string(500, 'c') + "b";
  EXPECT_NE(campaign_index_name(a), campaign_index_name(b));
  EXPECT_EQ(campaign_index_name(a), campaign_index_name(a));
}

TEST(CampaignDueKey, GroupsByCampaignThenSortsByTimeAndId) {
  struct Key {
    std::string campaign;
    long long micros;
    std::string id;
  };
  const std::vector<Key> input = {
      {"ab", 1, "A"}, {"a", 5, "B"}, {"a", 2, "Z"}, {"", 9, "C"}, {"a", 2, "Y"}, {"b", 0, "D"},
  };
  std::vector<std::string> keys;
  for (const auto& k : input) {
    keys.push_back(encode_campaign_due_key(k.campaign, from_micros(k.micros), k.id));
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> ids;
  for (const auto& key : keys) {
    auto entry = decode_campaign_due_key(key);
    ASSERT_TRUE(entry) << entry.error().message;
    ids.push_back(entry->id);
  }
  // Grouped by (length, name): "", then "a" by time and id, then "b", then "ab".
  EXPECT_EQ(ids, (std::vector<std::string>{"C", "Y", "Z", "B", "D", "A"}));

  // "a"'s prefix does not match any key of "ab", nor the other way round.
  const std::string a_key = encode_campaign_due_key("a", from_micros(1), "A");
  const std::string ab_key = encode_campaign_due_key("ab", from_micros(1), "A");
  EXPECT_TRUE(a_key.starts_with(campaign_due_prefix("a")));
  EXPECT_FALSE(ab_key.starts_with(campaign_due_prefix("a")));
  EXPECT_FALSE(a_key.starts_with(campaign_due_prefix("ab")));
  EXPECT_EQ(a_key, std::string("\x01"
                               "a\0\0\0\0\0\0\0\x01"
                               "A",
                               11));
}

TEST(CampaignDueKey, FitsLmdbKeysWithTheLongestCampaignAndId) {
  const std::string key =
      encode_campaign_due_key(std::string(998, 'c'), from_micros(1), std::string(kMaxIdBytes, 'i'));
  EXPECT_LE(key.size(), kMaxKeyBytes);
  auto entry = decode_campaign_due_key(key);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->id, std::string(kMaxIdBytes, 'i'));
  EXPECT_EQ(to_micros(entry->next_attempt), 1);
}

TEST(CampaignDueKey, RejectsTruncatedAndOverlongNames) {
  const std::string key = encode_campaign_due_key("spring", from_micros(7), "ID");
  for (std::size_t n = 0; n < 1 + 6 + 8 + 1; ++n) {
    EXPECT_FALSE(decode_campaign_due_key(key.substr(0, n))) << n;
  }
  // A name longer than any index name cannot be a key of ours.
  std::string overlong = "\x66" + std::string(102, 'x') + std::string(8, '\0') + "ID";
  EXPECT_FALSE(decode_campaign_due_key(overlong));
}

TEST(CampaignRow, RoundTripsShortAndLongNames) {
  EXPECT_EQ(campaign_row_key(""), ".");
  EXPECT_EQ(campaign_row_key("spring"), ".spring");
  EXPECT_EQ(encode_campaign_row("spring", 300), "\xac\x02");

  auto row = decode_campaign_row(campaign_row_key("spring"), encode_campaign_row("spring", 300));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->campaign, "spring");
  EXPECT_EQ(row->active, 300u);

  auto transactional = decode_campaign_row(".", encode_campaign_row("", 1));
  ASSERT_TRUE(transactional);
  EXPECT_EQ(transactional->campaign, "");

  const std::string long_name(700, 'L');
  auto long_row =
      decode_campaign_row(campaign_row_key(long_name), encode_campaign_row(long_name, 2));
  ASSERT_TRUE(long_row);
  EXPECT_EQ(long_row->campaign, long_name);  // the full name, not the abbreviation
  EXPECT_EQ(long_row->active, 2u);
}

TEST(CampaignRow, RejectsCorruptRows) {
  EXPECT_FALSE(decode_campaign_row("", "\x01"));
  EXPECT_FALSE(decode_campaign_row("spring", "\x01"));     // no '.'
  EXPECT_FALSE(decode_campaign_row(".spring", ""));        // no count
  EXPECT_FALSE(decode_campaign_row(".spring", "\x80"));    // unterminated varint
  EXPECT_FALSE(decode_campaign_row(".spring", "\x01xy"));  // a full name only when abbreviated
}

}  // namespace
}  // namespace sluice::queue
