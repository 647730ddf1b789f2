// A child process enqueues (and holds/reschedules) messages in a loop, writes state entries
// beside them, and reports each acknowledged id and state key on a pipe; the parent SIGKILLs it
// at a random moment, several times, then reopens the queue: every acknowledged message must be
// there with its body, every acknowledged state entry too, and every record, body, due key and
// campaign index entry must agree with each other (nothing half-written).

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "queue/lmdb_env.h"
#include "queue/queue_tables.h"
#include "queue_test_support.h"

namespace sluice::queue {
namespace {

using testing::at_second;
using testing::open_store;
using testing::sample_message;
using testing::TempDir;
using testing::test_id;

std::string body_for(const std::string& id, unsigned long long n) {
  // Sizes from a few bytes to beyond a page, so both inline values and overflow pages appear.
  std::string body = "Message-Id: <" + id + ">\r\n\r\n";
  body.append((n * 7919) % 12000, static_cast<char>('a' + n % 26));
  return body;
}

// Acknowledged state keys start with this; message ids are hex digits.
constexpr std::string_view kStatePrefix = "seen/";

// Transactional mail and three campaigns, so the campaign index has several groups.
std::string campaign_for(unsigned long long n) {
  return n % 4 == 0 ? std::string() : "campaign-" + std::to_string(n % 4);
}

// Runs in the child until killed: never returns.
[[noreturn]] void produce(const std::string& dir, unsigned round, int ack_fd) {
  auto store = open_store(dir);
  if (!store) _exit(3);
  std::mutex mutex;
  std::condition_variable drained;
  int in_flight = 0;
  for (unsigned long long n = 0;; ++n) {
    const std::string id = test_id((static_cast<unsigned long long>(round) << 32) | n);
    {
      std::unique_lock lock(mutex);
      drained.wait(lock, [&] { return in_flight < 32; });
      ++in_flight;
    }
    auto* raw = store.get();
    QueuedMessage message = sample_message(id, at_second(1000 + n % 50));
    message.campaign = campaign_for(n);
    store->enqueue(std::move(message), body_for(id, n), [&, raw, id, n](Result<void> r) {
      if (!r) _exit(4);
      const std::string line = id + "\n";
      if (write(ack_fd, line.data(), line.size()) != ssize_t(line.size())) _exit(5);
      if (n % 5 == 0) {
        const std::string key = std::string(kStatePrefix) + id;
        raw->put_state(key, id, [ack_fd, key](Result<void> stored) {
          if (!stored) _exit(6);
          const std::string line = key + "\n";
          if (write(ack_fd, line.data(), line.size()) != ssize_t(line.size())) {
            _exit(7);
          }
        });
      }
      if (n % 3 == 0) {
        raw->modify(
            id,
            [n](QueuedMessage& m) {
              if (n % 2 == 0) m.state = MessageState::held;
              if (n % 7 == 0) m.campaign = campaign_for(n + 1);
              m.next_attempt += std::chrono::seconds(60);
              return Edit::keep;
            },
            nullptr);
      }
      std::lock_guard lock(mutex);
      --in_flight;
      drained.notify_one();
    });
  }
}

// Reads acknowledged lines (ids, state keys) until `want` arrived (0: until end of file); false
// on a 30 s silence.
bool read_acks(int fd, std::string& partial, std::set<std::string>& acked, std::size_t want) {
  std::size_t got = 0;
  char buffer[4096];
  while (want == 0 || got < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 30'000) <= 0) return false;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) return false;
    if (n == 0) return want == 0;
    partial.append(buffer, n);
    for (auto end = partial.find('\n'); end != std::string::npos; end = partial.find('\n')) {
      acked.insert(partial.substr(0, end));
      partial.erase(0, end + 1);
      ++got;
    }
  }
  return true;
}

struct RawCounts {
  std::size_t messages = 0, bodies = 0, due = 0, campaign_due = 0, campaigns = 0;
};

RawCounts count_entries(const std::string& dir) {
  auto env = LmdbEnv::open(dir, 0, kDatabaseCount);
  EXPECT_TRUE(env);
  if (!env) return {};
  auto tables = QueueTables::open(*env);
  EXPECT_TRUE(tables);
  auto txn = LmdbTxn::begin(env->get(), MDB_RDONLY);
  EXPECT_TRUE(txn);
  return RawCounts{txn->stat(tables->messages)->ms_entries, txn->stat(tables->bodies)->ms_entries,
                   txn->stat(tables->due)->ms_entries, txn->stat(tables->campaigns.due)->ms_entries,
                   txn->stat(tables->campaigns.counts)->ms_entries};
}

TEST(CrashSafety, AcknowledgedMessagesSurviveSigkill) {
  TempDir dir;
  std::mt19937 random(std::random_device{}());
  std::set<std::string> acked;
  for (unsigned round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      produce(dir.path(), round, fds[1]);
    }
    close(fds[1]);
    std::string partial;
    const std::size_t before_kill = std::uniform_int_distribution<std::size_t>(5, 300)(random);
    const bool heard = read_acks(fds[0], partial, acked, before_kill);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(heard) << "the child stopped acknowledging; status " << status;
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    // Acks already in the pipe were given before the kill: they count too.
    ASSERT_TRUE(read_acks(fds[0], partial, acked, 0));
    close(fds[0]);
  }

