#pragma once
// The SMTP server protocol (RFC 5321 and its extensions) as a pure state machine: bytes from
// the client in, actions out (replies to send, a message to commit, close). No sockets, timers,
// clocks or files: the session shell (session.cpp) does the I/O and the waiting.
// One instance per connection, used from one strand only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/mail/envelope.h"

namespace sluice::smtpd {

struct ProtocolLimits {
  std::string myhostname = "localhost";
  std::string banner;                            // text after "220 "; default "<myhostname> ESMTP sluice"
  std::uint64_t message_size_limit = 10'240'000; // 0: unlimited
  std::uint32_t recipient_limit = 1000;          // 0: unlimited
  std::uint32_t line_length_limit = 2048;        // command lines, CRLF included
  std::uint32_t hopcount_limit = 50;             // Received: headers; 0: unlimited
  // Postfix's smtpd_hard_error_limit: the reply that brings the count of 4xx/5xx replies to
  // this number is followed by "421 4.7.0 ... too many errors" and the close. 0: unlimited.
  std::uint32_t hard_error_limit = 20;
  std::string campaign_header = "X-Campaign-ID";
  std::string campaign_group_header = "X-Campaign-Group";
  // STARTTLS (RFC 3207): offered when the shell has a certificate and the level is not none;
  // with require_tls (smtpd_tls_security_level = encrypt) every command but EHLO/HELO, NOOP,
  // RSET, QUIT and STARTTLS gets "530 5.7.0 Must issue a STARTTLS command first".
  bool tls_offered = false;
  bool require_tls = false;
  // SMTP AUTH PLAIN and LOGIN (RFC 4954): offered when auth_enabled, and before TLS only when
  // !auth_requires_tls (smtpd_tls_auth_only = no). When auth_enabled, a client that is neither
  // authenticated nor allowed to relay by address gets "530 5.7.0 Authentication required" at
  // MAIL; without AUTH such a client gets "554 5.7.1 ... Relay access denied" at RCPT.
  bool auth_enabled = false;
  bool auth_requires_tls = true;
  // smtpd_sender_login_maps: which envelope senders an authenticated user may use. Null: any.
  // Called with (user, sender address; "" for <>); false gives "553 5.7.1 <sender>: Sender
  // address rejected: not owned by user USER".
  std::function<bool(std::string_view user, std::string_view sender)> sender_allowed;
};

struct ClientInfo {
  std::string address;     // numeric client address, for Received and logs
  bool may_relay = false;  // decided by the relay policy when the connection arrives (mynetworks)
  bool tls_active = false; // the connection is already encrypted (SMTPS, smtpd_tls_wrappermode)
};

// Send these bytes (one or more complete reply lines, CRLF-terminated) to the client.
struct SendReply {
  std::string text;
  // The reply code when this reply refuses a step of a mail transaction (MAIL, RCPT, DATA/BDAT,
  // end of data, a failed commit, relay or authentication refusals): the shell counts it in
  // sluice_messages_rejected_total{code}. 0 for every other reply.
  std::uint16_t rejected = 0;
};

// STARTTLS was accepted ("220 2.0.0 Ready to start TLS" is in the SendReply before this
// action): flush the replies, run the TLS handshake as server, then call tls_started(). Every
// byte the client sent after the STARTTLS line has already been discarded (the STARTTLS
// injection class, CVE-2011-0411); the shell must not feed the protocol anything it read
// before the handshake either.
struct StartTls {};

// AUTH gave a user name and password: check them (slowly, off the I/O thread; failures are
// rate-limited per client by the shell), then call auth_finished(). No further input is
// processed until then.
struct VerifyCredentials {
  std::string user;
  std::string password;
};

// How the check asked for by VerifyCredentials ended.
struct AuthOutcome {
  bool ok = false;
  // The client had too many failed attempts recently: "454 4.7.0 Too many failed
  // authentication attempts, try again later" instead of "535 5.7.8 ...".
  bool locked_out = false;
};

// A complete message passed every check: commit it durably, then call commit_finished().
// No further input is processed until then.
struct CommitMessage {
  mail::Envelope envelope;
  std::string helo;     // the name the client gave in EHLO/HELO
  std::string protocol; // "SMTP", "ESMTP" (for the Received header)
  std::string data;     // the message as received: dot-unstuffed, CRLF line ends
};

// Close the connection after sending everything queued before this action.
struct CloseConnection {};

using Action = std::variant<SendReply, CommitMessage, CloseConnection, StartTls, VerifyCredentials>;

// How the commit of the last CommitMessage ended.
struct CommitOutcome {
  bool ok = false;
  std::string queue_id;   // when ok
  bool no_space = false;  // when !ok: disk or map full (452 4.3.1) rather than another fault
};

class ServerProtocol {
 public:
  ServerProtocol(ProtocolLimits limits, ClientInfo client);
  ~ServerProtocol();
  ServerProtocol(ServerProtocol&&) noexcept;
  ServerProtocol& operator=(ServerProtocol&&) noexcept;

  // The 220 greeting, sent once when the connection opens.
  std::string greeting() const;

  // Consumes client bytes and appends the actions they cause. Processing stops at a
  // CommitMessage (remaining bytes are buffered) and after CloseConnection.
  void receive(std::string_view bytes, std::vector<Action>& out);

  // Reports the commit asked for by the last CommitMessage; appends its reply and the actions
  // of any input buffered behind it.
  void commit_finished(const CommitOutcome& outcome, std::vector<Action>& out);

  // Reports the TLS handshake asked for by StartTls. ok: the session starts over as RFC 3207
  // says (no HELO, no transaction, no authentication; the client must EHLO again) with TLS
  // active. !ok: a CloseConnection (nothing can be sent: the stream is in an unknown state).
  void tls_started(bool ok, std::vector<Action>& out);
  // Reports the check asked for by VerifyCredentials; appends "235 2.7.0 Authentication
  // successful", "535 5.7.8 Error: authentication failed" or the locked-out reply.
  void auth_finished(const AuthOutcome& outcome, std::vector<Action>& out);
  // The authenticated user, or empty.
  const std::string& authenticated_user() const;
  bool tls_active() const;

  // The reply for a client that exceeded smtpd_timeout ("421 4.4.2 ..."), to send before closing.
  std::string timeout_reply() const;
  // The reply when the server shuts down ("421 4.3.2 ...").
  std::string shutdown_reply() const;

  // Counts complete command or data lines received so far: the shell restarts its
  // per-line deadline whenever this moves (Postfix's smtpd_per_record_deadline).
  std::uint64_t lines_received() const;
  bool awaiting_commit() const;
  // Inside a DATA body or a BDAT chunk: the shell applies smtpd_min_data_rate instead of the
  // per-line deadline (server_protocol_phase.cpp).
  bool receiving_message() const;
  bool closed() const;
  // Input held back: a partial command line (below line_length_limit) or input that arrived
  // while a commit was under way. Never grows with an endless line.
  std::size_t buffered_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::smtpd
