#include "sluice/admin/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sluice::admin {
namespace {

// Each handler answers with its own name, so a test can tell which route matched.
Handler named(std::string name) {
  return [name](RequestContext, Reply reply) { reply(Response::json(boost::json::string(name))); };
}

std::string call(const Router::Match& match) {
  std::string answer;
  (*match.handler)(RequestContext{}, [&](Response r) { answer = r.body.as_string().c_str(); });
  return answer;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router.add(http::verb::get, "/api/queue", named("list"));
    router.add(http::verb::post, "/api/queue/flush", named("flush"));
    router.add(http::verb::get, "/api/queue/{id}", named("show"));
    router.add(http::verb::delete_, "/api/queue/{id}", named("delete"));
    router.add(http::verb::post, "/api/queue/{id}/hold", named("hold"));
    router.add(http::verb::get, "/api/campaigns/{name}/groups/{group}", named("group"));
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  auto m = router.match(http::verb::get, "/api/queue");
  ASSERT_EQ(m.outcome, Router::Outcome::found);
  EXPECT_EQ(call(m), "list");
  EXPECT_TRUE(m.path_params.empty());
}

TEST_F(RouterTest, ExtractsPathParameters) {
  auto m = router.match(http::verb::post, "/api/queue/0123456789ABCDEF/hold");
  ASSERT_EQ(m.outcome, Router::Outcome::found);
  EXPECT_EQ(call(m), "hold");
  EXPECT_EQ(m.path_params.at("id"), "0123456789ABCDEF");

  auto g = router.match(http::verb::get, "/api/campaigns/spring%20sale/groups/a%2Fb");
  ASSERT_EQ(g.outcome, Router::Outcome::found);
  EXPECT_EQ(g.path_params.at("name"), "spring sale");
  EXPECT_EQ(g.path_params.at("group"), "a/b");  // decoded after splitting: one segment
}

TEST_F(RouterTest, LiteralSegmentBeatsParameterForTheSameMethod) {
  router.add(http::verb::get, "/api/queue/stats", named("stats"));
  EXPECT_EQ(call(router.match(http::verb::get, "/api/queue/stats")), "stats");
  EXPECT_EQ(call(router.match(http::verb::get, "/api/queue/ABC")), "show");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowed) {
  auto m = router.match(http::verb::put, "/api/queue/0123456789ABCDEF");
  EXPECT_EQ(m.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<http::verb>{http::verb::get, http::verb::delete_}));

  auto hold = router.match(http::verb::get, "/api/queue/X/hold");
  EXPECT_EQ(hold.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(hold.allowed, (std::vector<http::verb>{http::verb::post}));
}

TEST_F(RouterTest, ParameterRouteAnswersWhenTheLiteralOneHasAnotherMethod) {
  // GET /api/queue/flush is a lookup of the message "flush", not a 405 of the flush route.
  EXPECT_EQ(call(router.match(http::verb::get, "/api/queue/flush")), "show");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (const char* path : {"/", "", "/api", "/api/queue/", "/api/queue//hold", "/api/queue/X/hold/",
                           "/api/queue/X/unknown", "/api/queues", "/API/queue"}) {
    auto m = router.match(http::verb::get, path);
    EXPECT_EQ(m.outcome, Router::Outcome::not_found) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST_F(RouterTest, MalformedEscapeInParameterIsNotFound) {
  EXPECT_EQ(router.match(http::verb::get, "/api/queue/%zz").outcome, Router::Outcome::not_found);
  EXPECT_EQ(router.match(http::verb::get, "/api/queue/%4").outcome, Router::Outcome::not_found);
}

TEST_F(RouterTest, RejectsMalformedAndDuplicateRoutes) {
  EXPECT_THROW(router.add(http::verb::get, "api/queue", named("x")), std::invalid_argument);
  EXPECT_THROW(router.add(http::verb::get, "/api//queue", named("x")), std::invalid_argument);
  EXPECT_THROW(router.add(http::verb::get, "/api/{}", named("x")), std::invalid_argument);
  EXPECT_THROW(router.add(http::verb::get, "/api/{a", named("x")), std::invalid_argument);
  EXPECT_THROW(router.add(http::verb::get, "/api/queue/{other}", named("x")),
               std::invalid_argument);
  EXPECT_NO_THROW(router.add(http::verb::put, "/api/queue/{other}", named("x")));
}

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(*percent_decode("a%20b+c%2B", true), "a b c+");
  EXPECT_EQ(*percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(*percent_decode("%41%4a%4A", false), "AJJ");
  EXPECT_EQ(*percent_decode("", false), "");
  for (const char* bad : {"%", "%4", "%g0", "%0g", "a%"}) {
    auto r = percent_decode(bad, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid);
  }
}

TEST(ParseQuery, SplitsDecodesAndKeepsTheLastRepeat) {
  auto q = parse_query("state=held&limit=10&&after=&x=1&x=2&flag&sp=a+b%21");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::map<std::string, std::string>{{"state", "held"},
                                                    {"limit", "10"},
                                                    {"after", ""},
                                                    {"x", "2"},
                                                    {"flag", ""},
                                                    {"sp", "a b!"}}));
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_FALSE(parse_query("a=%G1").ok());
  EXPECT_FALSE(parse_query("%=1").ok());
}

TEST(ResponseTest, ErrorHasTheStatusAndAnErrorMember) {
  auto r = Response::error(http::status::not_found, "no such message: X");
  EXPECT_EQ(r.status, http::status::not_found);
  EXPECT_EQ(r.body.at("error").as_string(), "no such message: X");
}

TEST(RequestContextTest, ParamAndQueryAccessors) {
  RequestContext c;
  c.path_params["id"] = "A";
  c.query["limit"] = "5";
  EXPECT_EQ(c.param("id"), "A");
  EXPECT_EQ(c.param("missing"), "");
  ASSERT_NE(c.query_param("limit"), nullptr);
  EXPECT_EQ(*c.query_param("limit"), "5");
  EXPECT_EQ(c.query_param("state"), nullptr);
}

}  // namespace
}  // namespace sluice::admin
