// The queue routes end to end: a real AdminServer on loopback, the in-memory store behind it.
#include "sluice/admin/queue_api.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "loopback_client.h"
#include "manual_clock.h"
#include "memory_queue_store.h"
#include "sluice/admin/admin_server.h"
#include "sluice/admin/queue_json.h"

namespace sluice::admin {
namespace {

using namespace std::chrono_literals;
using queue::MessageState;
using testing::HttpAnswer;

constexpr const char* kToken = "queue-test-token";
const std::string kA = "018BCDE000000001";
const std::string kB = "018BCDE000000002";
const std::string kC = "018BCDE000000003";
const std::string kMissing = "018BCDE0000000FF";

// A JSON string as std::string (json::value has no == with std::string).
std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class QueueApiTest : public ::testing::Test {
 protected:
  QueueApiTest() {
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}};
    AdminServerOptions options;
    options.logger = std::make_shared<spdlog::logger>(
        "queue-api-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<AdminServer>(io.get_executor(), settings, options);
    register_queue_api(server->router(), store, clock, [this] { ++wakes; });
    auto started = server->start();
    EXPECT_TRUE(started.ok());
  }

  queue::QueuedMessage add(const std::string& id, MessageState state = MessageState::active,
                           SystemTime next = {}) {
    queue::QueuedMessage m;
    m.id = id;
    m.arrival = clock.now() - 1h;
    m.next_attempt = next == SystemTime{} ? clock.now() + 10min : next;
    m.state = state;
    m.sender = "news@example.com";
    m.size = 1500;
    m.attempts = 3;
    m.recipients = {{"a@example.net", mail::RecipientState::failed, "550 5.1.1 unknown"},
                    {"b@example.net", mail::RecipientState::delivered, "250 ok"},
                    {"c@example.net", mail::RecipientState::pending, "451 later"}};
    bool stored = false;
    store.enqueue(m, "body", [&](Result<void> r) { stored = r.ok(); });
    EXPECT_TRUE(stored);
    return m;
  }

  HttpAnswer call(http::verb method, const std::string& target) {
    return testing::http_call(io, server->port(), method, target, kToken);
  }

  std::vector<std::string> due_ids() {
    std::vector<std::string> ids;
    auto due = store.due(clock.now(), 100);
    for (const auto& e : *due) ids.push_back(e.id);
    return ids;
  }

  static std::vector<std::string> ids(const HttpAnswer& a) {
    std::vector<std::string> out;
    for (const auto& m : a.json.at("messages").as_array()) out.emplace_back(m.at("id").as_string());
    return out;
  }

