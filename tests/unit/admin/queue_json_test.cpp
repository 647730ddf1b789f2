#include "sluice/admin/queue_json.h"

#include <gtest/gtest.h>

namespace sluice::admin {
namespace {

using namespace std::chrono_literals;

TEST(Rfc3339, FormatsUtcWithSecondPrecision) {
  EXPECT_EQ(format_rfc3339(SystemTime(std::chrono::seconds(1'700'000'000))),
            "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_rfc3339(SystemTime(std::chrono::seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(SystemTime(std::chrono::seconds(951'782'400) + 999ms)),
            "2000-02-29T00:00:00Z");
}

TEST(Rfc3339, ParsesWhatItFormatsAndOffsets) {
  auto t = SystemTime(std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  EXPECT_EQ(parse_rfc3339("2023-11-14T23:13:20+01:00"), t);
  EXPECT_EQ(parse_rfc3339("2023-11-14T21:43:20-00:30"), t);
  EXPECT_EQ(parse_rfc3339("2023-11-14t22:13:20.25z"), t + 250ms);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.000001Z"), t + 1us);
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14T22:13:20ZZ",
                          "2023-13-14T22:13:20Z", "2023-02-30T22:13:20Z", "2023-11-14T24:13:20Z",
                          "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+0100", "20231114T221320Z",
                          "2023-11-14T22:13:2OZ", "+023-11-14T22:13:20Z"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

// Found by the admin_api fuzz target: "since=5614-12-01T10:00:00Z" overflowed the conversion
// to SystemTime (signed overflow, caught by UBSan).
TEST(Rfc3339, RejectsTimesBeyondTheClockRange) {
  for (const char* far : {"5614-12-01T10:00:00.5+01:00", "9999-12-31T23:59:59Z",
                          "0000-01-01T00:00:00Z", "1000-06-15T12:00:00-05:00"}) {
    EXPECT_EQ(parse_rfc3339(far), std::nullopt) << far;
  }
  const auto late = parse_rfc3339("2262-01-01T00:00:00Z");
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(format_rfc3339(*late), "2262-01-01T00:00:00Z");
  EXPECT_TRUE(parse_rfc3339("1678-01-01T00:00:00Z").has_value());
}

TEST(QueueJson, MessageHasEveryField) {
  queue::QueuedMessage m;
  m.id = "018BCDE0F1234567";
  m.arrival = SystemTime(std::chrono::seconds(1'700'000'000));
  m.next_attempt = m.arrival + 300s;
  m.sender = "news@example.com";
  m.size = 2048;
  m.campaign = "spring";
  m.campaign_group = "eu";
  m.client = "mta1[192.0.2.1]";
  m.state = queue::MessageState::held;
  m.attempts = 2;
  m.last_error = "451 4.7.1 try later";
  m.eight_bit = true;
  m.recipients = {{"a@example.net", mail::RecipientState::delivered, "250 ok"},
                  {"b@example.net", mail::RecipientState::failed, "550 no"},
                  {"c@example.net", mail::RecipientState::pending, ""}};
  auto j = to_json(m);
  EXPECT_EQ(j.at("id"), "018BCDE0F1234567");
  EXPECT_EQ(j.at("arrival"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(j.at("next_attempt"), "2023-11-14T22:18:20Z");
  EXPECT_EQ(j.at("sender"), "news@example.com");
  EXPECT_EQ(j.at("size").as_uint64(), 2048u);
  EXPECT_EQ(j.at("campaign"), "spring");
  EXPECT_EQ(j.at("group"), "eu");
  EXPECT_EQ(j.at("client"), "mta1[192.0.2.1]");
  EXPECT_EQ(j.at("state"), "held");
  EXPECT_EQ(j.at("attempts").as_uint64(), 2u);
  EXPECT_EQ(j.at("last_error"), "451 4.7.1 try later");
  EXPECT_EQ(j.at("smtputf8"), false);
  EXPECT_EQ(j.at("eight_bit"), true);
  const auto& r = j.at("recipients").as_array();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].at("address"), "a@example.net");
  EXPECT_EQ(r[0].at("state"), "delivered");
  EXPECT_EQ(r[0].at("last_reply"), "250 ok");
  EXPECT_EQ(r[1].at("state"), "failed");
  EXPECT_EQ(r[2].at("state"), "pending");
}

TEST(QueueJson, StateNames) {
  EXPECT_EQ(to_string(queue::MessageState::active), "active");
  EXPECT_EQ(to_string(queue::MessageState::dead), "dead");
  EXPECT_EQ(to_string(mail::RecipientState::failed), "failed");
}

}  // namespace
}  // namespace sluice::admin
