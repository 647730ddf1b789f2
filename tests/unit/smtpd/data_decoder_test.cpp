#include "sluice/smtpd/data_decoder.h"

#include <gtest/gtest.h>

namespace sluice::smtpd {
namespace {

struct Decoded {
  std::string body;
  std::size_t consumed = 0;
  bool finished = false;
  bool bare_lf = false;
  bool bare_cr = false;
  bool too_big = false;
  std::uint64_t lines = 0;
  bool operator==(const Decoded&) const = default;
};

Decoded decode_pieces(DataDecoder::Mode mode, const std::vector<std::string_view>& pieces,
                      std::uint64_t limit = 0) {
  DataDecoder decoder(mode, limit);
  Decoded d;
  for (auto piece : pieces) {
    if (decoder.finished()) break;
    d.consumed += decoder.feed(piece);
  }
  if (mode == DataDecoder::Mode::raw) decoder.finish_raw();
  d.finished = decoder.finished();
  d.bare_lf = decoder.bare_lf();
  d.bare_cr = decoder.bare_cr();
  d.too_big = decoder.too_big();
  d.lines = decoder.lines();
  d.body = decoder.take_body();
  return d;
}

Decoded dotted(std::string_view input, std::uint64_t limit = 0) {
  return decode_pieces(DataDecoder::Mode::dot_stuffed, {input}, limit);
}

void expect_split_invariant(DataDecoder::Mode mode, std::string_view input,
                            std::uint64_t limit = 0) {
  const auto reference = decode_pieces(mode, {input}, limit);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); ++j) {
      ASSERT_EQ(
          decode_pieces(mode, {input.substr(0, i), input.substr(i, j - i), input.substr(j)}, limit),
          reference)
          << "split at " << i << "," << j << " of " << input;
    }
  }
}

