// account_fault_in: which upstream replies blame the sending account rather than the message.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {
namespace {

std::string lower_text(const SmtpReply& reply) {
  std::string text;
  for (const auto& line : reply.lines) {
    text += line;
    text += ' ';
  }
  for (auto& c : text) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return text;
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> words) {
  for (auto word : words) {
    if (text.find(word) != text.npos) return true;
  }
  return false;
}

// Replies about the recipient's own address or mailbox (RFC 3463 subjects 1 and 2: "5.1.1
// unknown user", "4.2.2 mailbox over quota") and greylisting say nothing about the account,
// even though their text often reads "quota" or "try again later". Counting them against the
// account would rest every account in turn for one full mailbox.
bool about_the_recipient(const SmtpReply& reply, std::string_view text) {
  const auto& enhanced = reply.enhanced;
  if (enhanced.size() >= 5 && (enhanced[2] == '1' || enhanced[2] == '2') && enhanced[3] == '.') {
    return true;
  }
  return contains_any(text, {"mailbox", "over quota", "overquota", "greylist", "graylist",
                             "grey-list", "gray-list"});
}

}  // namespace

std::optional<AccountFault> account_fault_in(const SmtpReply& reply) {
  if (reply.code == 421) return AccountFault{AccountFaultKind::unavailable, reply.to_string()};
  if (reply.code < 400) return std::nullopt;
  const auto text = lower_text(reply);
  if (about_the_recipient(reply, text)) return std::nullopt;
  if (reply.enhanced == "4.4.5" || reply.enhanced == "5.4.5" ||
      contains_any(
          text, {"quota", "rate limit", "try again later", "too many messages", "sending limit"})) {
    return AccountFault{AccountFaultKind::quota, reply.to_string()};
  }
  return std::nullopt;
}

}  // namespace sluice::delivery
