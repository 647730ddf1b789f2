// One handler per SMTP verb: the checks of RFC 5321 with Postfix's reply texts, dispatched
// from one table in execute().

#include <array>
#include <cstring>

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

}  // namespace

// The dispatch table is the command state machine: each handler checks the state it needs.
void ServerProtocol::State::execute(std::string_view line) {
  if (std::memchr(line.data(), '\0', line.size()) || std::memchr(line.data(), '\r', line.size())) {
    reply("500 5.5.2 Error: bad syntax");
    return;
  }
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
      &State::on_not_implemented,  // starttls (until TLS is wired in)
      &State::on_not_implemented,  // auth
      &State::on_not_implemented,  // etrn
      &State::on_not_implemented,  // expn
      &State::on_unknown,          // unknown
      &State::on_empty,            // empty
  }};
  static_assert(static_cast<std::size_t>(Verb::empty) + 1 == kHandlers.size());

  const auto command = parse_command_line(line);
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
  send(ehlo_reply);
}

void ServerProtocol::State::on_mail(std::string_view argument) {
  if (!session.greeted) return reply("503 5.5.1 Error: send HELO/EHLO first");
  if (transaction.active) return reply("503 5.5.1 Error: nested MAIL command");
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
  if (!client.may_relay) return reply("554 5.7.1 <" + mailbox + ">: Relay access denied");
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
  chunk = BdatChunk{parsed->size, parsed->size, parsed->last, false};
  chunk.refused = transaction.envelope.recipients.empty();
  if (!chunk.refused && !transaction.bdat_used) {
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
