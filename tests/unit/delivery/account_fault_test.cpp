// account_fault_in: provider quota and throttling replies blame the account; replies about the
// recipient's own mailbox, greylisting and ordinary refusals do not.

#include <gtest/gtest.h>

#include "sluice/delivery/client_protocol.h"
#include "sluice/delivery/smtp_reply.h"

namespace sluice::delivery {
namespace {

SmtpReply parsed(std::string_view text) {
  ReplyParser parser;
  parser.feed(text);
  parser.feed("\r\n");
  auto reply = parser.next();
  EXPECT_TRUE(reply && reply->ok()) << text;
  return reply && reply->ok() ? reply->value() : SmtpReply{};
}

std::optional<AccountFaultKind> kind_of(std::string_view text) {
  auto fault = account_fault_in(parsed(text));
  if (!fault) return std::nullopt;
  EXPECT_EQ(fault->reason, parsed(text).to_string());
  return fault->kind;
}

TEST(AccountFault, Reply421IsUnavailable) {
  EXPECT_EQ(kind_of("421 4.7.0 Try again later, closing connection"),
            AccountFaultKind::unavailable);
  EXPECT_EQ(kind_of("421 Service not available"), AccountFaultKind::unavailable);
}

TEST(AccountFault, ProviderQuotaAndThrottling) {
  for (std::string_view text : {
           "550 5.4.5 Daily user sending quota exceeded.",
           "550 5.4.5 Daily sending quota exceeded",
           "451 4.4.5 Insufficient system storage",
           "451 4.7.0 Try again later",
           "450 4.7.0 Rate limit exceeded for this account",
           "554 5.7.0 Too many messages sent, please slow down",
           "550 5.7.1 Sending limit reached",
           "452 4.3.1 QUOTA reached for account",
           "550-5.7.1 You have exceeded\r\n550 5.7.1 your sending limit",
       }) {
    EXPECT_EQ(kind_of(text), AccountFaultKind::quota) << text;
  }
}

TEST(AccountFault, RecipientAndMessageRefusalsAreNotTheAccounts) {
  for (std::string_view text : {
           "550 5.1.1 The email account that you tried to reach does not exist",
           "452 4.2.2 The email account that you tried to reach is over quota",
           "552 5.2.2 Mailbox full: quota exceeded",
           "552 Mailbox quota exceeded",
           "452 User over quota, try again later",
           "451 4.7.1 Greylisted, please try again later",
           "450 Greylisting in action, try again later",
           "554 5.7.1 Message rejected as spam",
           "451 4.3.0 Temporary lookup failure",
           "550 User unknown",
           "250 2.0.0 Ok: quota fine",
           "354 Go ahead, try again later",
       }) {
    EXPECT_EQ(kind_of(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace sluice::delivery
