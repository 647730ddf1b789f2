#include "config/paths.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temp_dir.h"

namespace sluice::config {
namespace {

TEST(Paths, ResolveIsLexicalAndAbsolute) {
  EXPECT_EQ(resolve_path("/etc/sluice", "accounts.cf"), "/etc/sluice/accounts.cf");
  EXPECT_EQ(resolve_path("/etc/sluice", "../var/queue/"), "/etc/var/queue");
  EXPECT_EQ(resolve_path("/etc/sluice", "./a//b/../c"), "/etc/sluice/a/c");
  EXPECT_EQ(resolve_path("/etc/sluice", "/srv/q/."), "/srv/q");
  EXPECT_EQ(resolve_path("/", "../../x"), "/x");
}

TEST(Paths, AbsolutePathUsesTheWorkingDirectory) {
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(absolute_path("conf/../conf/sluice.cf"), cwd + "/conf/sluice.cf");
  EXPECT_EQ(absolute_path("/a/./b"), "/a/b");
}

TEST(Paths, ReadableFiles) {
  testing::TempDir dir;
  const std::string file = dir.write("t", "a b\n");
  EXPECT_EQ(*read_text_file(file), "a b\n");
  EXPECT_TRUE(check_readable_file(file).ok());
  EXPECT_EQ(check_readable_file(dir.path()).error().message, "is a directory");
  EXPECT_EQ(read_text_file(dir.path() + "/none").error().message, "No such file or directory");
}

// Found while writing the settings_loader fuzz target: "campaign_maps = texthash:/dev/zero" made
// the loader read forever, and a table on a FIFO blocked start-up.
TEST(Paths, DevicesAndFifosAreNotReadableFiles) {
  testing::TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(read_text_file(fifo).error().message, "not a regular file");
  EXPECT_EQ(read_text_file("/dev/zero").error().message, "not a regular file");
  EXPECT_EQ(check_readable_file("/dev/null").error().message, "not a regular file");
}

}  // namespace
}  // namespace sluice::config
