#include "outcome/report_text.h"

#include <gtest/gtest.h>

namespace sluice::outcome {
namespace {

using std::chrono::seconds;

TEST(Rfc5322Date, FormatsUtc) {
  EXPECT_EQ(rfc5322_date(SystemTime(seconds(0))), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(SystemTime(seconds(1'700'000'000))), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(rfc5322_date(SystemTime(seconds(1'709'164'799))), "Wed, 28 Feb 2024 23:59:59 +0000");
  EXPECT_EQ(rfc5322_date(SystemTime(seconds(1'709'164'800))), "Thu, 29 Feb 2024 00:00:00 +0000");
}

TEST(OneLine, JoinsLinesAndDropsControls) {
  EXPECT_EQ(one_line("550-a\r\n550 b"), "550-a 550 b");
  EXPECT_EQ(one_line("  a\t\tb \x01 c\x7f"), "a b c");
  EXPECT_EQ(one_line("\r\n"), "");
  EXPECT_EQ(one_line(""), "");
}

TEST(Utf8Prefix, NeverSplitsACharacter) {
  const std::string text = "a\xc3\xa9z";  // a é z
  EXPECT_EQ(utf8_prefix(text, 10), text);
  EXPECT_EQ(utf8_prefix(text, 2), "a");  // 2 would cut é in half
  EXPECT_EQ(utf8_prefix(text, 3), "a\xc3\xa9");
}

TEST(AppendFolded, ShortTextStaysOnOneLine) {
  std::string out;
  append_folded(out, "Field: ", "a  b\r\nc", " ");
  EXPECT_EQ(out, "Field: a b c\r\n");
}

TEST(AppendFolded, FoldsAtSpacesNearColumn78) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "abcd ";
  std::string out;
  append_folded(out, "F: ", text, " ");
  std::size_t start = 0;
  int lines = 0;
  std::string unfolded;
  while (start < out.size()) {
    const std::size_t eol = out.find("\r\n", start);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - start, 78u);
    unfolded += out.substr(start, eol - start);
    start = eol + 2;
    ++lines;
  }
  EXPECT_GT(lines, 2);
  EXPECT_EQ(unfolded, "F: " + one_line(text));
}

TEST(AppendFolded, CutsAnOverlongWordAtACharacterBoundary) {
  std::string word;
  for (int i = 0; i < 1000; ++i) word += "\xc3\xa9";  // 2000 bytes
  std::string out;
  append_folded(out, "F: ", word, " ");
  std::size_t start = 0;
  std::string joined;
  while (start < out.size()) {
    const std::size_t eol = out.find("\r\n", start);
    ASSERT_NE(eol, std::string::npos);
    const std::string line = out.substr(start, eol - start);
    EXPECT_LE(line.size(), kMaxLineBytes);
    // Each line holds whole characters: after the prefix an even number of bytes.
    const std::size_t prefix = start == 0 ? 3 : 1;
    EXPECT_EQ((line.size() - prefix) % 2, 0u);
    joined += line.substr(prefix);
    start = eol + 2;
  }
  EXPECT_EQ(joined, word);
}

TEST(Has8bit, FindsNonAscii) {
  EXPECT_FALSE(has_8bit("plain ascii\r\n"));
  EXPECT_TRUE(has_8bit("caf\xc3\xa9"));
}

}  // namespace
}  // namespace sluice::outcome
