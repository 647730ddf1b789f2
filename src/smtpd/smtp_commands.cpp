// One handler per SMTP verb: the checks of RFC 5321 with Postfix's reply texts, dispatched
// from one table in execute().

#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "protocol_state.h"
#include "sluice/mail/address.h"

namespace sluice::smtpd {

namespace {

// Client text echoed in a reply: printable ASCII only.
std::string printable(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c < ' ' || c > '~') c = '?';
  }
  return out;
}

bool is_transaction_verb(Verb verb) {
  return verb == Verb::mail || verb == Verb::rcpt || verb == Verb::data || verb == Verb::bdat;
}

// Postfix's smtpd_tls_security_level = encrypt lets these through before STARTTLS.
bool allowed_before_tls(Verb verb) {
  return verb == Verb::helo || verb == Verb::ehlo || verb == Verb::noop || verb == Verb::rset ||
         verb == Verb::quit || verb == Verb::starttls || verb == Verb::unknown ||
         verb == Verb::empty;
}

constexpr std::string_view kTlsRequired = "530 5.7.0 Must issue a STARTTLS command first";

}  // namespace

std::string ServerProtocol::State::ehlo_reply() const {
  std::string size = "SIZE";
  if (limits.message_size_limit != 0) size += " " + std::to_string(limits.message_size_limit);
  std::vector<std::string_view> keywords{"PIPELINING", size};
  if (limits.tls_offered && !tls_active) keywords.push_back("STARTTLS");
  if (auth_offered() && authenticated_user.empty()) keywords.push_back("AUTH PLAIN LOGIN");
  keywords.insert(keywords.end(), {"8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING"});
  std::string reply = "250-" + limits.myhostname + "\r\n";
  for (std::size_t i = 0; i < keywords.size(); ++i) {
    reply += i + 1 < keywords.size() ? "250-" : "250 ";
    reply += keywords[i];
    reply += "\r\n";
  }
  return reply;
}

// The dispatch table is the command state machine: each handler checks the state it needs.
void ServerProtocol::State::execute(std::string_view line) {
  using Handler = void (State::*)(std::string_view);

  // Indexed by Verb.
  static constexpr std::array<Handler, 17> kHandlers{{
      &State::on_helo,             // helo
      &State::on_ehlo,             // ehlo
      &State::on_mail,             // mail
      &State::on_rcpt,             // rcpt
      &State::on_data,             // data
      &State::on_bdat,             // bdat
      &State::on_rset,             // rset
      &State::on_noop,             // noop
      &State::on_quit,             // quit
      &State::on_vrfy,             // vrfy
      &State::on_help,             // help
      &State::on_starttls,         // starttls
      &State::on_auth,             // auth
      &State::on_not_implemented,  // etrn
      &State::on_not_implemented,  // expn
      &State::on_unknown,          // unknown
      &State::on_empty,            // empty
  }};
  static_assert(static_cast<std::size_t>(Verb::empty) + 1 == kHandlers.size());

  const auto command = parse_command_line(line);
  std::optional<TransactionStep> step;
  if (is_transaction_verb(command.verb)) step.emplace(*this);
  // A bare CR (the LF ended the line) or a NUL: never part of an address or a parameter.
  if (std::memchr(line.data(), '\0', line.size()) || std::memchr(line.data(), '\r', line.size())) {
    reply("501 5.5.2 Syntax error: bare CR, LF or NUL");
    // Where a BDAT chunk would end is unknown, so nothing after this line can be a command.
    if (command.verb == Verb::bdat) close();
    return;
  }
  if (limits.require_tls && !tls_active && !allowed_before_tls(command.verb) &&
      command.verb != Verb::bdat) {  // BDAT reads its chunk first (on_bdat)
    return reply(kTlsRequired);
  }
  (this->*kHandlers[static_cast<std::size_t>(command.verb)])(command.argument);
}

void ServerProtocol::State::on_helo(std::string_view argument) {
  if (argument.empty()) return reply("501 5.5.4 Syntax: HELO hostname");
  reset_transaction();
  session = ClientSession{true, false, std::string(argument)};
  reply("250 " + limits.myhostname);
}

void ServerProtocol::State::on_ehlo(std::string_view argument) {
  if (argument.empty()) return reply("501 5.5.4 Syntax: EHLO hostname");
  reset_transaction();
  session = ClientSession{true, true, std::string(argument)};
  send(ehlo_reply());
}

