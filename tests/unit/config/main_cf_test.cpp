#include "sluice/config/main_cf.h"

#include <gtest/gtest.h>

#include "sluice/config/expansion.h"

namespace sluice::config {
namespace {

std::string value_of(const MainCf& cf, const std::string& name) {
  auto it = cf.definitions.find(name);
  return it == cf.definitions.end() ? "<undefined>" : it->second.value;
}

TEST(MainCf, CommentsBlankLinesAndTrimming) {
  auto cf = parse_main_cf("# a comment\n\n   # indented comment\nfoo  =   bar baz  \n", "m.cf");
  EXPECT_TRUE(cf.diagnostics.empty());
  ASSERT_EQ(cf.definitions.size(), 1u);
  EXPECT_EQ(value_of(cf, "foo"), "bar baz");
  EXPECT_EQ(cf.definitions.at("foo").line, 4);
  EXPECT_EQ(cf.definitions.at("foo").file, "m.cf");
}

TEST(MainCf, HashInsideValueIsLiteral) {
  auto cf = parse_main_cf("foo = a # b\n", "m.cf");
  EXPECT_EQ(value_of(cf, "foo"), "a # b");
}

TEST(MainCf, ContinuationLinesJoinWithOneSpace) {
  auto cf =
      parse_main_cf("mynetworks = 10.0.0.0/8,\n    192.168.0.0/16\n\t[::1]/128\nx = 1\n", "m.cf");
  EXPECT_TRUE(cf.diagnostics.empty());
  EXPECT_EQ(value_of(cf, "mynetworks"), "10.0.0.0/8, 192.168.0.0/16 [::1]/128");
  EXPECT_EQ(cf.definitions.at("mynetworks").line, 1);
  EXPECT_EQ(cf.definitions.at("x").line, 4);
}

TEST(MainCf, CommentAndBlankLinesDoNotEndALogicalLine) {
  auto cf = parse_main_cf("a = 1\n# note\n\n  2\n", "m.cf");
  EXPECT_EQ(value_of(cf, "a"), "1 2");
}

TEST(MainCf, CrLfLineEndings) {
  auto cf = parse_main_cf("a = 1\r\nb = 2\r\n  3\r\n", "m.cf");
  EXPECT_EQ(value_of(cf, "a"), "1");
  EXPECT_EQ(value_of(cf, "b"), "2 3");
}

TEST(MainCf, LastDefinitionWins) {
  auto cf = parse_main_cf("a = 1\nb = x\na = 2\n", "m.cf");
  EXPECT_EQ(value_of(cf, "a"), "2");
  EXPECT_EQ(cf.definitions.at("a").line, 3);
}

TEST(MainCf, EmptyValueIsAllowed) {
  auto cf = parse_main_cf("a =\n", "m.cf");
  EXPECT_TRUE(cf.diagnostics.empty());
  EXPECT_EQ(value_of(cf, "a"), "");
}

TEST(MainCf, MissingEqualsIsAnErrorWithFileAndLine) {
  auto cf = parse_main_cf("a = 1\n\nno_equals_here\nb = 2\n", "/etc/sluice/sluice.cf");
  ASSERT_EQ(cf.diagnostics.size(), 1u);
  EXPECT_TRUE(cf.diagnostics[0].error);
  EXPECT_EQ(cf.diagnostics[0].to_string(),
            "/etc/sluice/sluice.cf:3: missing '=' after parameter name");
  EXPECT_EQ(value_of(cf, "b"), "2");
}

TEST(MainCf, BadParameterNames) {
  auto cf = parse_main_cf("= 1\nfoo bar = 2\nfoo-bar = 3\n", "m.cf");
  ASSERT_EQ(cf.diagnostics.size(), 3u);
  EXPECT_EQ(cf.diagnostics[0].to_string(), "m.cf:1: missing parameter name before '='");
  EXPECT_EQ(cf.diagnostics[1].line, 2);
  EXPECT_NE(cf.diagnostics[2].message.find("'foo-bar'"), std::string::npos);
  EXPECT_TRUE(cf.definitions.empty());
}

TEST(MainCf, LeadingWhitespaceOnFirstLineIsAWarning) {
  auto cf = parse_main_cf("  a = 1\n", "m.cf");
  ASSERT_EQ(cf.diagnostics.size(), 1u);
  EXPECT_FALSE(cf.diagnostics[0].error);
  EXPECT_EQ(cf.diagnostics[0].to_string(),
            "m.cf:1: warning: logical line must not start with whitespace");
  EXPECT_EQ(value_of(cf, "a"), "1");
}

TEST(MainCf, ParameterNameSyntax) {
  EXPECT_TRUE(is_parameter_name("smtp_tls_CAfile"));
  EXPECT_TRUE(is_parameter_name("a1"));
  EXPECT_FALSE(is_parameter_name(""));
  EXPECT_FALSE(is_parameter_name("a-b"));
  EXPECT_FALSE(is_parameter_name("a b"));
}

TEST(Diagnostic, ToString) {
  EXPECT_EQ((Diagnostic{"f.cf", 3, true, "bad"}).to_string(), "f.cf:3: bad");
  EXPECT_EQ((Diagnostic{"f.cf", 3, false, "odd"}).to_string(), "f.cf:3: warning: odd");
  EXPECT_EQ((Diagnostic{"-o", 0, true, "bad"}).to_string(), "-o: bad");
  EXPECT_EQ((Diagnostic{"f.cf", 0, false, "odd"}).to_string(), "f.cf: warning: odd");
}

}  // namespace
}  // namespace sluice::config
