#pragma once
// Drives a ClientProtocol the way the SMTP connection shell does: upstream bytes go through a
// ReplyParser (a parse error becomes on_io_error), each action is recorded, and StartTls is
// completed at once unless hold_tls is set. Tests script the upstream's replies and read what
// the client wrote and decided.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sluice/delivery/client_protocol.h"
#include "sluice/delivery/smtp_reply.h"

namespace sluice::delivery::testing {

inline ClientOptions plain_options() {
  ClientOptions options;
  options.helo_name = "relay.test";
  options.tls = ClientTls::none;
  return options;
}

inline Transaction make_transaction(std::vector<std::string> recipients,
                                    std::string body = "Subject: t\r\n\r\nhello\r\n") {
  Transaction t;
  t.sender = "s@sender.test";
  t.recipients = std::move(recipients);
  t.body = std::make_shared<const std::string>(std::move(body));
  return t;
}

class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(ClientOptions options = plain_options())
      : protocol(std::move(options)) {
    perform(protocol.on_connected());
  }

  // Upstream bytes: any number of replies, or part of one.
  void reply(std::string_view bytes) {
    parser.feed(bytes);
    while (auto next = parser.next()) {
      if (!next->ok()) return perform(protocol.on_io_error(next->error().message));
      perform(protocol.on_reply(next->value()));
    }
  }

  // Greeting and EHLO with these extension lines (after the name line); expects Ready.
  void greet(const std::vector<std::string>& extensions) {
    reply("220 mx.upstream.test ESMTP\r\n");
    std::string ehlo = extensions.empty() ? "250 mx.upstream.test\r\n" : "250-mx.upstream.test\r\n";
    for (std::size_t i = 0; i < extensions.size(); ++i) {
      ehlo += (i + 1 < extensions.size() ? "250-" : "250 ") + extensions[i] + "\r\n";
    }
    reply(ehlo);
  }

  void submit(Transaction t) { perform(protocol.submit(std::move(t))); }

  // Everything written since the last call.
  std::string take_sent() {
    std::string all;
    for (auto& s : sends) all += s;
    sends.clear();
    return all;
  }
  // Decisions (everything but Send) since the last call, as "<READY><DONE ...>" text.
  std::string take_events() { return std::exchange(events, {}); }

  void perform(ClientActions actions) {
    for (auto& action : actions) {
      if (auto* send = std::get_if<action::Send>(&action)) {
        sends.push_back(send->bytes);
      } else if (std::holds_alternative<action::StartTls>(action)) {
        events += "<STARTTLS>";
        if (!hold_tls) perform(protocol.on_tls_ready());
      } else if (std::holds_alternative<action::Ready>(action)) {
        events += "<READY>";
        if (!queued.empty()) {  // as the shell does: the next transaction as soon as ready
          auto next = std::move(queued.front());
          queued.erase(queued.begin());
          submit(std::move(next));
        }
      } else if (std::holds_alternative<action::ProbeOk>(action)) {
        events += "<PROBE-OK>";
      } else if (auto* done_action = std::get_if<action::TransactionDone>(&action)) {
        events += "<DONE>";
        done.push_back(*done_action);
      } else if (auto* failed_action = std::get_if<action::Failed>(&action)) {
        events += "<FAILED>";
        failed.push_back(*failed_action);
      } else {
        events += "<CLOSE>";
      }
    }
  }

  ClientProtocol protocol;
  ReplyParser parser;
  bool hold_tls = false;
  std::vector<Transaction> queued;  // submitted one by one, each time the protocol is ready
  std::vector<std::string> sends;   // each Send action, in order
  std::string events;
  std::vector<action::TransactionDone> done;
  std::vector<action::Failed> failed;
};

inline const std::vector<std::string> kPipelining = {"PIPELINING", "SIZE 100000", "8BITMIME"};
inline const std::vector<std::string> kPlain = {"SIZE 100000"};

// An upstream past EHLO (checked), with what it wrote and decided so far forgotten.
inline ScriptedUpstream ready_upstream(const std::vector<std::string>& extensions) {
  ScriptedUpstream up;
  up.greet(extensions);
  EXPECT_EQ(up.take_events(), "<READY>");
  up.take_sent();
  return up;
}

inline const char* outcome_name(RecipientOutcome outcome) {
  switch (outcome) {
    case RecipientOutcome::delivered:
      return "delivered";
    case RecipientOutcome::deferred:
      return "deferred";
    default:
      return "failed";
  }
}

// "a@x delivered 250 ok | b@x deferred! 421 bye" (! marks account_fault), for compact checks.
inline std::string describe(const action::TransactionDone& done) {
  std::string text;
  for (const auto& r : done.recipients) {
    if (!text.empty()) text += " | ";
    text += r.address + " " + outcome_name(r.outcome) + (r.account_fault ? "! " : " ") + r.reply;
  }
  return text;
}

}  // namespace sluice::delivery::testing