void ServerProtocol::State::on_mail(std::string_view argument) {
  if (!session.greeted) return reply("503 5.5.1 Error: send HELO/EHLO first");
  if (transaction.active) return reply("503 5.5.1 Error: nested MAIL command");
  if (limits.auth_enabled && !client.may_relay && authenticated_user.empty()) {
    return reply("530 5.7.0 Authentication required");
  }
  const auto split = split_path_argument(argument, "FROM");
  if (!split) return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
  const auto parameters = parse_mail_parameters(split->parameters);
  if (!parameters) {
    if (parameters.error().code == ErrorCode::invalid) {
      return reply("501 5.5.4 Bad message size syntax");
    }
    return reply("555 5.5.4 Unsupported option: " + printable(parameters.error().message));
  }
  if (parameters->size_given && limits.message_size_limit != 0 &&
      parameters->size > limits.message_size_limit) {
    return reply("552 5.3.4 Message size exceeds fixed limit");
  }
  const auto sender = mail::parse_path(split->path, parameters->smtputf8);
  if (!sender) return reply("501 5.1.7 Bad sender address syntax");
  if (!authenticated_user.empty() && limits.sender_allowed &&
      !limits.sender_allowed(authenticated_user, sender->mailbox())) {
    return reply("553 5.7.1 <" + sender->mailbox() +
                 ">: Sender address rejected: not owned by user " + printable(authenticated_user));
  }
  transaction.active = true;
  transaction.envelope.sender = sender->mailbox();
  transaction.envelope.smtputf8 = parameters->smtputf8;
  transaction.envelope.eight_bit = parameters->body == Body::eight_bit_mime;
  transaction.declared_size = parameters->size_given ? parameters->size : 0;
  reply("250 2.1.0 Ok");
}

void ServerProtocol::State::on_rcpt(std::string_view argument) {
  if (!transaction.active) return reply("503 5.5.1 Error: need MAIL command");
  const auto split = split_path_argument(argument, "TO");
  if (!split) return reply("501 5.5.4 Syntax: RCPT TO:<address>");
  if (const auto parameters = parse_rcpt_parameters(split->parameters); !parameters) {
    return reply("555 5.5.4 Unsupported option: " + printable(parameters.error().message));
  }
  const auto recipient = mail::parse_recipient_path(split->path, transaction.envelope.smtputf8);
  if (!recipient) return reply("501 5.1.3 Bad recipient address syntax");
  auto mailbox = recipient->mailbox();
  if (!client.may_relay && authenticated_user.empty()) {
    return reply("554 5.7.1 <" + mailbox + ">: Relay access denied");
  }
  auto& envelope = transaction.envelope;
  if (transaction.recipients_seen.count(mailbox) != 0) return reply("250 2.1.5 Ok");
  if (limits.recipient_limit != 0 && envelope.recipients.size() >= limits.recipient_limit) {
    return reply("452 4.5.3 Error: too many recipients");
  }
  transaction.recipients_seen.insert(mailbox);
  envelope.recipients.push_back(std::move(mailbox));
  reply("250 2.1.5 Ok");
}

void ServerProtocol::State::on_data(std::string_view argument) {
  if (transaction.bdat_used) return reply("503 5.5.1 Error: DATA after BDAT");
  if (transaction.envelope.recipients.empty()) return reply("503 5.5.1 Error: need RCPT command");
  if (!argument.empty()) return reply("501 5.5.4 Syntax: DATA");
  transaction.decoder.emplace(DataDecoder::Mode::dot_stuffed, limits.message_size_limit,
                              transaction.declared_size);
  phase = Phase::data;
  reply("354 End data with <CR><LF>.<CR><LF>");
}

void ServerProtocol::State::on_bdat(std::string_view argument) {
  const auto parsed = parse_bdat_argument(argument);
  if (!parsed) {
    // Where the chunk ends is unknown, so nothing after this line can be read as a command.
    reply("501 5.5.4 Syntax: BDAT size [LAST]");
    return close();
  }
  chunk = BdatChunk{parsed->size, parsed->size, parsed->last, {}};
  if (limits.require_tls && !tls_active) {
    chunk.refusal = kTlsRequired;
  } else if (transaction.envelope.recipients.empty()) {
    chunk.refusal = "503 5.5.1 Error: need RCPT command";
  }
  if (chunk.refusal.empty() && !transaction.bdat_used) {
    transaction.bdat_used = true;
    transaction.decoder.emplace(DataDecoder::Mode::raw, limits.message_size_limit,
                                transaction.declared_size);
  }
  phase = Phase::bdat;
  if (chunk.remaining == 0) end_bdat_chunk();  // "BDAT 0 LAST" has no bytes to wait for
}

void ServerProtocol::State::on_rset(std::string_view argument) {
  if (!argument.empty()) return reply("501 5.5.4 Syntax: RSET");
  reset_transaction();
  reply("250 2.0.0 Ok");
}

void ServerProtocol::State::on_noop(std::string_view) { reply("250 2.0.0 Ok"); }

void ServerProtocol::State::on_quit(std::string_view) {
  reply("221 2.0.0 Bye");
  close();
}

void ServerProtocol::State::on_vrfy(std::string_view argument) {
  if (argument.empty()) return reply("501 5.5.4 Syntax: VRFY address");
  reply("252 2.0.0 Send some mail, I'll try my best");
}

void ServerProtocol::State::on_help(std::string_view) { reply("214 2.0.0 See RFC 5321"); }

void ServerProtocol::State::on_not_implemented(std::string_view) {
  reply("502 5.5.1 Error: command not implemented");
}

void ServerProtocol::State::on_unknown(std::string_view) {
  reply("500 5.5.2 Error: command not recognized");
}

void ServerProtocol::State::on_empty(std::string_view) { reply("500 5.5.2 Error: bad syntax"); }

}  // namespace sluice::smtpd
