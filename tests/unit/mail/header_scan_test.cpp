#include "sluice/mail/header_scan.h"

#include <gtest/gtest.h>

namespace sluice::mail {
namespace {

struct Scan {
  std::string campaign;
  std::string group;
  std::uint32_t received = 0;
  bool done = false;
  bool operator==(const Scan&) const = default;
};

Scan scan_pieces(const std::vector<std::string_view>& pieces, std::size_t cap = kMaxHeaderValue) {
  HeaderScanner scanner({"X-Campaign-ID", "X-Campaign-Group"}, cap);
  for (auto piece : pieces) scanner.feed(piece);
  const bool done = scanner.done();
  scanner.finish();
  return Scan{scanner.value(0), scanner.value(1), scanner.received_count(), done};
}

Scan scan(std::string_view message) { return scan_pieces({message}); }

TEST(HeaderScan, ExtractsNamedHeadersCaseInsensitively) {
  const auto s =
      scan("Subject: x\r\nx-campaign-id: spring-2026\r\nX-CAMPAIGN-GROUP:g\r\n\r\nbody\r\n");
  EXPECT_EQ(s, (Scan{"spring-2026", "g", 0, true}));
}

TEST(HeaderScan, UnfoldsAndTrims) {
  EXPECT_EQ(scan("X-Campaign-ID:   a\r\n b\r\n\tc  \r\nSubject: s\r\n\r\n").campaign, "a b\tc");
  EXPECT_EQ(scan("X-Campaign-ID:\r\n  folded\r\n\r\n").campaign, "folded");
  EXPECT_EQ(scan("X-Campaign-ID : obsolete\r\n\r\n").campaign, "obsolete");
}

TEST(HeaderScan, FirstOccurrenceWins) {
  EXPECT_EQ(scan("X-Campaign-ID: one\r\nX-Campaign-ID: two\r\n\r\n").campaign, "one");
}

TEST(HeaderScan, CountsReceivedInHeaderOnly) {
  const auto s = scan(
      "Received: a\r\nreceived: b\r\n (folded)\r\nRECEIVED : c\r\nX-Received: no\r\n"
      "\r\nReceived: in body\r\n");
  EXPECT_EQ(s.received, 3u);
  EXPECT_TRUE(s.done);
}

TEST(HeaderScan, StopsAtNonHeaderLine) {
  const auto s = scan("Received: a\r\nnot a header line\r\nX-Campaign-ID: late\r\nReceived: b\r\n");
  EXPECT_EQ(s, (Scan{"", "", 1, true}));
  EXPECT_TRUE(scan(" leading continuation\r\nReceived: a\r\n").done);
  EXPECT_EQ(scan(" leading continuation\r\nReceived: a\r\n").received, 0u);
}

TEST(HeaderScan, LfLineEndsToo) {
  EXPECT_EQ(scan("X-Campaign-ID: a\n b\nReceived: x\n\nReceived: y\n"), (Scan{"a b", "", 1, true}));
}

TEST(HeaderScan, MessageWithoutBody) {
  const auto s = scan("X-Campaign-ID: c\r\nX-Campaign-Group: g");
  EXPECT_EQ(s, (Scan{"c", "g", 0, false}));
}

TEST(HeaderScan, ValuesAreCapped) {
  std::string message = "X-Campaign-ID: ";
  message += std::string(5'000'000, 'v');
  message += "\r\n";
  for (int i = 0; i < 1000; ++i) message += " " + std::string(1000, 'w') + "\r\n";
  message += "X-Campaign-Group: g\r\n\r\n";
  const auto s = scan(message);
  EXPECT_EQ(s.campaign, std::string(kMaxHeaderValue, 'v'));
  EXPECT_EQ(s.group, "g");
  EXPECT_EQ(scan_pieces({"X-Campaign-ID: abcdef\r\n\r\n"}, 3).campaign, "abc");
}

TEST(HeaderScan, LongNamesDoNotMatchAndAreNotStored) {
  std::string message = "X-Campaign-ID" + std::string(100000, 'x') + ": no\r\nReceived: a\r\n\r\n";
  EXPECT_EQ(scan(message), (Scan{"", "", 1, true}));
}

TEST(HeaderScan, EmptyNamesNeverMatch) {
  HeaderScanner scanner({"", "Subject"});
  scanner.feed(": x\r\nSubject: s\r\n\r\n");
  EXPECT_EQ(scanner.value(0), "");
  EXPECT_EQ(scanner.value(1), "s");
}

TEST(HeaderScan, EverySplitGivesTheSameResult) {
  const std::string message =
      "Received: from a\r\n\tby b\r\nX-Campaign-ID:  spring\r\n  sale\r\nReceived : c\r\n"
      "X-Campaign-Group: grp \r\nSubject: hi\r\n\r\nX-Campaign-ID: body\r\nReceived: z\r\n";
  const auto reference = scan(message);
  EXPECT_EQ(reference, (Scan{"spring  sale", "grp", 2, true}));
  for (std::size_t i = 1; i < message.size(); ++i) {
    for (std::size_t j = i; j < message.size(); j += 7) {
      const std::string_view m(message);
      ASSERT_EQ(scan_pieces({m.substr(0, i), m.substr(i, j - i), m.substr(j)}), reference)
          << i << "," << j;
    }
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < message.size(); ++i)
    bytes.push_back(std::string_view(message).substr(i, 1));
  EXPECT_EQ(scan_pieces(bytes), reference);
}

}  // namespace
}  // namespace sluice::mail
