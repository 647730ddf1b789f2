// sluicectl's queue commands against a real AdminServer (on its own thread) and the listing
// format on its own.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <sstream>
#include <thread>

#include "ctl/queue_command.h"
#include "ctl/queue_listing.h"
#include "manual_clock.h"
#include "memory_queue_store.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/queue_api.h"

namespace sluice::ctl {
namespace {

using namespace std::chrono_literals;
using queue::MessageState;

constexpr const char* kToken = "ctl-test-token";

TEST(QueueListing, RendersLikeMailq) {
  auto messages = boost::json::parse(R"([
    {"id": "018BCDE000000001", "size": 1500, "arrival": "2023-11-14T22:13:20Z",
     "sender": "news@example.com", "state": "active", "next_attempt": "2023-11-14T22:18:20Z",
     "last_error": "451 4.7.1 greylisted",
     "recipients": [{"address": "a@example.net", "state": "pending", "last_reply": ""},
                    {"address": "b@example.net", "state": "delivered", "last_reply": "250 ok"},
                    {"address": "c@example.net", "state": "failed", "last_reply": "550 no"}]},
    {"id": "018BCDE000000002", "size": 600, "arrival": "2023-11-14T09:05:00Z",
     "sender": "", "state": "held", "next_attempt": "2023-11-14T22:18:20Z", "last_error": "",
     "recipients": [{"address": "d@example.net", "state": "pending", "last_reply": ""}]}
  ])")
                      .as_array();
  EXPECT_EQ(render_listing(messages, TimeZone::utc, "Mail queue is empty"),
            "-Queue ID-       --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
            "018BCDE000000001     1500 Tue Nov 14 22:13:20  news@example.com\n"
            "                                               a@example.net  pending (next attempt "
            "Tue Nov 14 22:18:20; 451 4.7.1 greylisted)\n"
            "                                               b@example.net  delivered (250 ok)\n"
            "                                               c@example.net  failed (550 no)\n"
            "\n"
            "018BCDE000000002!     600 Tue Nov 14 09:05:00  MAILER-DAEMON\n"
            "                                               d@example.net  pending (on hold)\n"
            "\n"
            "-- 3 Kbytes in 2 Requests.\n");
}

TEST(QueueListing, EmptyAndSingular) {
  EXPECT_EQ(render_listing({}, TimeZone::utc, "Mail queue is empty"), "Mail queue is empty\n");
  auto one = boost::json::parse(R"([{"id": "X", "size": 1, "recipients": []}])").as_array();
  auto text = render_listing(one, TimeZone::utc, "");
  EXPECT_TRUE(text.ends_with("\n-- 1 Kbytes in 1 Request.\n")) << text;
}

TEST(QueueListing, MailqTimeKeepsUnparsableText) {
  EXPECT_EQ(mailq_time("2023-11-04T02:03:04Z", TimeZone::utc), "Sat Nov  4 02:03:04");
  EXPECT_EQ(mailq_time("soon", TimeZone::utc), "soon");
}

TEST(QueueListing, ShowPrintsEveryField) {
  auto message = boost::json::parse(R"({"id": "018BCDE000000001", "state": "held",
      "arrival": "2023-11-14T22:13:20Z", "sender": "", "size": 10, "campaign": "spring",
      "group": "eu", "client": "mta[192.0.2.1]", "smtputf8": true, "eight_bit": false,
      "attempts": 2, "next_attempt": "2023-11-14T22:18:20Z", "last_error": "451 later",
      "recipients": [{"address": "a@example.net", "state": "failed", "last_reply": "550 no"}]})");
  auto text = render_message(message.as_object(), TimeZone::utc);
  for (const char* line :
       {"id:           018BCDE000000001\n", "state:        held\n",
        "arrival:      2023-11-14T22:13:20Z (Tue Nov 14 22:13:20)\n", "sender:       <>\n",
        "campaign:     spring\n", "group:        eu\n", "client:       mta[192.0.2.1]\n",
        "smtputf8:     yes\n", "8bitmime:     no\n", "attempts:     2\n",
        "last error:   451 later\n", "recipient:    a@example.net  failed  550 no\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
  }
}

// A server on its own thread, as sluicectl meets the daemon.
class SluicectlQueueTest : public ::testing::Test {
 protected:
  SluicectlQueueTest() {
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}};
    admin::AdminServerOptions options;
    options.logger = std::make_shared<spdlog::logger>(
        "ctl-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<admin::AdminServer>(io.get_executor(), settings, options);
    admin::register_queue_api(server->router(), store, clock, [] {});
    EXPECT_TRUE(server->start().ok());
    thread = std::thread([this] { io.run_for(60s); });
  }
  ~SluicectlQueueTest() override {
    server->stop();
    work.reset();
    io.stop();
    thread.join();
  }

  void add(const std::string& id, MessageState state = MessageState::active) {
    queue::QueuedMessage m;
    m.id = id;
    m.arrival = clock.now();
    m.next_attempt = clock.now() + 5min;
    m.state = state;
    m.sender = "news@example.com";
    m.size = 100;
    m.recipients = {{"a@example.net", mail::RecipientState::pending, ""}};
    store.enqueue(m, "body", [](Result<void>) {});
  }

