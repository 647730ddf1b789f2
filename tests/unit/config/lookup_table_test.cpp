#include "sluice/config/lookup_table.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

TEST(LookupTable, KeyValueLinesCommentsAndContinuation) {
  auto parsed = parse_lookup_table(
      "# tokens\n\nalice  first  second \nBob\tvalue\n  continued\n# end\n", "t");
  EXPECT_TRUE(parsed.diagnostics.empty());
  ASSERT_EQ(parsed.table.size(), 2u);
  EXPECT_EQ(parsed.table.find("alice")->value, "first  second");
  EXPECT_EQ(parsed.table.find("bob")->value, "value continued");
  EXPECT_EQ(parsed.table.find("bob")->line, 4);
}

TEST(LookupTable, CaseInsensitiveKeysKeepTheirSpelling) {
  auto parsed = parse_lookup_table("Shop-Mailgun user:Secret\n", "t");
  const TableEntry* e = parsed.table.find("SHOP-mailgun");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key, "Shop-Mailgun");
  EXPECT_EQ(e->value, "user:Secret");  // values keep their case
  EXPECT_EQ(parsed.table.find("other"), nullptr);
}

TEST(LookupTable, DuplicateKeyLastWinsWithWarningWithoutQuotingIt) {
  auto parsed = parse_lookup_table("a first\nb x\nA second\n", "/t/tokens");
  ASSERT_EQ(parsed.table.size(), 2u);
  EXPECT_EQ(parsed.table.find("a")->value, "second");
  EXPECT_EQ(parsed.table.entries()[0].value, "second");  // keeps its place
  ASSERT_EQ(parsed.diagnostics.size(), 1u);
  EXPECT_EQ(parsed.diagnostics[0].to_string(),
            "/t/tokens:3: warning: duplicate key (also on line 1); this later entry wins");
}

TEST(LookupTable, KeyWithoutValueIsAnErrorThatDoesNotQuoteTheKey) {
  auto parsed = parse_lookup_table("a 1\nsecret-looking-token\nb 2\n", "/t/tokens");
  ASSERT_EQ(parsed.diagnostics.size(), 1u);
  EXPECT_TRUE(parsed.diagnostics[0].error);
  EXPECT_EQ(parsed.diagnostics[0].to_string(),
            "/t/tokens:2: expected 'key value': the value is missing");
  EXPECT_EQ(parsed.table.size(), 2u);
}

TEST(LookupTable, EmptyTable) {
  auto parsed = parse_lookup_table("# nothing yet\n", "t");
  EXPECT_TRUE(parsed.table.empty());
  EXPECT_TRUE(parsed.diagnostics.empty());
}

TEST(LookupTable, TableReferences) {
  EXPECT_EQ(*table_path("texthash:/etc/sluice/tokens"), "/etc/sluice/tokens");
  EXPECT_EQ(*table_path("texthash:../var/tokens"), "../var/tokens");
  EXPECT_EQ(*table_path("sasl_passwd"), "sasl_passwd");
  EXPECT_EQ(*table_path("/abs/path"), "/abs/path");
  EXPECT_EQ(*table_path(""), "");
  EXPECT_EQ(table_path("hash:/etc/x").error().message,
            "unsupported table type 'hash:' (only texthash: is supported)");
  EXPECT_FALSE(table_path("texthash:").ok());
}

}  // namespace
}  // namespace sluice::config
