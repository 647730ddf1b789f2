#include "smtp_connection.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>

namespace sluice::delivery {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

namespace {

// Bridges the resolver's callback into the connection's coroutine.
template <class Token>
auto async_resolve(dns::Resolver& resolver, const std::string& host, Token&& token) {
  using Addresses = Result<std::vector<asio::ip::address>>;
  return asio::async_initiate<Token, void(Addresses)>(
      [&resolver](auto handler, std::string host) {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        resolver.resolve(host, [shared, executor](Addresses addresses) {
          asio::post(executor, [shared, addresses = std::move(addresses)]() mutable {
            (*shared)(std::move(addresses));
          });
        });
      },
      token, host);
}

AccountFault unavailable(std::string why) {
  return AccountFault{AccountFaultKind::unavailable, std::move(why)};
}

const char* phase_name(ClientPhase phase) {
  switch (phase) {
    case ClientPhase::greeting:
      return "the greeting";
    case ClientPhase::hello:
      return "the EHLO reply";
    case ClientPhase::starttls:
      return "STARTTLS";
    case ClientPhase::auth:
      return "the AUTH reply";
    case ClientPhase::ready:
      return "the next command";
    case ClientPhase::envelope:
      return "the MAIL/RCPT reply";
    case ClientPhase::data:
      return "the DATA reply";
    case ClientPhase::data_done:
      return "the end-of-data reply";
    case ClientPhase::probing:
      return "the NOOP reply";
    case ClientPhase::quitting:
      return "the QUIT reply";
    case ClientPhase::closed:
      break;
  }
  return "the upstream";
}

}  // namespace

SmtpConnection::SmtpConnection(Executor executor, asio::ssl::context& tls,
                               const SmtpTimeouts& timeouts, ClientOptions options,
                               std::string host, std::uint16_t port, bool verify)
    : executor_(executor),
      stream_(executor, tls),
      deadline_(executor),
      timeouts_(timeouts),
      implicit_tls_(options.tls == ClientTls::implicit),
      protocol_(std::move(options)),
      host_(std::move(host)),
      port_(port),
      verify_(verify),
      relay_(host_ + ":" + std::to_string(port_)) {}

std::chrono::seconds SmtpConnection::timeout_for(ClientPhase phase) const {
  switch (phase) {
    case ClientPhase::greeting:
    case ClientPhase::hello:
    case ClientPhase::starttls:
    case ClientPhase::auth:
      return timeouts_.helo;
    case ClientPhase::data:
      return timeouts_.data_init;
    case ClientPhase::data_done:
      return timeouts_.data_done;
    case ClientPhase::quitting:
      return timeouts_.quit;
    default:
      return timeouts_.mail;
  }
}

std::string SmtpConnection::timeout_text(ClientPhase phase) const {
  return "timed out after " + std::to_string(timeout_for(phase).count()) + "s waiting for " +
         phase_name(phase) + " from " + relay_;
}

// The deadline cancels the socket's operations; the generation keeps a stale expiry from
// hitting a later operation.
void SmtpConnection::arm(std::chrono::seconds timeout) {
  timed_out_ = false;
  const auto generation = ++arm_generation_;
  deadline_.expires_after(timeout);
  deadline_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
    if (ec || generation != self->arm_generation_) return;
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->stream_.lowest_layer().cancel(ignored);
  });
}

void SmtpConnection::disarm() {
  ++arm_generation_;
  deadline_.cancel();
}

asio::awaitable<std::optional<AccountFault>> SmtpConnection::open(dns::Resolver& resolver) {
  if (verify_) {
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.set_verify_callback(asio::ssl::host_name_verification(host_));
  } else {
    stream_.set_verify_mode(asio::ssl::verify_none);
  }
  boost::system::error_code not_an_address;
  asio::ip::make_address(host_, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());  // SNI

  auto addresses = co_await async_resolve(resolver, host_, asio::use_awaitable);
  if (!addresses) co_return unavailable(addresses.error().message);
  std::string why;
  if (!co_await connect_any(*addresses, why)) co_return unavailable(why);
  if (implicit_tls_ && !co_await handshake(why)) co_return unavailable(why);
  auto events = co_await converse(protocol_.on_connected());
  if (events.failed) co_return events.failed;
  if (!events.ready) co_return unavailable("the connection to " + relay_ + " closed during set-up");
  co_return std::nullopt;
}

asio::awaitable<bool> SmtpConnection::connect_any(const std::vector<asio::ip::address>& addresses,
                                                  std::string& why) {
  if (addresses.empty()) {
    why = "no address for " + host_;
    co_return false;
  }
  for (const auto& address : addresses) {
    boost::system::error_code ignored;
    stream_.lowest_layer().close(ignored);
    const tcp::endpoint endpoint(address, port_);
    arm(timeouts_.connect);
    auto [ec] = co_await stream_.lowest_layer().async_connect(endpoint, use_tuple);
    disarm();
    const std::string where = host_ + "[" + address.to_string() + "]:" + std::to_string(port_);
    if (!ec) {
      relay_ = where;
      stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
      co_return true;
    }
    why = "connect to " + where + ": " +
          (timed_out_ ? "timed out after " + std::to_string(timeouts_.connect.count()) + "s"
                      : ec.message());
  }
  co_return false;
}

asio::awaitable<bool> SmtpConnection::handshake(std::string& why) {
  arm(timeouts_.helo);
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::client, use_tuple);
  disarm();
  if (ec) {
    why = "TLS handshake with " + relay_ + " failed: " + (timed_out_ ? "timed out" : ec.message());
    tls_failed_ = true;
    co_return false;
  }
  tls_ = true;
  co_return true;
}

