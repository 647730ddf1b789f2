#pragma once
// The inside of ServerProtocol, shared by its parts: server_protocol.cpp (framing: command
// lines, DATA and BDAT bodies, commits), smtp_commands.cpp (one handler per verb) and
// security_commands.cpp (STARTTLS and AUTH, with their hand-offs to the shell).
// One instance per connection, on the session's strand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sasl_exchange.h"
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
  auth_response,    // a 334 challenge sent: the next line is the client's SASL response
  awaiting_auth,    // VerifyCredentials sent: input is buffered until auth_finished()
  tls_handshake,    // StartTls sent: input is discarded until tls_started()
  closed,           // CloseConnection sent: input is ignored
};

// What the client said about itself in HELO/EHLO (which resets it).
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
  // Why the chunk is refused (no valid RCPT, no TLS yet), or empty: a refused chunk is read
  // and dropped, then this is the reply, so its bytes are never taken for commands.
  std::string_view refusal;
};

// A complete line taken off the input (next_line), without its line end.
struct InputLine {
  enum class Kind : std::uint8_t { ok, too_long, bare_lf } kind = Kind::ok;
  std::string_view text;
};

struct ServerProtocol::State {
  State(ProtocolLimits limits, ClientInfo client);

  // Marks the replies of one step of a mail transaction as refusals of it (SendReply::rejected).
  struct TransactionStep {
    explicit TransactionStep(State& s) : state(s) { state.in_transaction_step = true; }
    ~TransactionStep() { state.in_transaction_step = false; }
    TransactionStep(const TransactionStep&) = delete;
    TransactionStep& operator=(const TransactionStep&) = delete;
    State& state;
  };

  // Framing (server_protocol.cpp).
  void run(std::string_view& in);
  std::optional<InputLine> next_line(std::string_view& in, std::size_t limit);
  bool step_command(std::string_view& in);
  bool step_auth_response(std::string_view& in);
  void step_data(std::string_view& in);
  void step_bdat(std::string_view& in);
  void end_bdat_chunk();
  void finish_message();
  // One reply line without CRLF; counts 4xx/5xx. Inside a transaction step (in_transaction_step)
  // a 4xx/5xx reply goes out as its own SendReply carrying its code in `rejected`.
  void reply(std::string_view line);
  void send(std::string_view text);  // complete reply lines, CRLF included
  void flush();
  void close();
  void resume();  // after a hand-off to the shell ended: the input held back meanwhile
  void keep_unread(std::string_view rest);  // what receive() could not process yet
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
  void on_starttls(std::string_view argument);
  void on_auth(std::string_view argument);
  void apply(SaslExchange::Step step);
  bool auth_offered() const;  // AUTH may be used now (before authentication)
  std::string ehlo_reply() const;
  void on_not_implemented(std::string_view argument);
  void on_unknown(std::string_view argument);
  void on_empty(std::string_view argument);

  const ProtocolLimits limits;
  const ClientInfo client;

  Phase phase = Phase::command;
  std::string input;                   // a partial command line, or everything behind a commit
  bool discarding_line = false;        // inside a too long line: dropped up to its LF
  std::string pending;                 // replies not yet handed out as one SendReply
  std::vector<Action>* out = nullptr;  // where receive()/commit_finished() put actions
  ClientSession session;
  bool tls_active = false;           // survives HELO/EHLO; set by tls_started()
  std::string authenticated_user;    // survives HELO/EHLO; cleared by tls_started()
  std::optional<SaslExchange> sasl;  // during an AUTH exchange
  std::string candidate_user;        // in awaiting_auth: the user being checked
  bool in_transaction_step = false;  // handling MAIL/RCPT/DATA/BDAT, end of data or a commit
  Transaction transaction;
  BdatChunk chunk;
  std::uint32_t errors = 0;
  std::uint64_t lines = 0;
};

}  // namespace sluice::smtpd
