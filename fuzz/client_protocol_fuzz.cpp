// Arbitrary upstream bytes, through ReplyParser, into a ClientProtocol driven the way the
// delivery shell drives it: transactions submitted whenever it is ready, STARTTLS completed at
// once, a parse error or the end of input reported as an I/O error.
//
// Input: byte 0 picks the options (bits 0-1 TLS mode, bit 2 credentials, bit 3 plain-text
// AUTH allowed, bits 4-7 how the rest is split), byte 1 the work (bits 0-1 recipients - 1,
// bit 2 SMTPUTF8, bit 3 8BITMIME, bit 4 a body with leading dots, bit 5 a second transaction,
// bits 6-7: 0 transactions then QUIT, 1 a probe first, 2 no QUIT, 3 QUIT at once); the rest is
// what the upstream says. Checks that every submit is answered by exactly one TransactionDone
// with one result per recipient in order, that account_fault comes only with deferred and a
// fault, that nothing but EHLO/HELO/STARTTLS/QUIT goes out before a demanded TLS, that no
// credentials leak into a fault, and that how the input is split changes nothing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sluice/delivery/client_protocol.h"
#include "sluice/delivery/smtp_reply.h"

namespace {

using namespace sluice::delivery;

void check(bool condition) {
  if (!condition) std::abort();
}

const std::string kPassword("pw\0secret", 9);  // a NUL cannot come back in a parsed reply

struct Work {
  ClientOptions options;
  Transaction transaction;
  int transactions = 1;
  int script = 0;
};

Work work_for(std::uint8_t options_byte, std::uint8_t work_byte) {
  Work work;
  work.options.helo_name = "relay.fuzz";
  const ClientTls modes[] = {ClientTls::none, ClientTls::starttls, ClientTls::implicit,
                             ClientTls::starttls};
  work.options.tls = modes[options_byte & 3];
  if (options_byte & 4) {
    work.options.username = "user";
    work.options.password = kPassword;
  }
  work.options.allow_plaintext_auth = (options_byte & 8) != 0;
  auto& t = work.transaction;
  t.sender = (work_byte & 4) ? "s\xc3\xbc@fuzz.test" : "s@fuzz.test";
  for (int i = 0; i <= (work_byte & 3); ++i) t.recipients.push_back("r" + std::to_string(i) + "@x");
  t.smtputf8 = (work_byte & 4) != 0;
  t.eight_bit = (work_byte & 8) != 0;
  t.body = std::make_shared<const std::string>((work_byte & 16) ? ".dot\r\nline\r\n.\r\n..\r\nend"
                                                                : "Subject: fuzz\r\n\r\nbody\r\n");
  work.transactions = (work_byte & 32) ? 2 : 1;
  work.script = work_byte >> 6;
  return work;
}

char expected_digit(RecipientOutcome outcome) {
  switch (outcome) {
    case RecipientOutcome::delivered:
      return '2';
    case RecipientOutcome::deferred:
      return '4';
    default:
      return '5';
  }
}

class Driver {
 public:
  explicit Driver(const Work& work) : work_(work), protocol_(work.options) {
    run(protocol_.on_connected());
  }

  void feed(std::string_view bytes) {
    if (closed_) return;
    parser_.feed(bytes);
    while (!closed_) {
      auto next = parser_.next();
      if (!next) break;
      if (!next->ok()) {
        run(protocol_.on_io_error(next->error().message));
        break;
      }
      transcript_ += "<" + next->value().to_string() + ">";
      run(protocol_.on_reply(next->value()));
    }
  }

  std::string finish() {
    if (!closed_) run(protocol_.on_io_error("end of input"));
    check(closed_ && !open_);
    check(done_ == submitted_);
    check(protocol_.phase() == ClientPhase::closed);
    // A closed protocol stays quiet, and a late submit is still answered once.
    check(protocol_.on_reply(SmtpReply{250, "", {"late"}}).empty());
    check(protocol_.on_io_error("late").empty());
    check(protocol_.probe().empty() && protocol_.quit().empty());
    const auto late = protocol_.submit(work_.transaction);
    check(late.size() == 1 && std::holds_alternative<action::TransactionDone>(late[0]));
    return transcript_;
  }

 private:
  void run(ClientActions actions) {
    for (auto& action : actions) {
      if (auto* send = std::get_if<action::Send>(&action)) {
        on_send(send->bytes);
      } else if (std::holds_alternative<action::StartTls>(action)) {
        on_start_tls();
      } else if (std::holds_alternative<action::Ready>(action)) {
        on_ready();
      } else if (std::holds_alternative<action::ProbeOk>(action)) {
        check(probing_);
        probing_ = false;
        transcript_ += "[probe ok]";
      } else if (auto* done = std::get_if<action::TransactionDone>(&action)) {
        on_done(*done);
      } else if (auto* failed = std::get_if<action::Failed>(&action)) {
        check(failed->fault.reason.find(kPassword) == std::string::npos);
        on_closed("[failed " + failed->fault.reason + "]");
      } else {
        on_closed("[close]");
      }
    }
  }

