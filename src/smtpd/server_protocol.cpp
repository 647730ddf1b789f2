#include "sluice/smtpd/server_protocol.h"

#include <algorithm>
#include <cstring>

#include "protocol_state.h"
#include "sluice/mail/header_scan.h"

namespace sluice::smtpd {

namespace {

constexpr std::size_t kDefaultLineLimit = 2048;

// A 4xx/5xx reply's code, for SendReply::rejected.
std::uint16_t reply_code(std::string_view line) {
  if (line.size() < 3) return 0;
  std::uint16_t code = 0;
  for (const char c : line.substr(0, 3)) {
    if (c < '0' || c > '9') return 0;
    code = static_cast<std::uint16_t>(code * 10 + (c - '0'));
  }
  return code;
}

}  // namespace

ServerProtocol::State::State(ProtocolLimits limits_in, ClientInfo client_in)
    : limits(std::move(limits_in)), client(std::move(client_in)), tls_active(client.tls_active) {}

std::size_t ServerProtocol::State::line_limit() const {
  return limits.line_length_limit != 0 ? limits.line_length_limit : kDefaultLineLimit;
}

void ServerProtocol::State::send(std::string_view text) { pending += text; }

void ServerProtocol::State::reply(std::string_view line) {
  const bool error = !line.empty() && (line.front() == '4' || line.front() == '5');
  if (error && in_transaction_step) {
    flush();
    out->push_back(SendReply{std::string(line) + "\r\n", reply_code(line)});
  } else {
    pending += line;
    pending += "\r\n";
  }
  if (!error) return;
  // Postfix's smtpd_hard_error_limit: disconnect once the count reaches the limit.
  if (++errors >= limits.hard_error_limit && limits.hard_error_limit != 0 &&
      phase != Phase::closed) {
    pending += "421 4.7.0 " + limits.myhostname + " Error: too many errors\r\n";
    close();
  }
}

void ServerProtocol::State::flush() {
  if (pending.empty()) return;
  out->push_back(SendReply{std::move(pending)});
  pending.clear();
}

void ServerProtocol::State::close() {
  if (phase == Phase::closed) return;
  flush();
  out->push_back(CloseConnection{});
  phase = Phase::closed;
}

void ServerProtocol::State::resume() {
  std::string held = std::move(input);
  input.clear();
  std::string_view rest = held;
  run(rest);
  keep_unread(rest);
}

void ServerProtocol::State::keep_unread(std::string_view rest) {
  if (phase == Phase::closed || phase == Phase::tls_handshake) {
    // After STARTTLS nothing the client sent in plaintext may be read (CVE-2011-0411).
    std::string().swap(input);
  } else {
    input.assign(rest);
  }
}

void ServerProtocol::State::run(std::string_view& in) {
  while (!in.empty()) {
    switch (phase) {
      case Phase::command:
        if (!step_command(in)) return;
        break;
      case Phase::auth_response:
        if (!step_auth_response(in)) return;
        break;
      case Phase::data:
        step_data(in);
        break;
      case Phase::bdat:
        step_bdat(in);
        break;
      case Phase::awaiting_commit:
      case Phase::awaiting_auth:
      case Phase::tls_handshake:
      case Phase::closed:
        return;
    }
  }
}

// Takes one line off the front of in; nullopt when in holds no complete line (a partial line
// stays for the next bytes, one longer than limit is dropped as it arrives, never buffered).
std::optional<InputLine> ServerProtocol::State::next_line(std::string_view& in, std::size_t limit) {
  const auto* lf = static_cast<const char*>(std::memchr(in.data(), '\n', in.size()));
  if (discarding_line) {
    if (!lf) {
      in = {};
      return std::nullopt;
    }
    in.remove_prefix(std::size_t(lf - in.data()) + 1);
    discarding_line = false;
    ++lines;
    return InputLine{InputLine::Kind::too_long, {}};
  }
  if (!lf) {
    if (in.size() >= limit) {  // cannot fit even with its LF
      discarding_line = true;
      in = {};
    }
    return std::nullopt;
  }
  const auto length = std::size_t(lf - in.data()) + 1;
  const auto line = in.substr(0, length);
  in.remove_prefix(length);
  ++lines;
  if (length > limit) return InputLine{InputLine::Kind::too_long, {}};
  if (length < 2 || line[length - 2] != '\r') return InputLine{InputLine::Kind::bare_lf, {}};
  return InputLine{InputLine::Kind::ok, line.substr(0, length - 2)};
}

bool ServerProtocol::State::step_command(std::string_view& in) {
  const auto line = next_line(in, line_limit());
  if (!line) return false;
  switch (line->kind) {
    case InputLine::Kind::too_long:
      reply("500 5.5.2 Error: line too long");
      break;
    case InputLine::Kind::bare_lf:
      reply("500 5.5.2 Error: bare <LF> received");
      break;
    case InputLine::Kind::ok:
      execute(line->text);
      break;
  }
  return true;
}

void ServerProtocol::State::step_data(std::string_view& in) {
  auto& decoder = *transaction.decoder;
  const auto lines_before = decoder.lines();
  in.remove_prefix(decoder.feed(in));
  lines += decoder.lines() - lines_before;
  if (decoder.finished()) {
    phase = Phase::command;
    finish_message();
  }
}

void ServerProtocol::State::step_bdat(std::string_view& in) {
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.remaining, in.size()));
  const auto bytes = in.substr(0, take);
  in.remove_prefix(take);
  chunk.remaining -= take;
  if (!chunk.refusal.empty()) {
    lines += static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  } else {
    auto& decoder = *transaction.decoder;
    const auto lines_before = decoder.lines();
    decoder.feed(bytes);
    lines += decoder.lines() - lines_before;
  }
  if (chunk.remaining == 0) end_bdat_chunk();
}

