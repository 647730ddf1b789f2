// STARTTLS (RFC 3207) and AUTH (RFC 4954): the commands that change how the client talks and
// who it is, and the two hand-offs they make to the shell (the handshake, the password check).

#include <algorithm>

#include "protocol_state.h"

namespace sluice::smtpd {

namespace {

// Splits off the next space-separated word.
std::string_view next_word(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && s[n] != ' ' && s[n] != '\t') ++n;
  const auto word = s.substr(0, n);
  s.remove_prefix(n);
  return word;
}

}  // namespace

// Under smtpd_tls_security_level = encrypt nothing but STARTTLS is allowed before TLS, so AUTH is
// not offered then even with smtpd_tls_auth_only = no (a client trusting EHLO would get 530).
bool ServerProtocol::State::auth_offered() const {
  return limits.auth_enabled && (tls_active || (!limits.auth_requires_tls && !limits.require_tls));
}

// Postfix's order of checks and replies.
void ServerProtocol::State::on_starttls(std::string_view argument) {
  if (!argument.empty()) return reply("501 5.5.4 Syntax: STARTTLS");
  if (transaction.active) return reply("503 5.5.1 Error: MAIL transaction in progress");
  if (tls_active) return reply("554 5.5.1 Error: TLS already active");
  if (!limits.tls_offered) return reply("502 5.5.1 Error: command not implemented");
  reply("220 2.0.0 Ready to start TLS");
  flush();
  out->push_back(StartTls{});
  // run() stops here and receive() drops the rest of the input: anything pipelined behind
  // STARTTLS was sent in plaintext and must not be taken as coming over TLS.
  phase = Phase::tls_handshake;
}

void ServerProtocol::State::on_auth(std::string_view argument) {
  if (!auth_offered()) return reply("503 5.5.1 Error: authentication not enabled");
  if (!session.greeted) return reply("503 5.5.1 Error: send HELO/EHLO first");
  if (transaction.active) return reply("503 5.5.1 Error: MAIL transaction in progress");
  if (!authenticated_user.empty()) return reply("503 5.5.1 Error: already authenticated");
  const auto mechanism = next_word(argument);
  const auto initial_response = next_word(argument);
  if (mechanism.empty() || !next_word(argument).empty()) {
    return reply("501 5.5.4 Syntax: AUTH mechanism");
  }
  apply(sasl.emplace().start(mechanism, initial_response.empty()
                                            ? std::nullopt
                                            : std::optional<std::string_view>(initial_response)));
}

void ServerProtocol::State::apply(SaslExchange::Step step) {
  if (const auto* challenge = std::get_if<SaslExchange::Challenge>(&step)) {
    phase = Phase::auth_response;
    return reply(challenge->reply);
  }
  phase = Phase::command;
  if (auto* credentials = std::get_if<SaslExchange::Credentials>(&step)) {
    candidate_user = credentials->user;
    flush();
    out->push_back(
        VerifyCredentials{std::move(credentials->user), std::move(credentials->password)});
    phase = Phase::awaiting_auth;
  } else {
    reply(std::get<SaslExchange::Refusal>(step).reply);
  }
  sasl.reset();
}

// A SASL response line; its limit is RFC 4954's, not the command line's.
bool ServerProtocol::State::step_auth_response(std::string_view& in) {
  const auto line = next_line(in, std::max<std::size_t>(kAuthLineLimit, line_limit()));
  if (!line) return false;
  switch (line->kind) {
    case InputLine::Kind::too_long:
      sasl.reset();
      phase = Phase::command;
      reply("500 5.5.6 Authentication exchange line is too long");
      break;
    case InputLine::Kind::bare_lf:
      sasl.reset();
      phase = Phase::command;
      reply("500 5.5.2 Error: bare <LF> received");
      break;
    case InputLine::Kind::ok:
      apply(sasl->respond(line->text));
      break;
  }
  return true;
}

void ServerProtocol::tls_started(bool ok, std::vector<Action>& out) {
  auto& s = *state_;
  if (s.phase != Phase::tls_handshake) return;
  s.out = &out;
  if (!ok) {
    s.close();  // the stream is in an unknown state: not even a reply can be sent
  } else {
    // RFC 3207 section 4.2: the client must start over with EHLO, and nothing it said before
    // the handshake (its name, a transaction, an authentication) counts any more.
    s.phase = Phase::command;
    s.tls_active = true;
    s.session = ClientSession{};
    s.reset_transaction();
    s.authenticated_user.clear();
  }
  s.out = nullptr;
}

void ServerProtocol::auth_finished(const AuthOutcome& outcome, std::vector<Action>& out) {
  auto& s = *state_;
  if (s.phase != Phase::awaiting_auth) return;
  s.out = &out;
  s.phase = Phase::command;
  if (outcome.ok) {
    s.authenticated_user = std::move(s.candidate_user);
    s.reply("235 2.7.0 Authentication successful");
  } else if (outcome.locked_out) {
    s.reply("454 4.7.0 Too many failed authentication attempts, try again later");
  } else {
    s.reply("535 5.7.8 Error: authentication failed");
  }
  s.candidate_user.clear();
  s.resume();  // commands pipelined behind the exchange
  s.flush();
  s.out = nullptr;
}

}  // namespace sluice::smtpd
