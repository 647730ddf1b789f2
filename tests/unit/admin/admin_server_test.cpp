// The server over a real loopback socket: auth, routing errors, limits, keep-alive, logging.
#include "sluice/admin/admin_server.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/value_from.hpp>

#include "loopback_client.h"

namespace sluice::admin {
namespace {

using testing::http_call;
using testing::LoopbackConnection;

constexpr const char* kToken = "s3cret-Token-value";

class AdminServerTest : public ::testing::Test {
 protected:
  AdminServerTest() {
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}, {"other-token", "ci"}};
  }

  void start(AdminServerOptions options = {}) {
    options.logger = logger;
    server = std::make_unique<AdminServer>(io.get_executor(), settings, options);
    server->router().add(http::verb::get, "/api/ping", [](RequestContext request, Reply reply) {
      reply(Response::json(boost::json::object{{"token_name", request.token_name},
                                               {"client", request.client},
                                               {"query", boost::json::value_from(request.query)}}));
    });
    server->router().add(http::verb::post, "/api/echo", [](RequestContext request, Reply reply) {
      reply(Response::json(request.body));
    });
    server->router().add(http::verb::post, "/api/later",
                         [this](RequestContext request, Reply reply) {
                           // Answers from "another thread" later: here, a post after the handler
                           // returned.
                           boost::asio::post(io, [reply] { reply(Response::json("later")); });
                           (void)request;
                         });
    server->router().add(http::verb::get, "/api/never", [this](RequestContext, Reply reply) {
      parked = reply;  // never answered
    });
    server->router().add(http::verb::get, "/api/throws",
                         [](RequestContext, Reply) { throw std::runtime_error("boom"); });
    server->router().add(http::verb::get, "/text", [](RequestContext, Reply reply) {
      reply(Response::plain("a 1\nb 2\n", "text/plain; version=0.0.4; charset=utf-8"));
    });
    server->router().add(http::verb::get, "/unavailable", [](RequestContext, Reply reply) {
      reply(Response::plain("not ready\n", "text/plain; charset=utf-8",
                            http::status::service_unavailable));
    });
    auto started = server->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(server->port(), 0);
  }

  std::vector<std::string> log_lines() { return sink->last_formatted(); }

  boost::asio::io_context io;
  config::AdminSettings settings;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("admin-test", sink);
  std::unique_ptr<AdminServer> server;
  Reply parked;
};

TEST_F(AdminServerTest, MissingTokenIs401WithBearerChallenge) {
  start();
  auto a = http_call(io, server->port(), http::verb::get, "/api/ping");
  EXPECT_EQ(a.status, 401u);
  EXPECT_EQ(a.message[http::field::www_authenticate], "Bearer realm=\"sluice\"");
  EXPECT_EQ(a.message[http::field::content_type], "application/json");
  EXPECT_TRUE(a.json.at("error").is_string());
}

TEST_F(AdminServerTest, InvalidTokenIs401) {
  start();
  auto a = http_call(io, server->port(), http::verb::get, "/api/ping", "s3cret-Token-valu");
  EXPECT_EQ(a.status, 401u);
  EXPECT_EQ(a.message[http::field::www_authenticate], "Bearer realm=\"sluice\"");
}

TEST_F(AdminServerTest, ValidTokenReachesTheHandlerWithItsName) {
  start();
  auto a = http_call(io, server->port(), http::verb::get, "/api/ping?x=1&y=a%20b", kToken);
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.json.at("token_name"), "ops");
  EXPECT_TRUE(a.json.at("client").as_string().starts_with("127.0.0.1:"));
  EXPECT_EQ(a.json.at("query").at("y"), "a b");
  auto b = http_call(io, server->port(), http::verb::get, "/api/ping", "other-token");
  EXPECT_EQ(b.json.at("token_name"), "ci");
}

TEST_F(AdminServerTest, UnknownRouteNeedsTheTokenFirstThenIs404) {
  start();
  EXPECT_EQ(http_call(io, server->port(), http::verb::get, "/api/nothing").status, 401u);
  auto a = http_call(io, server->port(), http::verb::get, "/api/nothing", kToken);
  EXPECT_EQ(a.status, 404u);
  EXPECT_TRUE(a.json.at("error").is_string());
}