  void on_send(const std::string& bytes) {
    check(!closed_ && bytes.size() >= 2 && bytes.ends_with("\r\n"));
    const bool starttls_demanded = work_.options.tls == ClientTls::starttls;
    if (starttls_demanded && !protocol_.tls_active()) {
      check(bytes.starts_with("EHLO ") || bytes.starts_with("HELO ") || bytes == "STARTTLS\r\n" ||
            bytes == "QUIT\r\n");
    }
    if (bytes.starts_with("AUTH ")) {
      check(protocol_.tls_active() || work_.options.allow_plaintext_auth);
    }
    if (bytes.starts_with("MAIL FROM:") || bytes.starts_with("RSET\r\nMAIL FROM:")) {
      check(open_.has_value());
      if (protocol_.capabilities().pipelining) {
        check(bytes.ends_with("DATA\r\n"));
        std::size_t rcpts = 0;
        for (auto at = bytes.find("RCPT TO:"); at != bytes.npos;
             at = bytes.find("RCPT TO:", at + 1)) {
          ++rcpts;
        }
        check(rcpts == open_->recipients.size());
      }
    }
    transcript_ += bytes;
  }

  void on_start_tls() {
    check(protocol_.phase() == ClientPhase::starttls && !protocol_.tls_active());
    check(work_.options.tls == ClientTls::starttls);
    transcript_ += "[starttls]";
    // The handshake succeeds at once and later bytes count as TLS ones. (The shell refuses
    // bytes already buffered behind the 220; here that would make the result depend on the
    // split, which is checked below.)
    run(protocol_.on_tls_ready());
    if (!closed_) check(protocol_.tls_active());
  }

  void on_ready() {
    check(protocol_.phase() == ClientPhase::ready && !open_ && !closed_);
    if (work_.options.username) {
      check(protocol_.tls_active() || work_.options.allow_plaintext_auth);
    }
    if (work_.options.tls != ClientTls::none) check(protocol_.tls_active());
    transcript_ += "[ready]";
    if (work_.script == 3 || (submitted_ >= work_.transactions && work_.script != 2)) {
      return run(protocol_.quit());
    }
    if (work_.script == 1 && !probed_) {
      probed_ = probing_ = true;
      return run(protocol_.probe());
    }
    if (submitted_ >= work_.transactions) return;
    ++submitted_;
    open_ = work_.transaction;
    run(protocol_.submit(work_.transaction));
  }

  void on_done(const action::TransactionDone& done) {
    check(open_.has_value());
    check(done.recipients.size() == open_->recipients.size());
    bool any_account_fault = false;
    for (std::size_t i = 0; i < done.recipients.size(); ++i) {
      const auto& r = done.recipients[i];
      check(r.address == open_->recipients[i]);
      check(!r.reply.empty());
      if (r.account_fault) {
        check(r.outcome == RecipientOutcome::deferred);
        any_account_fault = true;
      } else {
        check(r.reply[0] == expected_digit(r.outcome));
      }
      transcript_ += "[" + r.address + " " + expected_digit(r.outcome) +
                     (r.account_fault ? "!" : "") + " " + r.reply + "]";
    }
    check(!any_account_fault || done.fault.has_value());
    open_.reset();
    ++done_;
  }

  void on_closed(std::string what) {
    check(!open_ && !closed_ && protocol_.phase() == ClientPhase::closed);
    closed_ = true;
    transcript_ += what;
  }

  const Work& work_;
  ClientProtocol protocol_;
  ReplyParser parser_;
  std::optional<Transaction> open_;
  int submitted_ = 0;
  int done_ = 0;
  bool probed_ = false;
  bool probing_ = false;
  bool closed_ = false;
  std::string transcript_;
};

std::string run(const Work& work, std::string_view input, std::uint8_t split_seed, bool whole) {
  Driver driver(work);
  std::uint32_t state = split_seed * 2654435761u + 1;
  while (!input.empty()) {
    std::size_t n = input.size();
    if (!whole) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      n = std::min<std::size_t>(n, 1 + state % 48);
    }
    driver.feed(input.substr(0, n));
    input.remove_prefix(n);
  }
  return driver.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 64 * 1024) return 0;
  const auto work = work_for(data[0], data[1]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  check(run(work, input, data[0] >> 4, false) == run(work, input, data[0] >> 4, true));
  return 0;
}
