#pragma once
// The SMTP server protocol (RFC 5321 and its extensions) as a pure state machine: bytes from
// the client in, actions out (replies to send, a message to commit, close). No sockets, timers,
// clocks or files: the session shell (session.cpp) does the I/O and the waiting.
// One instance per connection, used from one strand only.

#include <cstddef>
#include <cstdint>
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
};

struct ClientInfo {
  std::string address;     // numeric client address, for Received and logs
  bool may_relay = false;  // decided by the relay policy when the connection arrives
};

// Send these bytes (one or more complete reply lines, CRLF-terminated) to the client.
struct SendReply {
  std::string text;
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

using Action = std::variant<SendReply, CommitMessage, CloseConnection>;

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

  // The reply for a client that exceeded smtpd_timeout ("421 4.4.2 ..."), to send before closing.
  std::string timeout_reply() const;
  // The reply when the server shuts down ("421 4.3.2 ...").
  std::string shutdown_reply() const;

  // Counts complete command or data lines received so far: the shell restarts its
  // per-line deadline whenever this moves (Postfix's smtpd_per_record_deadline).
  std::uint64_t lines_received() const;
  bool awaiting_commit() const;
  bool closed() const;
  // Input held back: a partial command line (below line_length_limit) or input that arrived
  // while a commit was under way. Never grows with an endless line.
  std::size_t buffered_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::smtpd