void ServerProtocol::State::end_bdat_chunk() {
  const TransactionStep step(*this);
  phase = Phase::command;
  if (!chunk.refusal.empty()) {
    reply(chunk.refusal);
  } else if (!chunk.last) {
    reply("250 2.0.0 Ok: " + std::to_string(chunk.size) + " octets received");
  } else {
    transaction.decoder->finish_raw();
    finish_message();
  }
}

// The end of DATA or of the LAST chunk: the checks that need the whole message, then commit.
void ServerProtocol::State::finish_message() {
  const TransactionStep step(*this);
  auto& decoder = *transaction.decoder;
  if (decoder.bare_lf() || decoder.bare_cr()) {
    // As Postfix's smtpd_forbid_bare_newline=reject: the client is broken or an attacker.
    reply(decoder.bare_lf() ? "550 5.5.2 Error: bare <LF> received"
                            : "550 5.5.2 Error: bare <CR> received");
    close();
    return;
  }
  if (decoder.too_big()) {
    reset_transaction();
    reply("552 5.3.4 Message size exceeds fixed limit");
    return;
  }
  mail::HeaderScanner headers({limits.campaign_header, limits.campaign_group_header});
  headers.feed(decoder.body());
  headers.finish();
  if (limits.hopcount_limit != 0 && headers.received_count() > limits.hopcount_limit) {
    reset_transaction();
    reply("554 5.4.6 Too many hops");
    return;
  }
  CommitMessage message;
  message.envelope = std::move(transaction.envelope);
  message.envelope.campaign = headers.value(0);
  message.envelope.campaign_group = headers.value(1);
  message.helo = session.helo;
  message.protocol = session.esmtp ? "ESMTP" : "SMTP";
  message.data = decoder.take_body();
  reset_transaction();
  flush();
  out->push_back(std::move(message));
  phase = Phase::awaiting_commit;
}

ServerProtocol::ServerProtocol(ProtocolLimits limits, ClientInfo client)
    : state_(std::make_unique<State>(std::move(limits), std::move(client))) {}
ServerProtocol::~ServerProtocol() = default;
ServerProtocol::ServerProtocol(ServerProtocol&&) noexcept = default;
ServerProtocol& ServerProtocol::operator=(ServerProtocol&&) noexcept = default;

std::string ServerProtocol::greeting() const {
  const auto& limits = state_->limits;
  return "220 " + (limits.banner.empty() ? limits.myhostname + " ESMTP sluice" : limits.banner) +
         "\r\n";
}

void ServerProtocol::receive(std::string_view bytes, std::vector<Action>& out) {
  auto& s = *state_;
  if (s.phase == Phase::closed || s.phase == Phase::tls_handshake) return;
  if (s.phase == Phase::awaiting_commit || s.phase == Phase::awaiting_auth) {
    s.input.append(bytes);
    return;
  }
  s.out = &out;
  if (s.input.empty()) {
    // The common case: nothing held back, so bodies go to the decoder without a copy.
    s.run(bytes);
    s.keep_unread(bytes);
  } else {
    s.input.append(bytes);
    std::string_view rest = s.input;
    s.run(rest);
    if (s.phase == Phase::closed || s.phase == Phase::tls_handshake) {
      std::string().swap(s.input);
    } else {
      s.input.erase(0, s.input.size() - rest.size());
    }
  }
  s.flush();
  s.out = nullptr;
}

void ServerProtocol::commit_finished(const CommitOutcome& outcome, std::vector<Action>& out) {
  auto& s = *state_;
  if (s.phase != Phase::awaiting_commit) return;
  s.out = &out;
  s.phase = Phase::command;
  {
    const State::TransactionStep step(s);
    if (outcome.ok) {
      s.reply("250 2.0.0 Ok: queued as " + outcome.queue_id);
    } else if (outcome.no_space) {
      s.reply("452 4.3.1 Insufficient system storage");
    } else {
      s.reply("451 4.3.0 Error: queue file write error");
    }
  }
  s.resume();  // commands pipelined behind the message
  s.flush();
  s.out = nullptr;
}

std::string ServerProtocol::timeout_reply() const {
  return "421 4.4.2 " + state_->limits.myhostname + " Error: timeout exceeded\r\n";
}

std::string ServerProtocol::shutdown_reply() const {
  return "421 4.3.2 " + state_->limits.myhostname + " Service shutting down\r\n";
}

const std::string& ServerProtocol::authenticated_user() const { return state_->authenticated_user; }
bool ServerProtocol::tls_active() const { return state_->tls_active; }
std::uint64_t ServerProtocol::lines_received() const { return state_->lines; }
bool ServerProtocol::awaiting_commit() const { return state_->phase == Phase::awaiting_commit; }
bool ServerProtocol::closed() const { return state_->phase == Phase::closed; }
std::size_t ServerProtocol::buffered_bytes() const { return state_->input.size(); }

}  // namespace sluice::smtpd
