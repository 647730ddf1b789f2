// `sluicectl passwd`: what it prints is a valid smtpd_sasl_password_maps entry for the
// password it read, and bad input is refused without printing anything.

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "ctl/passwd_command.h"
#include "sluice/common/password_hash.h"

namespace sluice::ctl {
namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run passwd(std::vector<std::string> args, const std::string& input, bool terminal = false) {
  std::istringstream in(input);
  std::ostringstream out, err;
  // Tests keep the cost low; the default is checked by DefaultIterations below.
  if (std::find(args.begin(), args.end(), "--iterations") == args.end()) {
    args.push_back("--iterations");
    args.push_back("10000");
  }
  const int status = run_passwd_command(args, in, terminal, out, err);
  return {status, out.str(), err.str()};
}

TEST(SluicectlPasswd, PrintsAHashThatVerifies) {
  const auto r = passwd({}, "s3cret pass\n");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  ASSERT_EQ(r.out.back(), '\n');
  auto hash = parse_password_hash(r.out.substr(0, r.out.size() - 1));
  ASSERT_TRUE(hash) << r.out;
  EXPECT_TRUE(verify_password(*hash, "s3cret pass"));
  EXPECT_FALSE(verify_password(*hash, "s3cret"));
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);
}

TEST(SluicectlPasswd, WithAUserPrintsATableLine) {
  const auto r = passwd({"alice"}, "pw\r\n");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.out.rfind("alice $pbkdf2-sha256$10000$", 0), 0u) << r.out;
  auto hash = parse_password_hash(r.out.substr(6, r.out.size() - 7));
  ASSERT_TRUE(hash);
  EXPECT_TRUE(verify_password(*hash, "pw")) << "the CR of a CRLF line is not part of it";
}

TEST(SluicectlPasswd, TerminalAsksTwiceAndChecksTheyMatch) {
  auto same = passwd({}, "one\none\n", true);
  EXPECT_EQ(same.status, 0) << same.err;
  EXPECT_NE(same.err.find("Password: "), std::string::npos);
  EXPECT_NE(same.err.find("Again: "), std::string::npos);
  auto differ = passwd({}, "one\ntwo\n", true);
  EXPECT_EQ(differ.status, 1);
  EXPECT_TRUE(differ.out.empty());
  EXPECT_NE(differ.err.find("differ"), std::string::npos);
}

TEST(SluicectlPasswd, RefusesEmptyOrMissingInputAndBadArguments) {
  EXPECT_EQ(passwd({}, "").status, 1);
  EXPECT_EQ(passwd({}, "\n").status, 1);
  EXPECT_EQ(passwd({"a", "b"}, "pw\n").status, 2);
  EXPECT_EQ(passwd({"a b"}, "pw\n").status, 2);
  EXPECT_EQ(passwd({"--iterations", "5"}, "pw\n").status, 2);
  EXPECT_EQ(passwd({"--iterations", "many"}, "pw\n").status, 2);
  EXPECT_EQ(passwd({"--bogus", "1"}, "pw\n").status, 2);
  EXPECT_TRUE(passwd({}, "\n").out.empty());
}

TEST(SluicectlPasswd, DefaultIterations) {
  std::istringstream in("pw\n");
  std::ostringstream out, err;
  ASSERT_EQ(run_passwd_command({}, in, false, out, err), 0) << err.str();
  auto hash = parse_password_hash(out.str().substr(0, out.str().size() - 1));
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->iterations, kDefaultPasswordIterations);
}

}  // namespace
}  // namespace sluice::ctl