asio::awaitable<bool> SmtpConnection::write(const std::string& bytes, std::string& why) {
  const auto phase = protocol_.phase();
  arm(phase == ClientPhase::data_done ? timeouts_.data_xfer : timeout_for(phase));
  boost::system::error_code ec;
  if (tls_) {
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(bytes), use_tuple);
  } else {
    std::tie(ec, std::ignore) =
        co_await asio::async_write(stream_.next_layer(), asio::buffer(bytes), use_tuple);
  }
  disarm();
  if (ec) {
    why = timed_out_ ? "timed out sending to " + relay_
                     : "lost connection with " + relay_ + " while sending: " + ec.message();
    co_return false;
  }
  co_return true;
}

asio::awaitable<std::optional<Result<SmtpReply>>> SmtpConnection::read_reply(std::string& why) {
  // One buffer for the life of the connection: a message costs several replies.
  if (!read_buffer_) read_buffer_ = std::make_unique<char[]>(kReadChunk);
  char* buffer = read_buffer_.get();
  for (;;) {
    if (auto reply = parser_.next()) co_return reply;
    const auto phase = protocol_.phase();
    arm(timeout_for(phase));
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls_) {
      std::tie(ec, n) =
          co_await stream_.async_read_some(asio::buffer(buffer, kReadChunk), use_tuple);
    } else {
      std::tie(ec, n) = co_await stream_.next_layer().async_read_some(
          asio::buffer(buffer, kReadChunk), use_tuple);
    }
    disarm();
    if (ec) {
      why = timed_out_ ? timeout_text(phase)
                       : "lost connection with " + relay_ + " while waiting for " +
                             phase_name(phase) + ": " + ec.message();
      co_return std::nullopt;
    }
    parser_.feed(std::string_view(buffer, n));
  }
}

asio::awaitable<ConversationEvents> SmtpConnection::converse(ClientActions first) {
  ConversationEvents events;
  std::deque<ClientAction> queue(std::make_move_iterator(first.begin()),
                                 std::make_move_iterator(first.end()));
  auto push = [&queue](ClientActions more) {
    for (auto& a : more) queue.push_back(std::move(a));
  };
  for (;;) {
    while (!queue.empty()) {
      ClientAction next = std::move(queue.front());
      queue.pop_front();
      std::string why;
      if (auto* send = std::get_if<action::Send>(&next)) {
        if (!co_await write(send->bytes, why)) push(protocol_.on_io_error(why));
      } else if (std::holds_alternative<action::StartTls>(next)) {
        // Bytes the upstream sent after its 220 and before the handshake would be read as if
        // protected by TLS: the STARTTLS response-injection class of attacks.
        if (parser_.buffered() > 0) {
          push(protocol_.on_io_error("upstream " + relay_ + " sent data after its STARTTLS reply"));
        } else if (!co_await handshake(why)) {
          push(protocol_.on_io_error(why));
        } else {
          push(protocol_.on_tls_ready());
        }
      } else if (std::holds_alternative<action::Ready>(next)) {
        events.ready = true;
      } else if (std::holds_alternative<action::ProbeOk>(next)) {
        events.probe_ok = true;
      } else if (auto* done = std::get_if<action::TransactionDone>(&next)) {
        events.done = std::move(*done);
      } else if (auto* failed = std::get_if<action::Failed>(&next)) {
        events.failed = std::move(failed->fault);
        broken_ = true;
      } else if (std::holds_alternative<action::Close>(next)) {
        events.closed = true;
      }
    }
    const auto phase = protocol_.phase();
    if (events.failed || events.closed || phase == ClientPhase::closed) co_return events;
    if (phase == ClientPhase::ready) co_return events;
    std::string why;
    auto reply = co_await read_reply(why);
    if (!reply) {
      push(protocol_.on_io_error(why));
    } else if (!*reply) {
      push(protocol_.on_io_error("malformed reply from " + relay_ + ": " + reply->error().message));
    } else {
      // A refusal of our credentials (421 is the server closing, not a verdict on them).
      const int reply_class = (*reply)->reply_class();
      if (phase == ClientPhase::auth && (reply_class == 4 || reply_class == 5) &&
          (*reply)->code != 421) {
        auth_refused_ = true;
      }
      push(protocol_.on_reply(**reply));
    }
  }
}

asio::awaitable<action::TransactionDone> SmtpConnection::transact(Transaction transaction) {
  const auto recipients = transaction.recipients;
  auto events = co_await converse(protocol_.submit(std::move(transaction)));
  if (events.done) co_return std::move(*events.done);
  // The protocol always reports a transaction it started; should it not, nothing is lost.
  action::TransactionDone lost;
  lost.fault = events.failed ? *events.failed : unavailable("transaction not completed");
  lost.recipients = unjudged(recipients, "451 4.3.0 " + lost.fault->reason);
  broken_ = true;
  co_return lost;
}

asio::awaitable<std::optional<AccountFault>> SmtpConnection::probe() {
  auto events = co_await converse(protocol_.probe());
  if (events.probe_ok && !events.failed) co_return std::nullopt;
  co_return events.failed ? events.failed : unavailable("no reply to NOOP from " + relay_);
}

asio::awaitable<void> SmtpConnection::quit() {
  if (usable()) co_await converse(protocol_.quit());
  close();
}

void SmtpConnection::close() {
  disarm();
  boost::system::error_code ignored;
  stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
  broken_ = true;
}

}  // namespace sluice::delivery