TEST_F(AdminServerTest, WrongMethodIs405WithAllow) {
  start();
  auto a = http_call(io, server->port(), http::verb::delete_, "/api/ping", kToken);
  EXPECT_EQ(a.status, 405u);
  EXPECT_EQ(a.message[http::field::allow], "GET");
}

TEST_F(AdminServerTest, BadJsonBodyIs400AndGoodJsonReachesTheHandler) {
  start();
  auto bad = http_call(io, server->port(), http::verb::post, "/api/echo", kToken, "{\"a\": ");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(bad.json.at("error").as_string().starts_with("invalid JSON"));
  auto good = http_call(io, server->port(), http::verb::post, "/api/echo", kToken, "{\"a\": [1]}");
  ASSERT_EQ(good.status, 200u);
  EXPECT_EQ(good.json.at("a").at(0), 1);
}

TEST_F(AdminServerTest, BodyOverTheLimitIs413AndCloses) {
  start();
  LoopbackConnection c(io, server->port());
  auto a = c.send(http::verb::post, "/api/echo", kToken, std::string((1 << 20) + 1, ' '));
  EXPECT_EQ(a.status, 413u);
  EXPECT_FALSE(a.message.keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, BodyAtTheLimitIsAccepted) {
  start();
  std::string body = "[" + std::string((1 << 20) - 2, ' ') + "]";
  auto a = http_call(io, server->port(), http::verb::post, "/api/echo", kToken, body);
  EXPECT_EQ(a.status, 200u);
  EXPECT_TRUE(a.json.is_array());
}

TEST_F(AdminServerTest, MalformedRequestIs400) {
  start();
  LoopbackConnection c(io, server->port());
  auto a = c.send_raw("GET /api/ping HTTP/1.1\r\nHost x\r\n\r\n");
  EXPECT_EQ(a.status, 400u);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, ExpectContinueGetsA100BeforeTheBody) {
  start();
  LoopbackConnection c(io, server->port());
  auto interim =
      c.send_raw(std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                 kToken + "\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n");
  EXPECT_EQ(interim.status, 100u);
  c.write_raw("[1,2,3]");
  auto final = c.read_answer();
  EXPECT_EQ(final.status, 200u);
  EXPECT_EQ(final.json.as_array().size(), 3u);
}

TEST_F(AdminServerTest, UnauthenticatedBodyIsNotReadAndTheConnectionCloses) {
  start();
  LoopbackConnection c(io, server->port());
  auto a = c.send(http::verb::post, "/api/echo", "", "[" + std::string(4000, ' ') + "]");
  EXPECT_EQ(a.status, 401u);
  EXPECT_FALSE(a.message.keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  LoopbackConnection c(io, server->port());
  EXPECT_EQ(c.send(http::verb::get, "/api/ping", kToken).status, 200u);
  EXPECT_EQ(c.send(http::verb::get, "/api/nothing", kToken).status, 404u);
  EXPECT_EQ(c.send(http::verb::get, "/api/ping").status, 401u);  // a GET: nothing left unread
  auto last = c.send(http::verb::post, "/api/later", kToken);
  EXPECT_EQ(last.status, 200u);
  EXPECT_EQ(last.json, "later");
}

TEST_F(AdminServerTest, HandlerThatThrowsIs500) {
  start();
  auto a = http_call(io, server->port(), http::verb::get, "/api/throws", kToken);
  EXPECT_EQ(a.status, 500u);
  EXPECT_EQ(a.json.at("error"), "internal error");
}

TEST_F(AdminServerTest, HandlerThatNeverRepliesTimesOutWith503) {
  AdminServerOptions options;
  options.reply_timeout = std::chrono::milliseconds(100);
  start(options);
  auto a = http_call(io, server->port(), http::verb::get, "/api/never", kToken);
  EXPECT_EQ(a.status, 503u);
  ASSERT_TRUE(parked);
  parked(Response::json("too late"));  // dropped, no crash
  io.run_for(std::chrono::milliseconds(10));
}

TEST_F(AdminServerTest, IdleConnectionIsClosedAfterTheReadTimeout) {
  AdminServerOptions options;
  options.read_timeout = std::chrono::milliseconds(100);
  start(options);
  LoopbackConnection c(io, server->port());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, StartFailsWhenTheAddressIsInUse) {
  start();
  config::AdminSettings same = settings;
  same.listen.port = server->port();
  AdminServer second(io.get_executor(), same, AdminServerOptions{.logger = logger});
  auto r = second.start();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(server->port())),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("in use"), std::string::npos) << r.error().message;
}

