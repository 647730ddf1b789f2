#include "sluice/common/password_hash.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

// Low but valid: the tests check behaviour, not cost.
constexpr std::uint32_t kFast = kMinPasswordIterations;

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 37 + 11));
    const auto text = base64_encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    auto back = base64_decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, RefusesMalformedText) {
  for (const char* bad :
       {"Zg=", "Z===", "Zg=a", "Zm9v=", "Zg==Zg==", "Zm9*", "Zh==", "Zm9=", "====", "Zm 9v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

TEST(PasswordHash, RoundTripVerifies) {
  auto hash = new_password_hash("correct horse", kFast);
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->salt.size(), kPasswordSaltBytes);
  EXPECT_EQ(hash->hash.size(), kPasswordHashBytes);
  const auto text = format_password_hash(*hash);
  EXPECT_EQ(text.rfind("$pbkdf2-sha256$10000$", 0), 0u) << text;
  auto parsed = parse_password_hash(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->iterations, kFast);
  EXPECT_EQ(parsed->salt, hash->salt);
  EXPECT_EQ(parsed->hash, hash->hash);
  EXPECT_TRUE(verify_password(*parsed, "correct horse"));
}

TEST(PasswordHash, WrongPasswordsFail) {
  auto hash = new_password_hash("secret", kFast);
  ASSERT_TRUE(hash);
  for (const char* wrong : {"", "Secret", "secret ", "secre", "secret\n"}) {
    EXPECT_FALSE(verify_password(*hash, wrong)) << wrong;
  }
}

TEST(PasswordHash, SaltsDifferSoEqualPasswordsHashApart) {
  auto a = new_password_hash("same", kFast);
  auto b = new_password_hash("same", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->hash, b->hash);
}

// RFC 7914 section 11 test vector for PBKDF2-HMAC-SHA256 (passwd, salt, c = 1, dkLen 32).
TEST(PasswordHash, MatchesTheRfc7914Vector) {
  const auto hash = hash_password("passwd", "salt", 1);
  EXPECT_EQ(base64_encode(hash.hash),
            base64_encode(std::string("\x55\xac\x04\x6e\x56\xe3\x08\x9f\xec\x16\x91\xc2\x25"
                                      "\x44\xb6\x05\xf9\x41\x85\x21\x6d\xde\x04\x65\xe6\x8b"
                                      "\x9d\x57\xc2\x0d\xac\xbc",
                                      32)));
}

TEST(PasswordHash, MalformedEntriesAreRefusedWithoutQuotingThem) {
  const auto good = format_password_hash({kFast, std::string(16, 's'), std::string(32, 'h')});
  ASSERT_TRUE(parse_password_hash(good));
  const std::string bad[] = {
      "hunter2",
      "",
      "$pbkdf2-sha1$10000$c2FsdHNhbHQ=$aGFzaA==",
      "$pbkdf2-sha256$",
      "$pbkdf2-sha256$10000",
      "$pbkdf2-sha256$10000$c2FsdHNhbHQ=",
      "$pbkdf2-sha256$$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),
      "$pbkdf2-sha256$1e5$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),
      "$pbkdf2-sha256$-1$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),
      "$pbkdf2-sha256$99999999999$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),
      "$pbkdf2-sha256$9999$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),      // too few
      "$pbkdf2-sha256$10000001$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),  // too many
      "$pbkdf2-sha256$2147483648$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')),
      "$pbkdf2-sha256$10000$c2FsdA==$" + base64_encode(std::string(32, 'h')),      // salt 4 bytes
      "$pbkdf2-sha256$10000$c2FsdHNhbHQ$" + base64_encode(std::string(32, 'h')),   // no padding
      "$pbkdf2-sha256$10000$c2FsdHNhbHQ=$" + base64_encode(std::string(31, 'h')),  // short hash
      "$pbkdf2-sha256$10000$c2FsdHNhbHQ=$" + base64_encode(std::string(32, 'h')) + "$",
      good + " ",
      good.substr(0, good.size() - 1),
  };
  for (const auto& text : bad) {
    auto parsed = parse_password_hash(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid);
    EXPECT_EQ(parsed.error().message.find("hunter2"), std::string::npos);
  }
}

TEST(PasswordHash, AnEmptyExpectedHashNeverVerifies) {
  PasswordHash broken{kFast, "saltsalt", ""};
  EXPECT_FALSE(verify_password(broken, ""));
  EXPECT_FALSE(verify_password(broken, "x"));
}

}  // namespace
}  // namespace sluice
