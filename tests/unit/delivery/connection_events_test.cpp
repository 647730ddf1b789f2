// What SmtpTransport reports through ConnectionEvents against a loopback scripted upstream:
// new and reused connections, TLS handshake failures, AUTH refusals; and the upstream reply
// codes it hands back per recipient.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <optional>

#include "loopback_upstream.h"
#include "sluice/delivery/smtp_transport.h"

namespace sluice::delivery {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using testing::LoopbackUpstream;

// Loopback addresses are literals: no DNS.
class LiteralResolver final : public dns::Resolver {
 public:
  explicit LiteralResolver(asio::io_context& io) : io_(io) {}
  void resolve(const std::string& host, Done done) override {
    asio::post(io_, [host, done = std::move(done)] {
      done(std::vector<asio::ip::address>{asio::ip::make_address(host)});
    });
  }

 private:
  asio::io_context& io_;
};

class RecordingConnectionEvents final : public ConnectionEvents {
 public:
  std::vector<std::pair<std::string, bool>> used;  // (account, reused)
  std::vector<std::string> tls_failures;
  std::vector<std::string> auth_failures;

  void connection_used(const std::string& account, bool reused) override {
    used.emplace_back(account, reused);
  }
  void tls_failed(const std::string& account) override { tls_failures.push_back(account); }
  void auth_failed(const std::string& account) override { auth_failures.push_back(account); }
};

class ConnectionEventsTest : public ::testing::Test {
 protected:
  std::shared_ptr<SmtpTransport> transport(std::uint16_t port,
                                           config::TlsMode tls = config::TlsMode::none,
                                           bool with_credentials = false,
                                           ConnectionEvents* observer = nullptr) {
    SmtpTransportOptions options;
    options.account.name = "acct";
    options.account.host = "127.0.0.1";
    options.account.port = port;
    options.account.tls = tls;
    options.account.tls_verify = false;
    if (with_credentials) {
      options.account.username = "user";
      options.account.password = "secret";
    }
    options.helo_name = "relay.test";
    options.timeouts.connect = options.timeouts.helo = options.timeouts.mail =
        std::chrono::seconds(5);
    options.events = observer ? observer : &events;
    auto created = SmtpTransport::create(io, resolver, std::move(options));
    EXPECT_TRUE(created) << created.error().message;
    return created ? *created : nullptr;
  }

  // One delivery run to its result (bounded).
  DeliveryResult deliver(SmtpTransport& smtp, std::vector<std::string> recipients = {"a@x"}) {
    DeliveryRequest request;
    request.id = "0000000000A00001";
    request.sender = "s@sender.test";
    request.recipients = std::move(recipients);
    request.body = std::make_shared<const std::string>("Subject: t\r\n\r\nhello\r\n");
    std::optional<DeliveryResult> result;
    smtp.deliver(std::move(request), [&](DeliveryResult r) { result = std::move(r); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); })) << "no delivery result";
    return result.value_or(DeliveryResult{});
  }

  std::optional<AccountFault> probe(SmtpTransport& smtp) {
    bool answered = false;
    std::optional<AccountFault> fault;
    smtp.probe([&](std::optional<AccountFault> f) {
      fault = std::move(f);
      answered = true;
    });
    EXPECT_TRUE(run_until([&] { return answered; })) << "no probe result";
    return fault;
  }

  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(milliseconds(5));
    }
    return done();
  }
  void run_for(milliseconds how_long) {
    io.restart();
    io.run_for(how_long);
  }

  asio::io_context io;
  LiteralResolver resolver{io};
  RecordingConnectionEvents events;
};

using Used = std::vector<std::pair<std::string, bool>>;

TEST_F(ConnectionEventsTest, FirstDeliveryOpensAConnectionTheNextReusesIt) {
  LoopbackUpstream upstream(io, {});
  auto smtp = transport(upstream.port());
  auto first = deliver(*smtp);
  ASSERT_EQ(first.recipients.size(), 1u);
  EXPECT_EQ(first.recipients[0].outcome, RecipientOutcome::delivered);
  EXPECT_EQ(first.recipients[0].reply_code, 250);
  auto second = deliver(*smtp);
  EXPECT_EQ(second.recipients.at(0).outcome, RecipientOutcome::delivered);
  EXPECT_EQ(events.used, (Used{{"acct", false}, {"acct", true}}));
  EXPECT_EQ(upstream.connections(), 1u);
  EXPECT_EQ(upstream.messages(), 2u);
  EXPECT_TRUE(events.tls_failures.empty());
  EXPECT_TRUE(events.auth_failures.empty());
  smtp->shutdown();
  run_for(milliseconds(20));
}

TEST_F(ConnectionEventsTest, ACachedConnectionTheUpstreamDroppedIsReplacedAndReportedNew) {
  LoopbackUpstream upstream(io, {});
  auto smtp = transport(upstream.port());
  deliver(*smtp);
  upstream.drop_all();
  run_for(milliseconds(20));
  auto second = deliver(*smtp);
  EXPECT_EQ(second.recipients.at(0).outcome, RecipientOutcome::delivered);
  EXPECT_EQ(events.used, (Used{{"acct", false}, {"acct", false}}));
  EXPECT_EQ(upstream.connections(), 2u);
  smtp->shutdown();
  run_for(milliseconds(20));
}