  int run(std::vector<std::string> args, const std::string& token = kToken) {
    out.str("");
    err.str("");
    AdminClient client(AdminEndpoint{"127.0.0.1", server->port(), token, 10s});
    return run_queue_command(client, args, out, err, TimeZone::utc);
  }

  testing::ManualClock clock;
  testing::MemoryQueueStore store;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<admin::AdminServer> server;
  std::thread thread;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(SluicectlQueueTest, ListsTheQueueAcrossPages) {
  for (int i = 0; i < 1002; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "018BCDE0%08X", i);
    add(id, i == 1 ? MessageState::held : MessageState::active);
  }
  add("018BCDE0FFFFFFFF", MessageState::dead);
  ASSERT_EQ(run({}), 0) << err.str();
  auto text = out.str();
  EXPECT_TRUE(text.starts_with("-Queue ID-       --Size--")) << text.substr(0, 200);
  EXPECT_NE(text.find("\n018BCDE000000001!     100 "), std::string::npos);
  EXPECT_NE(text.find("\n018BCDE0000003E9      100 "), std::string::npos);  // second page
  EXPECT_EQ(text.find("018BCDE0FFFFFFFF"), std::string::npos);              // dead: not listed
  EXPECT_TRUE(text.ends_with("-- 98 Kbytes in 1002 Requests.\n")) << text.substr(text.size() - 100);

  ASSERT_EQ(run({"--dead"}), 0);
  EXPECT_NE(out.str().find("018BCDE0FFFFFFFF"), std::string::npos);
  EXPECT_TRUE(out.str().ends_with("-- 1 Kbytes in 1 Request.\n")) << out.str();
}

TEST_F(SluicectlQueueTest, EmptyQueue) {
  ASSERT_EQ(run({}), 0);
  EXPECT_EQ(out.str(), "Mail queue is empty\n");
  ASSERT_EQ(run({"--dead"}), 0);
  EXPECT_EQ(out.str(), "Dead list is empty\n");
}

TEST_F(SluicectlQueueTest, ShowHoldReleaseDeleteRequeueFlush) {
  add("018BCDE000000001");
  add("018BCDE000000002", MessageState::dead);
  ASSERT_EQ(run({"show", "018BCDE000000001"}), 0) << err.str();
  EXPECT_NE(out.str().find("id:           018BCDE000000001\n"), std::string::npos) << out.str();

  ASSERT_EQ(run({"hold", "018BCDE000000001"}), 0) << err.str();
  EXPECT_EQ(out.str(), "018BCDE000000001: held\n");
  EXPECT_EQ(store.find("018BCDE000000001")->state, MessageState::held);
  ASSERT_EQ(run({"release", "018BCDE000000001"}), 0) << err.str();
  EXPECT_EQ(out.str(), "018BCDE000000001: released\n");
  ASSERT_EQ(run({"requeue", "018BCDE000000002"}), 0) << err.str();
  EXPECT_EQ(out.str(), "018BCDE000000002: requeued\n");
  ASSERT_EQ(run({"flush"}), 0) << err.str();
  EXPECT_EQ(out.str(), "queue flushed: 0 messages due now\n");  // both were made due already
  ASSERT_EQ(run({"delete", "018BCDE000000001"}), 0) << err.str();
  EXPECT_EQ(out.str(), "018BCDE000000001: deleted\n");
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(SluicectlQueueTest, ClearErrors) {
  EXPECT_EQ(run({"show", "018BCDE0000000FF"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: no such message: 018BCDE0000000FF\n");
  EXPECT_EQ(run({"delete", "bogus"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: invalid queue id: bogus\n");
  add("018BCDE000000002", MessageState::active);
  EXPECT_EQ(run({"requeue", "018BCDE000000002"}), 1);
  EXPECT_EQ(err.str(), "sluicectl: message 018BCDE000000002 is not dead\n");
  EXPECT_EQ(run({}, "wrong-token"), 1);
  EXPECT_EQ(err.str(), "sluicectl: the admin API refused the token\n");
  EXPECT_EQ(run({}, ""), 1);
  EXPECT_EQ(err.str(), "sluicectl: the admin API refused the token\n");
}

TEST_F(SluicectlQueueTest, UsageErrorsExitWith2) {
  EXPECT_EQ(run({"--frozen"}), 2);
  EXPECT_EQ(run({"show"}), 2);
  EXPECT_EQ(run({"show", "a", "b"}), 2);
  EXPECT_EQ(run({"flush", "now"}), 2);
  EXPECT_EQ(run({"--dead", "show", "X"}), 2);
  EXPECT_EQ(run({"melt"}), 2);
  EXPECT_NE(err.str().find("usage: sluicectl queue"), std::string::npos);
}

TEST(SluicectlConnect, RefusedConnectionIsNamed) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = probe.local_endpoint().port();
  probe.close();  // nothing listens on `port` now
  AdminClient client(AdminEndpoint{"127.0.0.1", port, kToken, 5s});
  std::ostringstream out, err;
  EXPECT_EQ(run_queue_command(client, {}, out, err, TimeZone::utc), 1);
  EXPECT_EQ(err.str(), "sluicectl: cannot connect to admin API at 127.0.0.1:" +
                           std::to_string(port) + ": Connection refused\n");
}

}  // namespace
}  // namespace sluice::ctl
