#pragma once
// The SMTP client as a pure state machine: replies in, commands and decisions out. The I/O
// shell (smtp_connection.cpp) owns the socket, TLS and timers and does exactly what the actions
// say; everything about the protocol (EHLO/HELO fallback, STARTTLS, AUTH PLAIN/LOGIN,
// PIPELINING, SIZE, 8BITMIME/SMTPUTF8, per-recipient results, RSET between transactions, QUIT)
// lives here so it can be unit-tested and fuzzed byte by byte.
//
// One ClientProtocol per connection. Not thread-safe; the shell calls it from one strand.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sluice/delivery/smtp_reply.h"
#include "sluice/delivery/transport.h"

namespace sluice::delivery {

enum class ClientTls { none, starttls, implicit };  // implicit: TLS before the greeting (smtps)

struct ClientOptions {
  std::string helo_name;  // our name in EHLO/HELO
  ClientTls tls = ClientTls::starttls;
  std::optional<std::string> username;  // AUTH when set
  std::optional<std::string> password;
  // AUTH over a connection without TLS: only for accounts explicitly marked tls=none.
  bool allow_plaintext_auth = false;
};

// What one transaction carries. The body is the stored message with CRLF line ends, not yet
// dot-stuffed; the protocol stuffs it.
struct Transaction {
  std::string sender;  // empty for <>
  std::vector<std::string> recipients;
  std::shared_ptr<const std::string> body;
  bool smtputf8 = false;
  bool eight_bit = false;
};

// What the upstream advertised in its last EHLO.
struct Capabilities {
  bool esmtp = false;  // false after a HELO fallback
  bool pipelining = false;
  bool size = false;  // SIZE advertised, with or without a limit: MAIL FROM carries SIZE=
  bool starttls = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool enhanced_status_codes = false;
  std::optional<std::uint64_t> size_limit;  // SIZE n (n > 0)
  bool auth_plain = false;
  bool auth_login = false;
};

// Where the conversation is, so the shell can pick the matching timeout.
enum class ClientPhase {
  greeting,      // waiting for 220
  hello,         // EHLO/HELO (also after STARTTLS)
  starttls,      // STARTTLS sent, or the TLS handshake running
  auth,
  ready,         // idle: can take a transaction or a probe
  envelope,      // RSET/MAIL/RCPT sent
  data,          // DATA sent, waiting for 354
  data_done,     // message and "." sent, waiting for the final reply
  probing,       // NOOP sent
  quitting,
  closed,
};

namespace action {
struct Send { std::string bytes; };                   // write these bytes
struct StartTls {};                                   // run the TLS handshake, then on_tls_ready()
struct Ready {};                                      // idle: submit() or probe() may be called
struct ProbeOk {};                                    // the NOOP of probe() was answered 250
// A transaction is over: one result per recipient, in the submitted order. `fault` is set when
// the account or the connection failed rather than the message.
struct TransactionDone { std::vector<RecipientResult> recipients; std::optional<AccountFault> fault; };
// The connection is unusable (set up failed, 421, protocol error): close it. Any open
// transaction has been reported by a TransactionDone just before.
struct Failed { AccountFault fault; };
struct Close {};                                      // QUIT answered (or not needed): close
}  // namespace action

using ClientAction = std::variant<action::Send, action::StartTls, action::Ready, action::ProbeOk,
                                  action::TransactionDone, action::Failed, action::Close>;
using ClientActions = std::vector<ClientAction>;

class ClientProtocol {
 public:
  explicit ClientProtocol(ClientOptions options);
  ~ClientProtocol();
  ClientProtocol(ClientProtocol&&) noexcept;
  ClientProtocol& operator=(ClientProtocol&&) noexcept;

  // The TCP connection (and for ClientTls::implicit, the TLS handshake) is up: wait for 220.
  ClientActions on_connected();
  // A whole reply arrived (the shell runs ReplyParser).
  ClientActions on_reply(const SmtpReply& reply);
  // The STARTTLS handshake completed: EHLO again, capabilities forgotten.
  ClientActions on_tls_ready();
  // The socket failed, timed out or closed, or the reply parser reported garbage; `why` is a
  // local explanation ("timed out after 300s waiting for the DATA reply"). Reports any open
  // transaction (recipients deferred with account_fault) and fails. While quitting it just
  // closes: the upstream may hang up without answering QUIT.
  ClientActions on_io_error(const std::string& why);

  // Only in phase ready. Sends RSET first when the connection already carried a transaction.
  // Outside phase ready (a caller's mistake) it answers at once with a TransactionDone that
  // defers every recipient with account_fault, so each submit() is reported exactly once.
  ClientActions submit(Transaction transaction);
  ClientActions probe();  // NOOP; only in phase ready, ignored otherwise
  // QUIT from ready; otherwise just Close (after reporting an open transaction as deferred).
  ClientActions quit();

  ClientPhase phase() const;
  const Capabilities& capabilities() const;
  bool tls_active() const;
  std::uint32_t transactions() const;  // started on this connection

 private:
  // Everything else lives in src/delivery/client_state.h.
  struct State;
  std::unique_ptr<State> state_;
};

// Classifies an upstream reply to a transaction command for the account pool: provider quota
// and throttling replies ("5.4.5 Daily sending quota exceeded", "4.7.0 Try again later", 421)
// are the account's fault; anything else is the recipient's or message's own result.
std::optional<AccountFault> account_fault_in(const SmtpReply& reply);

// Dot-stuffs `body` (CRLF line ends) and appends the terminating "." line; a body not ending in
// CRLF gets one first.
std::string dot_stuffed(const std::string& body);

}  // namespace sluice::delivery
