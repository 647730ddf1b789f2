// The per-campaign view of the due index (campaigns(), due_in_campaign()), run against the LMDB
// store and the in-memory fake: both must follow every change of a message.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "store_harness.h"

namespace sluice::queue {
namespace {

using testing::at_second;
using testing::enqueue_sync;
using testing::modify_all_sync;
using testing::modify_sync;
using testing::sample_message;
using testing::test_id;

QueuedMessage in_campaign(unsigned long long n, std::string campaign, long long due_second,
                          MessageState state = MessageState::active) {
  QueuedMessage m = sample_message(test_id(n), at_second(due_second));
  m.campaign = std::move(campaign);
  m.state = state;
  return m;
}

long long seconds_of(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

unsigned long long number_of(const mail::QueueId& id) { return std::stoull(id, nullptr, 16); }

// "campaign:active@earliest_second" per campaign, in the order returned.
std::vector<std::string> view(QueueStore& store, const std::string& after = "",
                              std::size_t limit = 10'000) {
  auto campaigns = store.campaigns(after, limit);
  EXPECT_TRUE(campaigns) << campaigns.error().message;
  std::vector<std::string> out;
  if (!campaigns) return out;
  for (const auto& c : *campaigns) {
    out.push_back(c.campaign + ":" + std::to_string(c.active) + "@" +
                  std::to_string(seconds_of(c.earliest_due)));
  }
  return out;
}

std::vector<std::string> due_ids(QueueStore& store, const std::string& campaign,
                                 long long now_second, std::size_t limit = 10'000) {
  auto due = store.due_in_campaign(campaign, at_second(now_second), limit);
  EXPECT_TRUE(due) << due.error().message;
  std::vector<std::string> ids;
  if (!due) return ids;
  for (const auto& e : *due) ids.push_back(e.id);
  return ids;
}

template <class Harness>
class CampaignView : public ::testing::Test {
 protected:
  QueueStore& store() { return harness_.store(); }

 private:
  Harness harness_;
};

TYPED_TEST_SUITE(CampaignView, testing::BothStores, testing::StoreNames);

TYPED_TEST(CampaignView, ListsOnlyCampaignsWithActiveMessages) {
  QueueStore& store = this->store();
  EXPECT_TRUE(view(store).empty());
  ASSERT_TRUE(enqueue_sync(store, in_campaign(1, "", 30), "b"));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(2, "a", 20), "b"));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(3, "a", 10), "b"));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(4, "b", 5, MessageState::held), "b"));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(5, "c", 5, MessageState::dead), "b"));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(6, "b", 40), "b"));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "a:2@10", "b:1@40"}));
}

TYPED_TEST(CampaignView, PagesInByteOrderStrictlyAfterTheGivenName) {
  QueueStore& store = this->store();
  std::vector<std::string> names = {"", "A", "a", "a-1", "ab", "b", "\xff", "\x01", "Z9"};
  for (int i = 0; i < 40; ++i) names.push_back("campaign-" + std::to_string(i * 7919 % 1000));
  unsigned long long n = 0;
  for (const auto& name : names) ASSERT_TRUE(enqueue_sync(store, in_campaign(++n, name, 10), ""));
  std::vector<std::string> expected = names;
  std::sort(expected.begin(), expected.end());  // std::string compares bytes as unsigned

  std::vector<std::string> paged;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = store.campaigns(after, 7);
    ASSERT_TRUE(page);
    ASSERT_LE(page->size(), 7u);
    if (page->empty()) break;
    for (const auto& c : *page) paged.push_back(c.campaign);
    after = page->back().campaign;
  }
  EXPECT_EQ(paged, expected);
  EXPECT_EQ(paged.front(), "");  // transactional mail sorts first

  auto after_a = store.campaigns("a", 2);
  ASSERT_TRUE(after_a);
  ASSERT_EQ(after_a->size(), 2u);
  EXPECT_EQ(after_a->at(0).campaign, "a-1");
  EXPECT_EQ(after_a->at(1).campaign, "ab");
  auto after_missing = store.campaigns("a-0", 1);  // not a campaign: the next one after it
  ASSERT_TRUE(after_missing);
  EXPECT_EQ(after_missing->at(0).campaign, "a-1");
  EXPECT_TRUE(store.campaigns("", 0)->empty());
  EXPECT_TRUE(store.campaigns("\xff", 10)->empty());
}