TEST(DataDecoder, EndsOnlyAtCrLfDotCrLf) {
  const auto d = dotted("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(d.body, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(d.consumed, 23u);  // QUIT is left for the command reader
  EXPECT_EQ(d.lines, 4u);
  EXPECT_FALSE(d.bare_lf || d.bare_cr || d.too_big);
}

TEST(DataDecoder, LeadingDotLineIsEmptyMessage) {
  const auto d = dotted(".\r\nNOOP");
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(d.body, "");
  EXPECT_EQ(d.consumed, 3u);
}

TEST(DataDecoder, SmugglingFormsDoNotEnd) {
  for (std::string_view variant :
       {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r\r\n", "\r\n.\rX"}) {
    const std::string input = "first" + std::string(variant) + "MAIL FROM:<x@y>\r\n";
    const auto d = dotted(input);
    EXPECT_FALSE(d.finished) << variant;
    EXPECT_EQ(d.consumed, input.size());
    EXPECT_TRUE(d.bare_lf || d.bare_cr) << variant;
    // The real end still works afterwards.
    const auto ended = dotted(input + "\r\n.\r\n");
    EXPECT_TRUE(ended.finished);
  }
}

TEST(DataDecoder, WhichBareCharacter) {
  EXPECT_TRUE(dotted("a\nb\r\n.\r\n").bare_lf);
  EXPECT_FALSE(dotted("a\nb\r\n.\r\n").bare_cr);
  EXPECT_TRUE(dotted("a\rb\r\n.\r\n").bare_cr);
  EXPECT_FALSE(dotted("a\rb\r\n.\r\n").bare_lf);
  EXPECT_TRUE(dotted("a\r\r\n.\r\n").bare_cr);
  EXPECT_TRUE(dotted("\n\r\n.\r\n").bare_lf);
}

TEST(DataDecoder, DotUnstuffing) {
  EXPECT_EQ(dotted("..\r\n.\r\n").body, ".\r\n");
  EXPECT_EQ(dotted("..a\r\n...\r\n.b\r\n.\r\n").body, ".a\r\n..\r\nb\r\n");
  EXPECT_EQ(dotted("a.\r\nb..c\r\n.\r\n").body, "a.\r\nb..c\r\n");  // only at line start
}

TEST(DataDecoder, SizeLimitStopsStoringButReadsOn) {
  const auto d = dotted("0123456789\r\n0123456789\r\n.\r\nX", 15);
  EXPECT_TRUE(d.finished);
  EXPECT_TRUE(d.too_big);
  EXPECT_EQ(d.body, "");
  EXPECT_EQ(d.consumed, 27u);
  EXPECT_FALSE(dotted("0123456789\r\n.\r\n", 12).too_big);
  EXPECT_TRUE(dotted("0123456789\r\n.\r\n", 11).too_big);
}

TEST(DataDecoder, RawModeKeepsDotsAndChecksLineEndsAcrossChunks) {
  const auto d = decode_pieces(DataDecoder::Mode::raw, {"a\r", "\nb\r\n.\r\n", "..x\r\n"});
  EXPECT_EQ(d.body, "a\r\nb\r\n.\r\n..x\r\n");
  EXPECT_FALSE(d.bare_cr || d.bare_lf);
  EXPECT_EQ(d.lines, 4u);
  EXPECT_TRUE(decode_pieces(DataDecoder::Mode::raw, {"a\r"}).bare_cr);  // CR at the very end
  EXPECT_TRUE(decode_pieces(DataDecoder::Mode::raw, {"a\r", "b"}).bare_cr);
  EXPECT_TRUE(decode_pieces(DataDecoder::Mode::raw, {"a", "\n"}).bare_lf);
}

TEST(DataDecoder, EverySplitGivesTheSameResult) {
  const std::string_view inputs[] = {
      "Subject: x\r\n\r\n..dot\r\n.x\r\nbody\r\n.\r\ntrailer",
      "a\n.\nb\r.\rc\n.\r\nd\r\n.\ne\r\n.\r\n",
      ".\r\n",
      "..\r\n.\r\n",
      "\r\n.\r\r\n.\r\n",
      "x\r\n.\rx\r\n.\r\n",
  };
  for (auto input : inputs) expect_split_invariant(DataDecoder::Mode::dot_stuffed, input);
  expect_split_invariant(DataDecoder::Mode::dot_stuffed, inputs[0], 12);
  expect_split_invariant(DataDecoder::Mode::raw, "a\r\nb\rc\nd\r\n.\r\n\r");
}

// Found by data_decoder_fuzz: a chunk ending mid-line left the decoder at "line start", so a
// '.' opening the next chunk was unstuffed, and "x" + ".\r\n" ended the data.
TEST(DataDecoder, MidLineDotAfterChunkBoundaryIsNotLineStart) {
  const auto d = decode_pieces(DataDecoder::Mode::dot_stuffed, {"abc", ".\r\n", "..x\r\n.\r\n"});
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(d.body, "abc.\r\n.x\r\n");
  expect_split_invariant(DataDecoder::Mode::dot_stuffed, "abc.\r\nd.e\r\n.\r\n");
}

TEST(DataDecoder, LargeBodyIsLinear) {
  std::string line(998, 'x');
  line += "\r\n";
  std::string body;
  for (int i = 0; i < 20000; ++i) body += line;  // 20 MB
  DataDecoder decoder(DataDecoder::Mode::dot_stuffed, 0, body.size());
  std::size_t consumed = 0;
  for (std::size_t at = 0; at < body.size(); at += 16384) {
    consumed += decoder.feed(std::string_view(body).substr(at, 16384));
  }
  consumed += decoder.feed(".\r\n");
  EXPECT_TRUE(decoder.finished());
  EXPECT_EQ(consumed, body.size() + 3);
  EXPECT_EQ(decoder.body().size(), body.size());
  EXPECT_EQ(decoder.lines(), 20001u);
}

}  // namespace
}  // namespace sluice::smtpd