  std::set<std::string> acked_state;
  for (auto it = acked.begin(); it != acked.end();) {
    if (it->starts_with(kStatePrefix)) {
      acked_state.insert(*it);
      it = acked.erase(it);
    } else {
      ++it;
    }
  }

  std::map<std::string, QueuedMessage> records;
  std::size_t active = 0;
  std::map<std::string, std::set<std::pair<SystemTime, std::string>>> expected_by_campaign;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    auto scanned = store->scan("", [&records](const QueuedMessage& m) {
      records.emplace(m.id, m);
      return true;
    });
    ASSERT_TRUE(scanned) << scanned.error().message;  // every record decodes
    for (const auto& id : acked) ASSERT_TRUE(records.count(id)) << "acknowledged " << id << " lost";

    std::set<std::pair<SystemTime, std::string>> expected_due;
    for (const auto& [id, m] : records) {
      auto body = store->body(id);
      ASSERT_TRUE(body) << id;
      const unsigned long long n = std::stoull(id, nullptr, 16) & 0xffffffffull;
      EXPECT_EQ(*body, body_for(id, n)) << id;
      EXPECT_EQ(m.size, body->size()) << id;
      if (m.state == MessageState::active) {
        expected_due.emplace(m.next_attempt, id);
        expected_by_campaign[m.campaign].emplace(m.next_attempt, id);
        ++active;
      }
    }
    auto due = store->due(SystemTime::max(), records.size() + 1);
    ASSERT_TRUE(due);
    std::set<std::pair<SystemTime, std::string>> actual_due;
    for (const auto& e : *due) actual_due.emplace(e.next_attempt, e.id);
    EXPECT_EQ(actual_due, expected_due);

    auto stats = store->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->messages, records.size());
    EXPECT_EQ(stats->active, active);

    auto campaigns = store->campaigns("", 100);
    ASSERT_TRUE(campaigns);
    ASSERT_EQ(campaigns->size(), expected_by_campaign.size());
    for (const auto& c : *campaigns) {
      const auto& expected = expected_by_campaign[c.campaign];
      ASSERT_FALSE(expected.empty()) << c.campaign;
      EXPECT_EQ(c.active, expected.size()) << c.campaign;
      EXPECT_EQ(c.earliest_due, expected.begin()->first) << c.campaign;
      auto due_in = store->due_in_campaign(c.campaign, SystemTime::max(), records.size() + 1);
      ASSERT_TRUE(due_in);
      std::set<std::pair<SystemTime, std::string>> actual;
      for (const auto& e : *due_in) actual.emplace(e.next_attempt, e.id);
      EXPECT_EQ(actual, expected) << c.campaign;
    }

    for (const auto& key : acked_state) {
      auto value = store->get_state(key);
      ASSERT_TRUE(value);
      ASSERT_TRUE(value->has_value()) << "acknowledged state " << key << " lost";
      EXPECT_EQ(**value, key.substr(kStatePrefix.size()));
      EXPECT_TRUE(records.count(**value)) << "state written only after its message";
    }
  }
  const RawCounts raw = count_entries(dir.path());
  EXPECT_EQ(raw.messages, records.size());
  EXPECT_EQ(raw.bodies, records.size());  // no orphaned body
  EXPECT_EQ(raw.due, active);             // no stale due key
  EXPECT_EQ(raw.campaign_due, active);    // nor campaign due key
  EXPECT_EQ(raw.campaigns, expected_by_campaign.size());
  EXPECT_GE(acked.size() + acked_state.size(), 4u * 5u);
}

}  // namespace
}  // namespace sluice::queue