TYPED_TEST(CampaignView, DueInCampaignIsOldestFirstBoundedByNowAndLimit) {
  QueueStore& store = this->store();
  ASSERT_TRUE(enqueue_sync(store, in_campaign(1, "a", 50), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(2, "a", 10), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(4, "a", 40), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(3, "a", 40), ""));  // a tie: id order
  ASSERT_TRUE(enqueue_sync(store, in_campaign(5, "a", 5, MessageState::held), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(6, "ab", 1), ""));  // "a" is its prefix
  ASSERT_TRUE(enqueue_sync(store, in_campaign(7, "", 1), ""));

  EXPECT_EQ(due_ids(store, "a", 40),
            (std::vector<std::string>{test_id(2), test_id(3), test_id(4)}));
  EXPECT_EQ(due_ids(store, "a", 100, 2), (std::vector<std::string>{test_id(2), test_id(3)}));
  EXPECT_EQ(due_ids(store, "a", 100).size(), 4u);
  EXPECT_TRUE(due_ids(store, "a", 9).empty());
  EXPECT_TRUE(due_ids(store, "a", 100, 0).empty());
  EXPECT_EQ(due_ids(store, "ab", 100), (std::vector<std::string>{test_id(6)}));
  EXPECT_EQ(due_ids(store, "", 100), (std::vector<std::string>{test_id(7)}));
  EXPECT_TRUE(due_ids(store, "b", 100).empty());

  auto due = store.due_in_campaign("a", at_second(10), 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().next_attempt, at_second(10));  // at `now` counts as due
}

TYPED_TEST(CampaignView, FollowsModifyThroughEveryChange) {
  QueueStore& store = this->store();
  ASSERT_TRUE(enqueue_sync(store, in_campaign(1, "a", 10), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(2, "a", 20), ""));
  ASSERT_TRUE(enqueue_sync(store, in_campaign(3, "", 30), ""));
  auto set = [&store](unsigned long long n, auto change) {
    return modify_sync(store, test_id(n), [change](QueuedMessage& m) {
      change(m);
      return Edit::keep;
    });
  };

  ASSERT_TRUE(set(1, [](QueuedMessage& m) { m.state = MessageState::held; }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "a:1@20"}));
  ASSERT_TRUE(set(2, [](QueuedMessage& m) { m.state = MessageState::dead; }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30"}));  // count 0: the row is gone
  EXPECT_TRUE(due_ids(store, "a", 100).empty());

  ASSERT_TRUE(set(1, [](QueuedMessage& m) {
    m.state = MessageState::active;
    m.next_attempt = at_second(5);
  }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "a:1@5"}));
  ASSERT_TRUE(set(1, [](QueuedMessage& m) { m.next_attempt = at_second(25); }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "a:1@25"}));
  EXPECT_TRUE(due_ids(store, "a", 24).empty());
  EXPECT_EQ(due_ids(store, "a", 25), (std::vector<std::string>{test_id(1)}));
  ASSERT_TRUE(set(1, [](QueuedMessage& m) { m.attempts = 3; }));  // index keys unchanged
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "a:1@25"}));

  ASSERT_TRUE(set(1, [](QueuedMessage& m) { m.campaign = "b"; }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "b:1@25"}));
  EXPECT_EQ(due_ids(store, "b", 100), (std::vector<std::string>{test_id(1)}));
  EXPECT_TRUE(due_ids(store, "a", 100).empty());

  ASSERT_TRUE(modify_sync(store, test_id(3), [](QueuedMessage& m) {
    m.next_attempt = at_second(1);  // discarded: untouched writes nothing
    return Edit::untouched;
  }));
  EXPECT_EQ(view(store), (std::vector<std::string>{":1@30", "b:1@25"}));

  ASSERT_TRUE(modify_sync(store, test_id(3), [](QueuedMessage&) { return Edit::remove; }));
  ASSERT_TRUE(modify_sync(store, test_id(2), [](QueuedMessage&) { return Edit::remove; }));
  EXPECT_EQ(view(store), (std::vector<std::string>{"b:1@25"}));
  EXPECT_FALSE(modify_sync(store, test_id(9), [](QueuedMessage&) { return Edit::remove; }));
  ASSERT_TRUE(modify_sync(store, test_id(1), [](QueuedMessage&) { return Edit::remove; }));
  EXPECT_TRUE(view(store).empty());
  EXPECT_EQ(store.stats()->messages, 0u);
}

