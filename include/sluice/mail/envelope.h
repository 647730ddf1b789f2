#pragma once
// The envelope of one message as the SMTP server accepted it, and the per-recipient state the
// queue keeps for it.

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::mail {

enum class RecipientState : std::uint8_t {
  pending = 0,    // not yet delivered; may carry the last temporary error
  delivered = 1,  // the upstream said 2xx: never sent again
  failed = 2,     // permanent failure (5xx or expired): waits for a bounce
};

struct Recipient {
  std::string address;  // without angle brackets; never empty
  RecipientState state = RecipientState::pending;
  std::string last_reply;  // last upstream reply or local error for this recipient
};

struct Envelope {
  std::string sender;  // empty for the null sender <>
  std::vector<std::string> recipients;
  bool smtputf8 = false;      // MAIL FROM ... SMTPUTF8
  bool eight_bit = false;     // BODY=8BITMIME
  std::string campaign;       // from campaign_header; empty means transactional mail
  std::string campaign_group; // from campaign_group_header
};

}  // namespace sluice::mail