  testing::ManualClock clock;
  testing::MemoryQueueStore store;
  int wakes = 0;
  boost::asio::io_context io;
  std::unique_ptr<AdminServer> server;
};

TEST_F(QueueApiTest, ListShowsActiveAndHeldByDefaultWithStats) {
  add(kA);
  add(kB, MessageState::held);
  add(kC, MessageState::dead);
  auto a = call(http::verb::get, "/api/queue");
  ASSERT_EQ(a.status, 200u) << a.message.body();
  EXPECT_EQ(ids(a), (std::vector<std::string>{kA, kB}));
  EXPECT_TRUE(a.json.at("next_after").is_null());
  EXPECT_EQ(a.json.at("stats").at("messages").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(a.json.at("stats").at("dead").to_number<std::uint64_t>(), 1u);
  const auto& first = a.json.at("messages").at(0);
  EXPECT_EQ(first.at("sender"), "news@example.com");
  EXPECT_EQ(first.at("recipients").as_array().size(), 3u);
}

TEST_F(QueueApiTest, ListFiltersByState) {
  add(kA);
  add(kB, MessageState::held);
  add(kC, MessageState::dead);
  EXPECT_EQ(ids(call(http::verb::get, "/api/queue?state=dead")), (std::vector<std::string>{kC}));
  EXPECT_EQ(ids(call(http::verb::get, "/api/queue?state=held")), (std::vector<std::string>{kB}));
  EXPECT_EQ(ids(call(http::verb::get, "/api/queue?state=active")), (std::vector<std::string>{kA}));
  EXPECT_EQ(ids(call(http::verb::get, "/api/queue?state=all")),
            (std::vector<std::string>{kA, kB, kC}));
  EXPECT_EQ(ids(call(http::verb::get, "/api/queue?state=held,dead")),
            (std::vector<std::string>{kB, kC}));
  EXPECT_EQ(call(http::verb::get, "/api/queue?state=frozen").status, 400u);
  EXPECT_EQ(call(http::verb::get, "/api/queue?state=").status, 400u);
}

TEST_F(QueueApiTest, ListPagesWithNextAfter) {
  for (int i = 1; i <= 5; ++i) add("018BCDE00000000" + std::to_string(i));
  auto page1 = call(http::verb::get, "/api/queue?limit=2");
  EXPECT_EQ(ids(page1), (std::vector<std::string>{"018BCDE000000001", "018BCDE000000002"}));
  ASSERT_EQ(page1.json.at("next_after"), "018BCDE000000002");
  auto page2 = call(http::verb::get, "/api/queue?limit=2&after=018BCDE000000002");
  EXPECT_EQ(ids(page2), (std::vector<std::string>{"018BCDE000000003", "018BCDE000000004"}));
  ASSERT_EQ(page2.json.at("next_after"), "018BCDE000000004");
  auto page3 = call(http::verb::get, "/api/queue?limit=2&after=018BCDE000000004");
  EXPECT_EQ(ids(page3), (std::vector<std::string>{"018BCDE000000005"}));
  EXPECT_TRUE(page3.json.at("next_after").is_null());
  // A page that ends exactly at the last message has no next page.
  EXPECT_TRUE(call(http::verb::get, "/api/queue?limit=5").json.at("next_after").is_null());
}

TEST_F(QueueApiTest, ListRejectsBadParameters) {
  for (auto target : {"/api/queue?limit=0", "/api/queue?limit=x", "/api/queue?limit=-1",
                      "/api/queue?limit=10x", "/api/queue?after=nothex", "/api/queue?after=%zz"}) {
    auto a = call(http::verb::get, target);
    EXPECT_EQ(a.status, 400u) << target;
    EXPECT_TRUE(a.json.at("error").is_string()) << target;
  }
  EXPECT_EQ(call(http::verb::get, "/api/queue?limit=99999").status, 200u);  // clamped
}

TEST_F(QueueApiTest, ShowReturnsEveryField) {
  auto m = add(kA, MessageState::held);
  auto a = call(http::verb::get, "/api/queue/" + kA);
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(text(a.json.at("id")), kA);
  EXPECT_EQ(a.json.at("state"), "held");
  EXPECT_EQ(text(a.json.at("arrival")), format_rfc3339(m.arrival));
  EXPECT_EQ(text(a.json.at("next_attempt")), format_rfc3339(m.next_attempt));
  EXPECT_EQ(a.json.at("attempts").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(a.json.at("recipients").at(2).at("last_reply"), "451 later");
}

TEST_F(QueueApiTest, BadIdIs400AndUnknownIdIs404) {
  for (auto verb : {http::verb::get, http::verb::delete_}) {
    auto bad = call(verb, "/api/queue/not-an-id");
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(bad.json.at("error"), "invalid queue id: not-an-id");
    auto missing = call(verb, "/api/queue/" + kMissing);
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(text(missing.json.at("error")), "no such message: " + kMissing);
  }
  for (auto action : {"/hold", "/release", "/requeue"}) {
    EXPECT_EQ(call(http::verb::post, "/api/queue/018bcde000000001" + std::string(action)).status,
              400u)
        << action;
    EXPECT_EQ(call(http::verb::post, "/api/queue/" + kMissing + action).status, 404u) << action;
  }
}

TEST_F(QueueApiTest, DeleteRemovesTheMessage) {
  add(kA);
  add(kB);
  auto a = call(http::verb::delete_, "/api/queue/" + kA);
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.json.at("deleted"), true);
  EXPECT_FALSE(store.find(kA).ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(call(http::verb::delete_, "/api/queue/" + kA).status, 404u);
}

TEST_F(QueueApiTest, HoldTakesTheMessageOutOfTheDueIndexAndReleaseMakesItDueNow) {
  add(kA, MessageState::active, clock.now() - 1s);
  ASSERT_EQ(due_ids(), std::vector<std::string>{kA});

  auto held = call(http::verb::post, "/api/queue/" + kA + "/hold");
  ASSERT_EQ(held.status, 200u);
  EXPECT_EQ(held.json.at("state"), "held");
  EXPECT_EQ(store.find(kA)->state, MessageState::held);
  EXPECT_TRUE(due_ids().empty());
  EXPECT_EQ(wakes, 0);

  clock.advance(1h);
  auto released = call(http::verb::post, "/api/queue/" + kA + "/release");
  ASSERT_EQ(released.status, 200u);
  EXPECT_EQ(released.json.at("state"), "active");
  EXPECT_EQ(store.find(kA)->next_attempt, clock.now());
  EXPECT_EQ(due_ids(), std::vector<std::string>{kA});
  EXPECT_EQ(wakes, 1);
}

TEST_F(QueueApiTest, HoldAndReleaseRefuseDeadMessages) {
  add(kA, MessageState::dead);
  EXPECT_EQ(call(http::verb::post, "/api/queue/" + kA + "/hold").status, 409u);
  EXPECT_EQ(call(http::verb::post, "/api/queue/" + kA + "/release").status, 409u);
  EXPECT_EQ(store.find(kA)->state, MessageState::dead);
  EXPECT_EQ(wakes, 0);
}

TEST_F(QueueApiTest, FlushMakesEveryActiveMessageDueAndWakesTheRunner) {
  add(kA, MessageState::active, clock.now() + 1h);
  add(kB, MessageState::active, clock.now() + 2h);
  add(kC, MessageState::held, clock.now() + 1h);
  ASSERT_TRUE(due_ids().empty());
  auto a = call(http::verb::post, "/api/queue/flush");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.json.at("flushed").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(due_ids(), (std::vector<std::string>{kA, kB}));
  EXPECT_EQ(store.find(kC)->state, MessageState::held);
  EXPECT_EQ(wakes, 1);
}

TEST_F(QueueApiTest, FlushCountIsRightWhenTheStoreRetriesTheTransaction) {
  add(kA, MessageState::active, clock.now() + 1h);
  add(kB, MessageState::active, clock.now() + 1h);
  store.retry_next_modifies(1);
  auto a = call(http::verb::post, "/api/queue/flush");
  EXPECT_EQ(a.json.at("flushed").to_number<std::uint64_t>(), 2u);
}

TEST_F(QueueApiTest, HoldAnswersWithTheRecordAsStoredWhenRetried) {
  add(kA);
  store.retry_next_modifies(1);
  auto a = call(http::verb::post, "/api/queue/" + kA + "/hold");
  ASSERT_EQ(a.status, 200u);
  EXPECT_EQ(a.json.at("state"), "held");
}

TEST_F(QueueApiTest, RequeueRevivesADeadMessage) {
  add(kA, MessageState::dead);
  auto a = call(http::verb::post, "/api/queue/" + kA + "/requeue");
  ASSERT_EQ(a.status, 200u) << a.message.body();
  auto m = *store.find(kA);
  EXPECT_EQ(m.state, MessageState::active);
  EXPECT_EQ(m.attempts, 0u);
  EXPECT_EQ(m.next_attempt, clock.now());
  EXPECT_EQ(m.recipients[0].state, mail::RecipientState::pending);    // was failed
  EXPECT_EQ(m.recipients[1].state, mail::RecipientState::delivered);  // stays delivered
  EXPECT_EQ(due_ids(), std::vector<std::string>{kA});
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(call(http::verb::post, "/api/queue/" + kA + "/requeue").status, 409u);  // not dead now
}

TEST_F(QueueApiTest, FullQueueIs507) {
  add(kA);
  store.fail_next_writes(1, make_error("map full", ErrorCode::no_space));
  auto a = call(http::verb::post, "/api/queue/" + kA + "/hold");
  EXPECT_EQ(a.status, 507u);
  EXPECT_EQ(store.find(kA)->state, MessageState::active);
}

TEST_F(QueueApiTest, WriteCompletingOnAnotherThreadIsAnswered) {
  add(kA);
  add(kB);
  store.defer_completions(true);
  // Plays the LMDB writer thread: write callbacks run there, not on the I/O thread.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) {
      if (store.run_deferred_completions() == 0) std::this_thread::yield();
    }
  });
  auto held = call(http::verb::post, "/api/queue/" + kA + "/hold");
  auto flushed = call(http::verb::post, "/api/queue/flush");
  auto deleted = call(http::verb::delete_, "/api/queue/" + kB);
  stop = true;
  writer.join();
  EXPECT_EQ(held.status, 200u);
  EXPECT_EQ(flushed.status, 200u);
  EXPECT_EQ(deleted.status, 200u);
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(QueueApiTest, WrongMethodOnQueuePathsIs405) {
  EXPECT_EQ(call(http::verb::post, "/api/queue").status, 405u);
  EXPECT_EQ(call(http::verb::get, "/api/queue/" + kA + "/hold").status, 405u);
  EXPECT_EQ(call(http::verb::put, "/api/queue/" + kA).status, 405u);
}

}  // namespace
}  // namespace sluice::admin