TYPED_TEST(CampaignView, ModifyAllMovesWholeCampaigns) {
  QueueStore& store = this->store();
  constexpr int kCount = 1500;  // more than one modify_all transaction in the LMDB store
  std::atomic<int> acked{0};
  for (int n = 0; n < kCount; ++n) {
    store.enqueue(in_campaign(n, "c" + std::to_string(n % 3), 1000 + n), "",
                  [&acked](Result<void> r) { acked += r.ok(); });
  }
  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage& m) {
    const auto n = number_of(m.id);
    switch (n % 3) {
      case 0:
        m.state = MessageState::held;
        return Edit::keep;
      case 1:
        m.next_attempt = at_second(5);
        return Edit::keep;
      default:
        return n % 2 == 1 ? Edit::remove : Edit::untouched;
    }
  }));
  EXPECT_EQ(acked, kCount);
  EXPECT_EQ(view(store), (std::vector<std::string>{"c1:500@5", "c2:250@1002"}));
  EXPECT_EQ(due_ids(store, "c1", 5).size(), 500u);
  EXPECT_TRUE(due_ids(store, "c2", 1001).empty());

  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage& m) {
    if (m.state != MessageState::held) return Edit::untouched;
    m.state = MessageState::active;
    return Edit::keep;
  }));
  EXPECT_EQ(view(store), (std::vector<std::string>{"c0:500@1000", "c1:500@5", "c2:250@1002"}));
}

TYPED_TEST(CampaignView, ManyCampaignsCountDownToNothing) {
  QueueStore& store = this->store();
  constexpr int kCampaigns = 200;
  std::atomic<int> acked{0};
  for (int n = 0; n < kCampaigns * 3; ++n) {
    store.enqueue(in_campaign(n, "campaign-" + std::to_string(n / 3), 100 + n), "",
                  [&acked](Result<void> r) { acked += r.ok(); });
  }
  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage&) { return Edit::untouched; }));
  ASSERT_EQ(acked, kCampaigns * 3);
  auto all = store.campaigns("", 1000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), std::size_t{kCampaigns});
  for (const auto& c : *all) {
    const int k = std::stoi(c.campaign.substr(9));
    EXPECT_EQ(c.active, 3u) << c.campaign;
    EXPECT_EQ(c.earliest_due, at_second(100 + 3 * k)) << c.campaign;
  }

  // The two oldest of every campaign go: one left each, the earliest moves on.
  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage& m) {
    return number_of(m.id) % 3 != 2 ? Edit::remove : Edit::untouched;
  }));
  all = store.campaigns("", 1000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), std::size_t{kCampaigns});
  for (const auto& c : *all) {
    const int k = std::stoi(c.campaign.substr(9));
    EXPECT_EQ(c.active, 1u) << c.campaign;
    EXPECT_EQ(c.earliest_due, at_second(100 + 3 * k + 2)) << c.campaign;
  }

  // Holding the odd campaigns' last message takes their rows away.
  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage& m) {
    if ((number_of(m.id) / 3) % 2 == 0) return Edit::untouched;
    m.state = MessageState::held;
    return Edit::keep;
  }));
  EXPECT_EQ(store.campaigns("", 1000)->size(), std::size_t{kCampaigns / 2});
  ASSERT_TRUE(modify_all_sync(store, [](QueuedMessage&) { return Edit::remove; }));
  EXPECT_TRUE(view(store).empty());
}

}  // namespace
}  // namespace sluice::queue
