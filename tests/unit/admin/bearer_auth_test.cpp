#include "admin/bearer_auth.h"

#include <gtest/gtest.h>

namespace sluice::admin {
namespace {

const std::map<std::string, std::string> kTokens{{"alpha-token-1", "ops"}, {"beta-token-2", "ci"}};

TEST(BearerAuth, AcceptsEachConfiguredTokenAndNamesIt) {
  BearerAuth auth(kTokens);
  EXPECT_EQ(auth.authenticate("Bearer alpha-token-1"), "ops");
  EXPECT_EQ(auth.authenticate("Bearer beta-token-2"), "ci");
  EXPECT_EQ(auth.authenticate("bearer beta-token-2"), "ci");  // the scheme is case-insensitive
  EXPECT_EQ(auth.authenticate("Bearer   beta-token-2  "), "ci");
}

TEST(BearerAuth, RejectsMissingWrongAndNearMissTokens) {
  BearerAuth auth(kTokens);
  for (const char* header :
       {"", "Bearer", "Bearer ", "Bearer  ", "alpha-token-1", "Basic alpha-token-1",
        "Bearer alpha-token-", "Bearer alpha-token-12", "Bearer ALPHA-TOKEN-1", "Bearer ops",
        "Bearer alpha-token-1 beta-token-2", "Beareralpha-token-1"}) {
    EXPECT_EQ(auth.authenticate(header), std::nullopt) << header;
  }
}

TEST(BearerAuth, NoTokensConfiguredRejectsEverything) {
  BearerAuth auth(std::map<std::string, std::string>{});
  EXPECT_EQ(auth.authenticate("Bearer anything"), std::nullopt);
}

TEST(BearerAuth, EmptyConfiguredTokenNeverMatches) {
  BearerAuth auth(std::map<std::string, std::string>{{"", "nobody"}});
  EXPECT_EQ(auth.authenticate("Bearer "), std::nullopt);
  EXPECT_EQ(auth.authenticate("Bearer x"), std::nullopt);
}

}  // namespace
}  // namespace sluice::admin
