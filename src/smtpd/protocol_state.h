#pragma once
// The inside of ServerProtocol, shared by its two halves: server_protocol.cpp (framing: command
// lines, DATA and BDAT bodies, commits) and smtp_commands.cpp (one handler per verb).
// One instance per connection, on the session's strand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sluice/mail/envelope.h"
#include "sluice/smtpd/command_parser.h"
#include "sluice/smtpd/data_decoder.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {

enum class Phase : std::uint8_t {
  command,          // reading command lines
  data,             // after 354: the decoder takes bytes up to <CRLF>.<CRLF>
  bdat,             // inside a BDAT chunk: exactly chunk.remaining more bytes
  awaiting_commit,  // CommitMessage sent: input is buffered until commit_finished()
  closed,           // CloseConnection sent: input is ignored
};

// What the client said about itself; STARTTLS and AUTH will add their state here.
struct ClientSession {
  bool greeted = false;
  bool esmtp = false;
  std::string helo;
};

// MAIL FROM up to the end of the message (or RSET, HELO/EHLO).
struct Transaction {
  bool active = false;  // MAIL accepted
  mail::Envelope envelope;
  std::unordered_set<std::string> recipients_seen;  // duplicates are kept once
  std::uint64_t declared_size = 0;                  // MAIL FROM SIZE=
  bool bdat_used = false;
  std::optional<DataDecoder> decoder;
};

struct BdatChunk {
  std::uint64_t size = 0;
  std::uint64_t remaining = 0;
  bool last = false;
  bool refused = false;  // no valid RCPT: the bytes are read and dropped, then 503
};

struct ServerProtocol::State {
  State(ProtocolLimits limits, ClientInfo client);

  // Framing (server_protocol.cpp).
  void run(std::string_view& in);
  bool step_command(std::string_view& in);
  void step_data(std::string_view& in);
  void step_bdat(std::string_view& in);
  void end_bdat_chunk();
  void finish_message();
  void reply(std::string_view line);  // one reply line without CRLF; counts 4xx/5xx
  void send(std::string_view text);   // complete reply lines, CRLF included
  void flush();
  void close();
  void reset_transaction() { transaction = Transaction{}; }
  std::size_t line_limit() const;

  // Commands (smtp_commands.cpp).
  void execute(std::string_view line);
  void on_helo(std::string_view argument);
  void on_ehlo(std::string_view argument);
  void on_mail(std::string_view argument);
  void on_rcpt(std::string_view argument);
  void on_data(std::string_view argument);
  void on_bdat(std::string_view argument);
  void on_rset(std::string_view argument);
  void on_noop(std::string_view argument);
  void on_quit(std::string_view argument);
  void on_vrfy(std::string_view argument);
  void on_help(std::string_view argument);
  void on_not_implemented(std::string_view argument);
  void on_unknown(std::string_view argument);
  void on_empty(std::string_view argument);

  const ProtocolLimits limits;
  const ClientInfo client;
  const std::string ehlo_reply;  // built once: the same for every EHLO

  Phase phase = Phase::command;
  std::string input;                   // a partial command line, or everything behind a commit
  bool discarding_line = false;        // inside a too long line: dropped up to its LF
  std::string pending;                 // replies not yet handed out as one SendReply
  std::vector<Action>* out = nullptr;  // where receive()/commit_finished() put actions
  ClientSession session;
  Transaction transaction;
  BdatChunk chunk;
  std::uint32_t errors = 0;
  std::uint64_t lines = 0;
};

}  // namespace sluice::smtpd
