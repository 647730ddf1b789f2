#include "sluice/config/expansion.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

// Parses `text` and expands `name`; "ERROR" when expansion fails.
struct Expanded {
  std::string value;
  std::vector<Diagnostic> diagnostics;
};

Expanded expand(const std::string& text, const std::string& name) {
  auto cf = parse_main_cf(text, "m.cf");
  EXPECT_TRUE(cf.diagnostics.empty());
  Expander expander(cf.definitions);
  auto value = expander.value(name);
  return {value ? *value : "ERROR", expander.diagnostics()};
}

TEST(Expansion, AllReferenceForms) {
  const std::string cf = "host = mx.example\nname = sluice\n";
  EXPECT_EQ(expand(cf + "v = $host ESMTP $name\n", "v").value, "mx.example ESMTP sluice");
  EXPECT_EQ(expand(cf + "v = ${host}x\n", "v").value, "mx.examplex");
  EXPECT_EQ(expand(cf + "v = $(host)x\n", "v").value, "mx.examplex");
  EXPECT_EQ(expand(cf + "v = $host.$name\n", "v").value, "mx.example.sluice");
}

TEST(Expansion, DollarDollarIsLiteral) {
  EXPECT_EQ(expand("a = x\nv = $$a costs $$5\n", "v").value, "$a costs $5");
  EXPECT_EQ(expand("v = 5$\n", "v").value, "5$");
  EXPECT_EQ(expand("v = a $ b\n", "v").value, "a $ b");
}

TEST(Expansion, ConditionalForms) {
  const std::string cf = "full = yes\nempty =\nindirect = $empty\n";
  EXPECT_EQ(expand(cf + "v = [${full?set}]\n", "v").value, "[set]");
  EXPECT_EQ(expand(cf + "v = [${empty?set}]\n", "v").value, "[]");
  EXPECT_EQ(expand(cf + "v = [${full:unset}]\n", "v").value, "[]");
  EXPECT_EQ(expand(cf + "v = [${empty:unset}]\n", "v").value, "[unset]");
  EXPECT_EQ(expand(cf + "v = [${indirect:unset}]\n", "v").value, "[unset]");
  EXPECT_EQ(expand(cf + "v = [$(full?x)]\n", "v").value, "[x]");
  // The text is expanded too, and may itself hold conditionals.
  EXPECT_EQ(expand(cf + "v = ${full?<$full ${empty:e}>}\n", "v").value, "<yes e>");
}

TEST(Expansion, ConditionalOnUndefinedIsEmptyWithoutWarning) {
  auto e = expand("v = ${nothing:default}${nothing?x}\n", "v");
  EXPECT_EQ(e.value, "default");
  EXPECT_TRUE(e.diagnostics.empty());
}

TEST(Expansion, RecursiveAndMemoised) {
  EXPECT_EQ(expand("a = $b$b\nb = $c-\nc = z\n", "a").value, "z-z-");
}

TEST(Expansion, UndefinedExpandsToEmptyWithWarning) {
  auto e = expand("x = 1\nv = [$nope]\n", "v");
  EXPECT_EQ(e.value, "[]");
  ASSERT_EQ(e.diagnostics.size(), 1u);
  EXPECT_FALSE(e.diagnostics[0].error);
  EXPECT_EQ(e.diagnostics[0].to_string(),
            "m.cf:2: warning: value of v: undefined parameter $nope expands to nothing");
}

TEST(Expansion, SelfLoopIsAnErrorNamingTheLine) {
  auto e = expand("x = 1\na = <$a>\n", "a");
  EXPECT_EQ(e.value, "ERROR");
  ASSERT_EQ(e.diagnostics.size(), 1u);
  EXPECT_EQ(e.diagnostics[0].to_string(), "m.cf:2: expansion loop: $a -> $a");
}

TEST(Expansion, IndirectLoopIsReportedOnce) {
  auto cf = parse_main_cf("a = $b\nb = ${c}\nc = $(a)\nd = $a\n", "m.cf");
  Expander expander(cf.definitions);
  EXPECT_FALSE(expander.value("a").ok());
  EXPECT_FALSE(expander.value("b").ok());
  EXPECT_FALSE(expander.value("d").ok());
  ASSERT_EQ(expander.diagnostics().size(), 1u);
  EXPECT_EQ(expander.diagnostics()[0].to_string(), "m.cf:3: expansion loop: $a -> $b -> $c -> $a");
}

TEST(Expansion, LoopInsideConditional) {
  auto e = expand("a = ${a?x}\n", "a");
  EXPECT_EQ(e.value, "ERROR");
  ASSERT_EQ(e.diagnostics.size(), 1u);
  EXPECT_EQ(e.diagnostics[0].line, 1);
}

TEST(Expansion, UnbalancedAndBadExpressions) {
  auto e = expand("x = 1\nv = ${x\n", "v");
  EXPECT_EQ(e.value, "ERROR");
  ASSERT_EQ(e.diagnostics.size(), 1u);
  EXPECT_EQ(e.diagnostics[0].to_string(), "m.cf:2: value of v: unbalanced '{' after '$'");
  auto bad = expand("v = ${x!y}\n", "v");
  EXPECT_EQ(bad.value, "ERROR");
  EXPECT_EQ(bad.diagnostics.at(0).to_string(), "m.cf:1: value of v: bad expression '${x!y}'");
  EXPECT_EQ(expand("v = ${}\n", "v").value, "ERROR");
}

TEST(Expansion, RunawayGrowthIsAnError) {
  std::string cf = "p0 = xxxxxxxxxxxxxxxx\n";
  for (int i = 1; i <= 20; ++i) {
    cf += "p" + std::to_string(i) + " = $p" + std::to_string(i - 1) + "$p" + std::to_string(i - 1) +
          "\n";
  }
  auto e = expand(cf, "p20");
  EXPECT_EQ(e.value, "ERROR");
  ASSERT_FALSE(e.diagnostics.empty());
  EXPECT_NE(e.diagnostics[0].message.find("longer than"), std::string::npos);
}

TEST(Expansion, DeepChainIsAnErrorNotACrash) {
  std::string cf;
  for (int i = 0; i < 500; ++i) {
    cf += "p" + std::to_string(i) + " = $p" + std::to_string(i + 1) + "\n";
  }
  auto e = expand(cf + "p500 = end\n", "p0");
  EXPECT_EQ(e.value, "ERROR");
  EXPECT_NE(e.diagnostics.at(0).message.find("levels deep"), std::string::npos);
  // A chain within the limit works.
  EXPECT_EQ(expand(cf + "p500 = end\n", "p450").value, "end");
}

TEST(Expansion, FreeText) {
  auto cf = parse_main_cf("a = 1\n", "m.cf");
  Expander expander(cf.definitions);
  auto v = expander.expand("<$a>", "inline", Definition{"", "-o", 0});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "<1>");
  EXPECT_EQ(expander.value("undefined").error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace sluice::config
