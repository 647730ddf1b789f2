// ClientProtocol's mail transactions: the envelope (pipelined as one RFC 2920 group when the
// upstream allows, else one command per round trip), the body and one result per recipient.

#include <cassert>
#include <string>
#include <utility>

#include "client_state.h"

namespace sluice::delivery {
namespace {

// Every recipient gets the same local verdict: the transaction never reached the upstream.
action::TransactionDone all_recipients(const Transaction& transaction, RecipientOutcome outcome,
                                       const std::string& reply, bool account_fault) {
  action::TransactionDone done;
  for (const auto& address : transaction.recipients) {
    done.recipients.push_back(RecipientResult{address, outcome, reply, account_fault, 0});
  }
  return done;
}

ClientPhase phase_waiting_for(Expect step, ClientPhase otherwise) {
  switch (step) {
    case Expect::rset:
    case Expect::mail:
    case Expect::rcpt:
      return ClientPhase::envelope;
    case Expect::data:
      return ClientPhase::data;
    case Expect::message:
      return ClientPhase::data_done;
    default:
      return otherwise;
  }
}

}  // namespace

void ClientProtocol::State::submit(Transaction transaction) {
  if (phase != ClientPhase::ready) {
    auto done = all_recipients(transaction, RecipientOutcome::deferred,
                               "451 4.3.0 The connection to the upstream is not ready", true);
    done.fault = AccountFault{AccountFaultKind::unavailable,
                              "transaction submitted while the connection was not ready"};
    out.push_back(std::move(done));
    return;
  }
  if (refused_before_sending(transaction)) return ready();

  const bool reused = transactions > 0;
  ++transactions;
  open.emplace();
  open->results = all_recipients(transaction, RecipientOutcome::deferred, {}, false).recipients;
  open->verdicts.assign(transaction.recipients.size(), Verdict::waiting);
  open->transaction = std::move(transaction);
  phase = ClientPhase::envelope;

  if (!caps.pipelining) {
    command(reused ? "RSET" : mail_command());
    expected.push_back(reused ? Expect::rset : Expect::mail);
    return;
  }
  // One write for the whole group, ending with DATA (RFC 2920 3.1); replies come in order.
  std::string group;
  if (reused) {
    group += "RSET\r\n";
    expected.push_back(Expect::rset);
  }
  group += mail_command() + "\r\n";
  expected.push_back(Expect::mail);
  for (std::size_t i = 0; i < open->results.size(); ++i) {
    group += rcpt_command(i) + "\r\n";
    expected.push_back(Expect::rcpt);
  }
  group += "DATA\r\n";
  expected.push_back(Expect::data);
  out.push_back(action::Send{std::move(group)});
}

// What the upstream said it cannot take is refused locally, before any command.
bool ClientProtocol::State::refused_before_sending(const Transaction& transaction) {
  const std::size_t size = transaction.body ? transaction.body->size() : 0;
  if (transaction.recipients.empty()) {
    out.push_back(action::TransactionDone{});
  } else if (caps.size_limit && size > *caps.size_limit) {
    out.push_back(all_recipients(transaction, RecipientOutcome::failed,
                                 "552 5.3.4 Message size exceeds the upstream limit of " +
                                     std::to_string(*caps.size_limit) + " bytes",
                                 false));
  } else if (transaction.smtputf8 && !caps.smtputf8) {
    out.push_back(all_recipients(transaction, RecipientOutcome::failed,
                                 "550 5.6.7 The upstream does not support SMTPUTF8", false));
  } else {
    return false;
  }
  return true;
}

std::string ClientProtocol::State::mail_command() const {
  const auto& t = open->transaction;
  std::string line = "MAIL FROM:<" + t.sender + ">";
  if (caps.size) line += " SIZE=" + std::to_string(t.body ? t.body->size() : 0);
  if (t.eight_bit && caps.eight_bit_mime) line += " BODY=8BITMIME";
  if (t.smtputf8) line += " SMTPUTF8";  // refused_before_sending made sure it is offered
  return line;
}

std::string ClientProtocol::State::rcpt_command(std::size_t index) const {
  return "RCPT TO:<" + open->transaction.recipients[index] + ">";
}

void ClientProtocol::State::on_transaction_reply(Expect step, const SmtpReply& reply) {
  // RFC 5321 3.8: 421 may answer any command and means the server is closing the connection.
  if (reply.code == 421) {
    const auto text = reply.to_string();
    return end_connection(AccountFault{AccountFaultKind::unavailable, text}, text,
                          static_cast<std::uint16_t>(reply.code));
  }
  switch (step) {
    case Expect::rset:
      on_rset(reply);
      break;
    case Expect::mail:
      on_mail(reply);
      break;
    case Expect::rcpt:
      on_rcpt(reply);
      break;
    case Expect::data:
      on_data(reply);
      break;
    default:
      on_message(reply);
      break;
  }
  if (open && !expected.empty()) phase = phase_waiting_for(expected.front(), phase);
}

void ClientProtocol::State::on_rset(const SmtpReply& reply) {
  if (reply.reply_class() != 2) {
    // The upstream cannot even reset: nothing sent on this connection can be trusted.
    const auto text = reply.to_string();
    return end_connection(AccountFault{AccountFaultKind::unavailable, text}, text,
                          static_cast<std::uint16_t>(reply.code));
  }
  if (caps.pipelining) return;
  command(mail_command());
  expected.push_back(Expect::mail);
}

void ClientProtocol::State::on_mail(const SmtpReply& reply) {
  const int reply_class = reply.reply_class();
  if (reply_class == 2) {
    if (caps.pipelining) return;
    command(rcpt_command(0));
    expected.push_back(Expect::rcpt);
    return;
  }
  if (reply_class != 4 && reply_class != 5) {
    return protocol_error("unexpected reply to MAIL FROM: " + reply.to_string());
  }
  // The sender was refused: the reply stands for every recipient.
  for (std::size_t i = 0; i < open->results.size(); ++i) judge(i, reply);
  open->mail_refused = true;
  if (!caps.pipelining) finish_transaction();
  // Pipelined: the RCPT and DATA replies still to come are consumed first.
}

void ClientProtocol::State::on_rcpt(const SmtpReply& reply) {
  const std::size_t index = open->rcpt_replies++;
  if (index >= open->results.size()) return protocol_error("more RCPT replies than recipients");
  if (!open->mail_refused) {
    const int reply_class = reply.reply_class();
    if (reply_class == 2) {
      open->verdicts[index] = Verdict::accepted;
    } else if (reply_class == 4 || reply_class == 5) {
      judge(index, reply);
    } else {
      return protocol_error("unexpected reply to RCPT TO: " + reply.to_string());
    }
  }
  if (caps.pipelining) return;
  if (open->rcpt_replies < open->results.size()) {
    command(rcpt_command(open->rcpt_replies));
    expected.push_back(Expect::rcpt);
  } else {
    after_last_rcpt();
  }
}

// Not pipelined: DATA only when someone was accepted.
void ClientProtocol::State::after_last_rcpt() {
  if (!anyone_accepted()) return finish_transaction();
  command("DATA");
  expected.push_back(Expect::data);
}

void ClientProtocol::State::on_data(const SmtpReply& reply) {
  const bool nobody = open->mail_refused || !anyone_accepted();
  if (reply.code == 354) {
    // A pipelined DATA the server took despite no valid recipient gets an empty message, which
    // it cannot deliver to anyone (RFC 2920 3.1); the body itself is never sent then.
    open->aborting = nobody;
    out.push_back(action::Send{
        nobody ? std::string(".\r\n")
               : dot_stuffed(open->transaction.body ? *open->transaction.body : std::string())});
    expected.push_back(Expect::message);
    return;
  }
  if (nobody) return finish_transaction();  // the 503/554 a pipelined DATA earns
  const int reply_class = reply.reply_class();
  if (reply_class != 4 && reply_class != 5) {
    return protocol_error("unexpected reply to DATA: " + reply.to_string());
  }
  judge_accepted(reply);
  finish_transaction();
}

void ClientProtocol::State::on_message(const SmtpReply& reply) {
  if (open->aborting) return finish_transaction();
  const int reply_class = reply.reply_class();
  if (reply_class != 2 && reply_class != 4 && reply_class != 5) {
    return protocol_error("unexpected reply to the end of data: " + reply.to_string());
  }
  judge_accepted(reply);
  finish_transaction();
}

// The upstream's answer becomes this recipient's result, unless it blames the account.
void ClientProtocol::State::judge(std::size_t index, const SmtpReply& reply) {
  auto& result = open->results[index];
  result.reply = reply.to_string();
  result.reply_code = static_cast<std::uint16_t>(reply.code);
  if (auto fault = account_fault_in(reply)) {
    result.outcome = RecipientOutcome::deferred;
    result.account_fault = true;
    if (!open->fault) open->fault = std::move(fault);
  } else {
    switch (reply.reply_class()) {
      case 2:
        result.outcome = RecipientOutcome::delivered;
        break;
      case 5:
        result.outcome = RecipientOutcome::failed;
        break;
      default:
        result.outcome = RecipientOutcome::deferred;
        break;
    }
  }
  open->verdicts[index] = Verdict::final;
}

void ClientProtocol::State::judge_accepted(const SmtpReply& reply) {
  for (std::size_t i = 0; i < open->results.size(); ++i) {
    if (open->verdicts[i] == Verdict::accepted) judge(i, reply);
  }
}

bool ClientProtocol::State::anyone_accepted() const {
  for (auto verdict : open->verdicts) {
    if (verdict == Verdict::accepted) return true;
  }
  return false;
}

void ClientProtocol::State::finish_transaction() {
  assert(expected.empty());
  out.push_back(action::TransactionDone{std::move(open->results), std::move(open->fault)});
  open.reset();
  ready();
}

}  // namespace sluice::delivery
