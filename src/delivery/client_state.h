#pragma once
// The inside of ClientProtocol, shared by its two halves: client_protocol.cpp (dispatch, the
// session set-up: greeting, EHLO/HELO, STARTTLS, AUTH; probe, quit, errors) and
// client_transaction.cpp (RSET, MAIL, RCPT, DATA and the per-recipient results).
// One per connection, on the shell's strand.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/delivery/client_protocol.h"

namespace sluice::delivery {

// The reply the protocol waits for; several are queued when commands are pipelined, answered
// in the order they were sent (RFC 2920 3.1).
enum class Expect : std::uint8_t {
  greeting,
  ehlo,
  helo,
  starttls,
  auth_username_prompt,  // AUTH LOGIN sent, waiting for 334
  auth_password_prompt,  // username sent, waiting for 334
  auth_result,           // waiting for 235
  rset,
  mail,
  rcpt,
  data,
  message,  // the body and "." sent: the final reply
  noop,
  quit,
};

// Where one recipient stands within the open transaction.
enum class Verdict : std::uint8_t {
  waiting,   // its RCPT is not answered yet
  accepted,  // RCPT answered 2xx: the message's final reply decides
  final,     // its result will not change
};

struct OpenTransaction {
  Transaction transaction;
  std::vector<RecipientResult> results;  // one per recipient, in order
  std::vector<Verdict> verdicts;         // parallel to results
  std::size_t rcpt_replies = 0;          // the next RCPT reply is for recipient[rcpt_replies]
  bool mail_refused = false;             // the rest of a pipelined group is consumed and ignored
  bool aborting = false;  // DATA got 354 though nobody was accepted: a lone "." was sent
  std::optional<AccountFault> fault;  // the first account fault of this transaction
};

struct ClientProtocol::State {
  explicit State(ClientOptions options_in);

  ClientActions take() { return std::exchange(out, {}); }
  void command(std::string_view line);  // Send line + CRLF
  void ready();
  // The connection cannot go on: reports an open transaction (every recipient not yet final
  // deferred with account_fault and `recipient_reply`), then Failed, or Close when `fault` is
  // unset (our own decision to close). `recipient_code`: the upstream reply behind
  // recipient_reply, 0 when it is our own words.
  void end_connection(std::optional<AccountFault> fault, const std::string& recipient_reply,
                      std::uint16_t recipient_code = 0);
  void protocol_error(std::string what);  // an answer that makes no sense here

  // Set-up, probe, quit (client_protocol.cpp).
  void on_reply(const SmtpReply& reply);
  void on_greeting(const SmtpReply& reply);
  void on_ehlo(const SmtpReply& reply);
  void on_helo(const SmtpReply& reply);
  void after_hello();
  void on_starttls(const SmtpReply& reply);
  void begin_auth();
  void on_auth_prompt(const SmtpReply& reply, Expect step);
  void on_auth_result(const SmtpReply& reply);
  void on_noop(const SmtpReply& reply);

  // Transactions (client_transaction.cpp).
  void submit(Transaction transaction);
  bool refused_before_sending(const Transaction& transaction);
  std::string mail_command() const;
  std::string rcpt_command(std::size_t index) const;
  void on_transaction_reply(Expect step, const SmtpReply& reply);
  void on_rset(const SmtpReply& reply);
  void on_mail(const SmtpReply& reply);
  void on_rcpt(const SmtpReply& reply);
  void after_last_rcpt();
  void on_data(const SmtpReply& reply);
  void on_message(const SmtpReply& reply);
  void judge(std::size_t index, const SmtpReply& reply);
  void judge_accepted(const SmtpReply& reply);
  bool anyone_accepted() const;
  void finish_transaction();

  ClientOptions options;
  ClientPhase phase = ClientPhase::greeting;
  Capabilities caps;
  bool tls_active = false;
  bool awaiting_handshake = false;  // STARTTLS answered 220: on_tls_ready() comes next
  std::uint32_t transactions = 0;
  std::deque<Expect> expected;
  std::optional<OpenTransaction> open;
  ClientActions out;  // the actions of the call in progress
};

}  // namespace sluice::delivery