TEST_F(AdminServerTest, StopClosesOpenConnectionsAndTheListener) {
  start();
  auto port = server->port();
  LoopbackConnection c(io, port);
  EXPECT_EQ(c.send(http::verb::get, "/api/ping", kToken).status, 200u);
  server->stop();
  EXPECT_TRUE(c.closed_by_peer());
  io.run_for(std::chrono::milliseconds(10));
  boost::asio::ip::tcp::socket probe(io);
  boost::system::error_code ec;
  probe.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  EXPECT_TRUE(ec);  // refused: nobody listens any more
}

TEST_F(AdminServerTest, LogsOneLinePerRequestWithTheTokenNameButNeverTheToken) {
  start();
  http_call(io, server->port(), http::verb::get, "/api/ping?q=1", kToken);
  http_call(io, server->port(), http::verb::get, "/api/ping", "wrong-token-xyz");
  auto lines = log_lines();
  std::vector<std::string> requests;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find(kToken), std::string::npos) << line;
    EXPECT_EQ(line.find("wrong-token-xyz"), std::string::npos) << line;
    if (line.find("\"GET /api/ping\"") != std::string::npos) requests.push_back(line);
  }
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].find(" 200 token=ops"), std::string::npos) << requests[0];
  EXPECT_NE(requests[1].find(" 401 token=-"), std::string::npos) << requests[1];
}

TEST_F(AdminServerTest, TokenNeverAppearsInResponses) {
  start();
  for (auto target : {"/api/ping", "/api/nothing", "/api/throws"}) {
    auto a = http_call(io, server->port(), http::verb::get, target, kToken);
    EXPECT_EQ(a.message.body().find(kToken), std::string::npos) << target;
    for (const auto& field : a.message) {
      EXPECT_EQ(std::string(field.value()).find(kToken), std::string::npos) << target;
    }
  }
}

TEST_F(AdminServerTest, WithoutRequireTokenRequestsNeedNoTokenAndLogNone) {
  AdminServerOptions options;
  options.require_token = false;
  start(options);
  auto a = http_call(io, server->port(), http::verb::get, "/api/ping");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.json.at("token_name"), "");
  // A token, even a wrong one, is simply not looked at.
  EXPECT_EQ(http_call(io, server->port(), http::verb::get, "/api/ping", "bogus").status, 200u);
  EXPECT_EQ(http_call(io, server->port(), http::verb::get, "/api/nothing").status, 404u);
  bool logged = false;
  for (const auto& line : log_lines()) {
    logged = logged || line.find("\"GET /api/ping\" 200 token=-") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

TEST_F(AdminServerTest, PlainResponseIsSentAsIsWithItsContentType) {
  start();
  auto a = http_call(io, server->port(), http::verb::get, "/text", kToken);
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.message.body(), "a 1\nb 2\n");
  EXPECT_EQ(a.message[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  auto b = http_call(io, server->port(), http::verb::get, "/unavailable", kToken);
  EXPECT_EQ(b.status, 503u);
  EXPECT_EQ(b.message.body(), "not ready\n");
  EXPECT_EQ(b.message[http::field::content_type], "text/plain; charset=utf-8");
}

TEST_F(AdminServerTest, QuietRequestLogsOnlyAtDebug) {
  AdminServerOptions options;
  options.log_requests = false;
  start(options);
  EXPECT_EQ(http_call(io, server->port(), http::verb::get, "/api/ping", kToken).status, 200u);
  for (const auto& line : log_lines()) {
    EXPECT_EQ(line.find("\"GET /api/ping\""), std::string::npos) << line;
  }
  logger->set_level(spdlog::level::debug);
  EXPECT_EQ(http_call(io, server->port(), http::verb::get, "/api/ping", kToken).status, 200u);
  bool logged = false;
  for (const auto& line : log_lines()) {
    logged = logged || line.find("\"GET /api/ping\" 200 token=ops") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace sluice::admin
