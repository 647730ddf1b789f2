#include "sluice/delivery/maildir_transport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <boost/asio/thread_pool.hpp>

namespace sluice::delivery {
namespace {

namespace fs = std::filesystem;

class MaildirTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("sluice-maildir-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
  }
  void TearDown() override { fs::remove_all(root); }

  DeliveryResult deliver(Transport& t, DeliveryRequest request) {
    std::promise<DeliveryResult> done;
    t.deliver(std::move(request), [&](DeliveryResult r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  fs::path root;
  boost::asio::thread_pool pool{1};
};

TEST_F(MaildirTransportTest, WritesOneFilePerRecipientWithDeliveredTo) {
  auto transport = MaildirTransport::open("dev", (root / "md").string(), "relay.test", pool.get_executor());
  ASSERT_TRUE(transport) << transport.error().message;
  DeliveryRequest request{"0000000000A00001", "s@x", {"a@x", "b@y"},
                          std::make_shared<const std::string>("Subject: hi\r\n\r\nbody\r\n")};
  auto result = deliver(**transport, request);
  EXPECT_EQ(result.relay, "dev[maildir:" + (root / "md").string() + "]");
  ASSERT_EQ(result.recipients.size(), 2u);
  for (const auto& r : result.recipients) EXPECT_EQ(r.outcome, RecipientOutcome::delivered) << r.reply;

  std::vector<std::string> contents;
  for (const auto& entry : fs::directory_iterator(root / "md" / "new")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    contents.push_back(s.str());
  }
  std::sort(contents.begin(), contents.end());
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0], "Delivered-To: a@x\r\nSubject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(contents[1], "Delivered-To: b@y\r\nSubject: hi\r\n\r\nbody\r\n");
  EXPECT_TRUE(fs::is_empty(root / "md" / "tmp"));
}

TEST_F(MaildirTransportTest, UnwritableMaildirDefersInsteadOfFailing) {
  auto transport = MaildirTransport::open("dev", (root / "md").string(), "relay.test", pool.get_executor());
  ASSERT_TRUE(transport);
  fs::remove_all(root / "md" / "tmp");
  std::ofstream(root / "md" / "tmp") << "not a directory";
  auto result = deliver(**transport, {"0000000000A00002", "", {"a@x"},
                                      std::make_shared<const std::string>("x\r\n")});
  ASSERT_EQ(result.recipients.size(), 1u);
  EXPECT_EQ(result.recipients[0].outcome, RecipientOutcome::deferred);
  EXPECT_EQ(result.recipients[0].reply.rfind("451 4.3.0", 0), 0u) << result.recipients[0].reply;
}

TEST_F(MaildirTransportTest, OpenFailsClearlyWhenPathIsAFile) {
  fs::create_directories(root);
  std::ofstream(root / "file") << "x";
  auto transport = MaildirTransport::open("dev", (root / "file").string(), "h", pool.get_executor());
  ASSERT_FALSE(transport);
  EXPECT_NE(transport.error().message.find("cannot create maildir"), std::string::npos);
}

}  // namespace
}  // namespace sluice::delivery