TEST_F(ConnectionEventsTest, RefusedRecipientCarriesTheUpstreamCode) {
  LoopbackUpstream::Script script;
  script.rcpt_reply = "550 5.1.1 No such user";
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port());
  auto result = deliver(*smtp);
  ASSERT_EQ(result.recipients.size(), 1u);
  EXPECT_EQ(result.recipients[0].outcome, RecipientOutcome::failed);
  EXPECT_EQ(result.recipients[0].reply_code, 550);
  EXPECT_EQ(events.used, (Used{{"acct", false}}));
  smtp->shutdown();
  run_for(milliseconds(20));
}

TEST_F(ConnectionEventsTest, RefusedConnectionHasNoReplyCodeAndUsesNoConnection) {
  std::uint16_t closed_port = 0;
  {
    asio::ip::tcp::acceptor probe_port(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe_port.local_endpoint().port();
  }  // nothing listens there now
  auto smtp = transport(closed_port);
  auto result = deliver(*smtp);
  ASSERT_EQ(result.recipients.size(), 1u);
  EXPECT_TRUE(result.recipients[0].account_fault);
  EXPECT_EQ(result.recipients[0].reply_code, 0);
  EXPECT_TRUE(events.used.empty());
  EXPECT_TRUE(events.tls_failures.empty());
  EXPECT_TRUE(events.auth_failures.empty());
}

TEST_F(ConnectionEventsTest, FailedTlsHandshakeIsReported) {
  LoopbackUpstream::Script script;
  script.offer_starttls = true;
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port(), config::TlsMode::starttls);
  auto result = deliver(*smtp);
  ASSERT_TRUE(result.fault);
  EXPECT_NE(result.fault->reason.find("TLS handshake"), std::string::npos) << result.fault->reason;
  EXPECT_EQ(events.tls_failures, (std::vector<std::string>{"acct"}));
  EXPECT_TRUE(events.used.empty());
  EXPECT_TRUE(events.auth_failures.empty());
}

TEST_F(ConnectionEventsTest, StarttlsNotOfferedIsNotAHandshakeFailure) {
  LoopbackUpstream upstream(io, {});
  auto smtp = transport(upstream.port(), config::TlsMode::starttls);
  auto result = deliver(*smtp);
  ASSERT_TRUE(result.fault);
  EXPECT_TRUE(events.tls_failures.empty());
}

TEST_F(ConnectionEventsTest, RefusedAuthIsReported) {
  LoopbackUpstream::Script script;
  script.offer_auth = true;
  script.auth_reply = "535 5.7.8 Authentication credentials invalid";
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port(), config::TlsMode::none, true);
  auto result = deliver(*smtp);
  ASSERT_TRUE(result.fault);
  EXPECT_EQ(result.fault->kind, AccountFaultKind::auth);
  EXPECT_EQ(events.auth_failures, (std::vector<std::string>{"acct"}));
  EXPECT_TRUE(events.tls_failures.empty());
  EXPECT_TRUE(events.used.empty());
}

TEST_F(ConnectionEventsTest, TemporaryAuthRefusalIsReportedToo) {
  LoopbackUpstream::Script script;
  script.offer_auth = true;
  script.auth_reply = "454 4.7.0 Temporary authentication failure";
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port(), config::TlsMode::none, true);
  auto result = deliver(*smtp);
  ASSERT_TRUE(result.fault);
  EXPECT_EQ(events.auth_failures, (std::vector<std::string>{"acct"}));
}

TEST_F(ConnectionEventsTest, AcceptedAuthIsNoFailure) {
  LoopbackUpstream::Script script;
  script.offer_auth = true;
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port(), config::TlsMode::none, true);
  auto result = deliver(*smtp);
  EXPECT_FALSE(result.fault);
  EXPECT_TRUE(events.auth_failures.empty());
  EXPECT_EQ(events.used, (Used{{"acct", false}}));
  smtp->shutdown();
  run_for(milliseconds(20));
}

TEST_F(ConnectionEventsTest, AuthNotOfferedIsNotARefusal) {
  LoopbackUpstream upstream(io, {});  // no AUTH in its EHLO
  auto smtp = transport(upstream.port(), config::TlsMode::none, true);
  auto result = deliver(*smtp);
  ASSERT_TRUE(result.fault);
  EXPECT_EQ(result.fault->kind, AccountFaultKind::auth);
  EXPECT_TRUE(events.auth_failures.empty());
}

TEST_F(ConnectionEventsTest, HealthCheckReportsItsAuthRefusal) {
  LoopbackUpstream::Script script;
  script.offer_auth = true;
  script.auth_reply = "535 5.7.8 no";
  LoopbackUpstream upstream(io, script);
  auto smtp = transport(upstream.port(), config::TlsMode::none, true);
  auto fault = probe(*smtp);
  ASSERT_TRUE(fault);
  EXPECT_EQ(events.auth_failures, (std::vector<std::string>{"acct"}));
  EXPECT_TRUE(events.used.empty());  // a probe is no delivery
}

TEST_F(ConnectionEventsTest, WithoutEventsDeliveryWorksTheSame) {
  LoopbackUpstream upstream(io, {});
  SmtpTransportOptions options;
  options.account.name = "acct";
  options.account.host = "127.0.0.1";
  options.account.port = upstream.port();
  options.account.tls = config::TlsMode::none;
  options.helo_name = "relay.test";
  auto smtp = SmtpTransport::create(io, resolver, std::move(options));
  ASSERT_TRUE(smtp);
  auto result = deliver(**smtp);
  EXPECT_EQ(result.recipients.at(0).outcome, RecipientOutcome::delivered);
  EXPECT_TRUE(events.used.empty());
  (*smtp)->shutdown();
  run_for(milliseconds(20));
}

}  // namespace
}  // namespace sluice::delivery
