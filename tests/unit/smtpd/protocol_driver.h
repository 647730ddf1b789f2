#pragma once
// Drives a ServerProtocol the way the session does (actions in order; commits, TLS handshakes
// and credential checks answered at once unless held) and writes everything it does as one
// transcript string, so that runs with the input split differently compare equal when they
// behave the same.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd::testing {

inline ProtocolLimits test_limits() {
  ProtocolLimits limits;
  limits.myhostname = "mx.test";
  return limits;
}

inline ClientInfo relay_client() { return ClientInfo{"192.0.2.1", true}; }

class ProtocolDriver {
 public:
  explicit ProtocolDriver(ProtocolLimits limits = test_limits(), ClientInfo client = relay_client())
      : protocol(std::move(limits), std::move(client)) {}

  // Feeds bytes; commits are answered with `outcome` (queue ids Q1, Q2, ... when ok) unless
  // hold_commits is set.
  void feed(std::string_view bytes) {
    std::vector<Action> actions;
    protocol.receive(bytes, actions);
    perform(actions);
  }

  void finish_commit(CommitOutcome result) {
    std::vector<Action> actions;
    protocol.commit_finished(result, actions);
    perform(actions);
  }

  void finish_tls(bool ok) {
    std::vector<Action> actions;
    protocol.tls_started(ok, actions);
    perform(actions);
  }

  void finish_auth(AuthOutcome result) {
    std::vector<Action> actions;
    protocol.auth_finished(result, actions);
    perform(actions);
  }

  // The transcript since the last take().
  std::string take() { return std::exchange(transcript, {}); }

  ServerProtocol protocol;
  std::vector<CommitMessage> commits;
  std::vector<Action> last_actions;  // of the last feed, before commits were answered
  bool hold_commits = false;
  CommitOutcome outcome{true, "", false};
  // STARTTLS: the handshake ends with tls_ok unless hold_tls.
  bool hold_tls = false;
  bool tls_ok = true;
  // AUTH: credentials are right when they equal these, unless hold_auth.
  bool hold_auth = false;
  std::string good_user = "alice";
  std::string good_password = "secret";
  bool locked_out = false;
  std::vector<VerifyCredentials> checks;
  std::vector<std::uint16_t> rejected;  // SendReply::rejected of every reply that had it
  std::string transcript;

 private:
  void perform(std::vector<Action>& actions) {
    last_actions = actions;
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (auto* reply = std::get_if<SendReply>(&actions[i])) {
        transcript += reply->text;
        if (reply->rejected != 0) rejected.push_back(reply->rejected);
      } else if (std::holds_alternative<StartTls>(actions[i])) {
        transcript += "<STARTTLS>";
        if (!hold_tls) protocol.tls_started(tls_ok, actions);
      } else if (auto* check = std::get_if<VerifyCredentials>(&actions[i])) {
        transcript += "<VERIFY " + check->user + ">";
        checks.push_back(*check);
        if (hold_auth) continue;
        const bool ok = check->user == good_user && check->password == good_password;
        protocol.auth_finished(AuthOutcome{ok && !locked_out, locked_out}, actions);
      } else if (auto* message = std::get_if<CommitMessage>(&actions[i])) {
        transcript += describe(*message);
        commits.push_back(*message);
        if (hold_commits) continue;
        auto result = outcome;
        if (result.ok) result.queue_id = "Q" + std::to_string(commits.size());
        protocol.commit_finished(result, actions);
      } else {
        transcript += "<CLOSE>";
      }
    }
  }

  static std::string describe(const CommitMessage& m) {
    std::string text = "<COMMIT from=" + m.envelope.sender + " to=";
    for (const auto& r : m.envelope.recipients) text += r + ",";
    text += " utf8=" + std::to_string(m.envelope.smtputf8) +
            " 8bit=" + std::to_string(m.envelope.eight_bit) + " campaign=" + m.envelope.campaign +
            " group=" + m.envelope.campaign_group + " helo=" + m.helo + " proto=" + m.protocol +
            " data=[" + m.data + "]>";
    return text;
  }
};

// Runs a whole input through a fresh driver in the given pieces.
inline std::string run_pieces(const std::vector<std::string_view>& pieces,
                              ProtocolLimits limits = test_limits(),
                              ClientInfo client = relay_client()) {
  ProtocolDriver driver(std::move(limits), std::move(client));
  for (auto piece : pieces) driver.feed(piece);
  return driver.take();
}

}  // namespace sluice::smtpd::testing
