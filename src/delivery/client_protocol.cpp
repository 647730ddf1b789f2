#include "sluice/delivery/client_protocol.h"

#include <utility>

#include "base64.h"
#include "client_state.h"
#include "ehlo_capabilities.h"

namespace sluice::delivery {
namespace {

bool is_transaction_step(Expect step) {
  switch (step) {
    case Expect::rset:
    case Expect::mail:
    case Expect::rcpt:
    case Expect::data:
    case Expect::message:
      return true;
    default:
      return false;
  }
}

// RFC 5321 4.2.4 and 3.2: servers that do not know EHLO answer one of these; then HELO.
bool ehlo_unknown(int code) {
  return code == 500 || code == 501 || code == 502 || code == 504 || code == 550;
}

AccountFault unavailable(std::string reason) {
  return AccountFault{AccountFaultKind::unavailable, std::move(reason)};
}

}  // namespace

ClientProtocol::State::State(ClientOptions options_in)
    : options(std::move(options_in)), tls_active(options.tls == ClientTls::implicit) {}

void ClientProtocol::State::command(std::string_view line) {
  std::string bytes(line);
  bytes += "\r\n";
  out.push_back(action::Send{std::move(bytes)});
}

void ClientProtocol::State::ready() {
  phase = ClientPhase::ready;
  out.push_back(action::Ready{});
}

void ClientProtocol::State::end_connection(std::optional<AccountFault> fault,
                                           const std::string& recipient_reply,
                                           std::uint16_t recipient_code) {
  if (open) {
    for (std::size_t i = 0; i < open->results.size(); ++i) {
      if (open->verdicts[i] == Verdict::final) continue;
      auto& result = open->results[i];
      result.outcome = RecipientOutcome::deferred;
      result.account_fault = true;
      result.reply = recipient_reply;
      result.reply_code = recipient_code;
    }
    if (!open->fault) open->fault = fault ? *fault : unavailable(recipient_reply);
    out.push_back(action::TransactionDone{std::move(open->results), std::move(open->fault)});
    open.reset();
  }
  expected.clear();
  awaiting_handshake = false;
  phase = ClientPhase::closed;
  if (fault) {
    out.push_back(action::Failed{std::move(*fault)});
  } else {
    out.push_back(action::Close{});
  }
}

void ClientProtocol::State::protocol_error(std::string what) {
  const std::string recipient_reply = "451 4.5.0 Upstream protocol error: " + what;
  end_connection(unavailable(std::move(what)), recipient_reply);
}

void ClientProtocol::State::on_reply(const SmtpReply& reply) {
  if (phase == ClientPhase::closed) return;
  if (expected.empty()) return protocol_error("unexpected reply " + reply.to_string());
  const Expect step = expected.front();
  expected.pop_front();
  if (is_transaction_step(step)) return on_transaction_reply(step, reply);
  switch (step) {
    case Expect::greeting:
      return on_greeting(reply);
    case Expect::ehlo:
      return on_ehlo(reply);
    case Expect::helo:
      return on_helo(reply);
    case Expect::starttls:
      return on_starttls(reply);
    case Expect::auth_username_prompt:
    case Expect::auth_password_prompt:
      return on_auth_prompt(reply, step);
    case Expect::auth_result:
      return on_auth_result(reply);
    case Expect::noop:
      return on_noop(reply);
    case Expect::quit:
      return end_connection(std::nullopt, {});  // whatever it says, we are done
    default:
      return;  // transaction steps are handled above
  }
}

void ClientProtocol::State::on_greeting(const SmtpReply& reply) {
  if (reply.code != 220) return end_connection(unavailable(reply.to_string()), {});
  command("EHLO " + options.helo_name);
  expected.push_back(Expect::ehlo);
  phase = ClientPhase::hello;
}

void ClientProtocol::State::on_ehlo(const SmtpReply& reply) {
  if (reply.reply_class() == 2) {
    caps = capabilities_in(reply);
    return after_hello();
  }
  if (!ehlo_unknown(reply.code)) return end_connection(unavailable(reply.to_string()), {});
  command("HELO " + options.helo_name);
  expected.push_back(Expect::helo);
}

void ClientProtocol::State::on_helo(const SmtpReply& reply) {
  if (reply.reply_class() != 2) return end_connection(unavailable(reply.to_string()), {});
  caps = Capabilities{};  // plain SMTP: no extensions at all
  after_hello();
}

void ClientProtocol::State::after_hello() {
  if (options.tls == ClientTls::starttls && !tls_active) {
    // The account demands TLS: never fall back to plain text silently.
    if (!caps.starttls) return end_connection(unavailable("upstream does not offer STARTTLS"), {});
    command("STARTTLS");
    expected.push_back(Expect::starttls);
    phase = ClientPhase::starttls;
    return;
  }
  if (options.username) return begin_auth();
  ready();
}

void ClientProtocol::State::on_starttls(const SmtpReply& reply) {
  if (reply.code != 220) {
    return end_connection(unavailable("upstream does not offer STARTTLS: " + reply.to_string()),
                          {});
  }
  awaiting_handshake = true;
  out.push_back(action::StartTls{});
}

void ClientProtocol::State::begin_auth() {
  if (!tls_active && !options.allow_plaintext_auth) {
    return end_connection(
        AccountFault{AccountFaultKind::auth, "refusing to send credentials without TLS"}, {});
  }
  phase = ClientPhase::auth;
  if (caps.auth_plain) {
    // RFC 4616: authorization id (empty), NUL, user, NUL, password, as the initial response.
    std::string message(1, '\0');
    message += *options.username;
    message += '\0';
    message += options.password.value_or("");
    command("AUTH PLAIN " + base64_encoded(message));
    expected.push_back(Expect::auth_result);
  } else if (caps.auth_login) {
    command("AUTH LOGIN");
    expected.push_back(Expect::auth_username_prompt);
  } else {
    end_connection(
        AccountFault{AccountFaultKind::auth, "upstream does not offer AUTH PLAIN or LOGIN"}, {});
  }
}

void ClientProtocol::State::on_auth_prompt(const SmtpReply& reply, Expect step) {
  if (reply.code != 334) {
    if (reply.reply_class() != 2) return on_auth_result(reply);  // refused
    return end_connection(
        AccountFault{AccountFaultKind::auth, "AUTH LOGIN ended early: " + reply.to_string()}, {});
  }
  if (step == Expect::auth_username_prompt) {
    command(base64_encoded(*options.username));
    expected.push_back(Expect::auth_password_prompt);
  } else {
    command(base64_encoded(options.password.value_or("")));
    expected.push_back(Expect::auth_result);
  }
}

// The reasons carry the upstream's reply, never what we sent: that holds the credentials.
void ClientProtocol::State::on_auth_result(const SmtpReply& reply) {
  switch (reply.reply_class()) {
    case 2:
      return ready();
    case 4:  // 454 temporary authentication failure: the account may be fine
      return end_connection(unavailable(reply.to_string()), {});
    case 5:
      return end_connection(AccountFault{AccountFaultKind::auth, reply.to_string()}, {});
    default:
      return end_connection(
          AccountFault{AccountFaultKind::auth, "unexpected reply to AUTH: " + reply.to_string()},
          {});
  }
}

void ClientProtocol::State::on_noop(const SmtpReply& reply) {
  if (reply.reply_class() != 2) return end_connection(unavailable(reply.to_string()), {});
  out.push_back(action::ProbeOk{});
  ready();
}

ClientProtocol::ClientProtocol(ClientOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  state_->expected.push_back(Expect::greeting);
}

ClientProtocol::~ClientProtocol() = default;
ClientProtocol::ClientProtocol(ClientProtocol&&) noexcept = default;
ClientProtocol& ClientProtocol::operator=(ClientProtocol&&) noexcept = default;

ClientActions ClientProtocol::on_connected() { return {}; }  // the upstream speaks first

ClientActions ClientProtocol::on_reply(const SmtpReply& reply) {
  state_->on_reply(reply);
  return state_->take();
}

ClientActions ClientProtocol::on_tls_ready() {
  auto& s = *state_;
  if (s.phase == ClientPhase::closed) return {};
  if (!s.awaiting_handshake) {
    s.protocol_error("TLS handshake completed without an accepted STARTTLS");
    return s.take();
  }
  s.awaiting_handshake = false;
  s.tls_active = true;
  s.caps = Capabilities{};  // RFC 3207 4.2: forget everything learnt before TLS
  s.command("EHLO " + s.options.helo_name);
  s.expected.push_back(Expect::ehlo);
  s.phase = ClientPhase::hello;
  return s.take();
}

ClientActions ClientProtocol::on_io_error(const std::string& why) {
  auto& s = *state_;
  if (s.phase == ClientPhase::closed) return {};
  if (s.phase == ClientPhase::quitting) {
    s.end_connection(std::nullopt, {});
  } else {
    s.end_connection(unavailable(why), "451 4.4.2 " + why);
  }
  return s.take();
}

ClientActions ClientProtocol::submit(Transaction transaction) {
  state_->submit(std::move(transaction));
  return state_->take();
}

ClientActions ClientProtocol::probe() {
  auto& s = *state_;
  if (s.phase != ClientPhase::ready) return {};
  s.command("NOOP");
  s.expected.push_back(Expect::noop);
  s.phase = ClientPhase::probing;
  return s.take();
}

ClientActions ClientProtocol::quit() {
  auto& s = *state_;
  if (s.phase == ClientPhase::closed) return {};
  if (s.phase == ClientPhase::ready) {
    s.command("QUIT");
    s.expected.push_back(Expect::quit);
    s.phase = ClientPhase::quitting;
  } else {
    s.end_connection(std::nullopt, "451 4.4.2 Connection closed before the transaction finished");
  }
  return s.take();
}

ClientPhase ClientProtocol::phase() const { return state_->phase; }
const Capabilities& ClientProtocol::capabilities() const { return state_->caps; }
bool ClientProtocol::tls_active() const { return state_->tls_active; }
std::uint32_t ClientProtocol::transactions() const { return state_->transactions; }

}  // namespace sluice::delivery
