#include "session.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "sluice/mail/received_header.h"

namespace sluice::smtpd {

namespace asio = boost::asio;
using asio::ip::tcp;
using Steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

namespace {

// Bridges the queue's writer-thread callback back onto the session's strand as an awaitable.
template <class Token>
auto async_enqueue(queue::QueueStore& store, queue::QueuedMessage message, std::string body,
                   Token&& token) {
  return asio::async_initiate<Token, void(Result<void>)>(
      [&store](auto handler, queue::QueuedMessage message, std::string body) {
        auto executor = asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the awaitable's handler is move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        store.enqueue(std::move(message), std::move(body), [shared, executor](Result<void> result) {
          asio::post(executor, [shared, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      token, std::move(message), std::move(body));
}

}  // namespace

Session::Session(tcp::socket socket, SmtpdContext& context, ClientInfo client, bool counted)
    : socket_(std::move(socket)),
      context_(context),
      client_(std::move(client)),
      counted_(counted),
      protocol_(context.limits, client_),
      watchdog_(socket_.get_executor()),
      message_deadline_(context.timeout, context.min_data_rate) {}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  // context_.connections was counted by the listener.
  if (self->context_.events != nullptr) self->context_.events->connection_opened();
  spdlog::info("connect from [{}]{}", self->client_.address,
               self->client_.tls_active ? " (smtps)" : "");
  self->extend_deadline();
  self->arm_watchdog();
  try {
    co_await self->serve();
  } catch (const std::exception& e) {
    // Whatever went wrong, the connection counts, the client's slot and the gauge are given
    // back: a leaked slot would lock the client out for good.
    spdlog::error("[{}]: session failed: {}", self->client_.address, e.what());
  }
  self->finish();
}

void Session::finish() {
  if (timed_out_ && !tls_) {
    spdlog::info("timeout after {} from [{}]",
                 protocol_.receiving_message() && message_deadline_.enabled()
                     ? "smtpd_min_data_rate"
                     : std::to_string(context_.timeout.count()) + "s",
                 client_.address);
    // Best effort, never waiting: a client that stopped reading gets no more of our time.
    // Under TLS the reply would need a record written; the close has to do.
    std::string reply = protocol_.timeout_reply();
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.write_some(asio::buffer(reply), ec);
  } else if (timed_out_) {
    spdlog::info("timeout from [{}] (TLS)", client_.address);
  }
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  watchdog_.cancel();
  --context_.connections;
  if (counted_ && context_.client_limiter != nullptr)
    context_.client_limiter->release(client_.address);
  if (context_.events != nullptr) context_.events->connection_closed();
  spdlog::info("disconnect from [{}]", client_.address);
}

asio::awaitable<void> Session::serve() {
  std::vector<Action> actions;
  if (client_.tls_active && !co_await handshake()) co_return;  // SMTPS
  out_ = protocol_.greeting();
  if (!co_await flush()) co_return;
  auto buffer = std::make_unique<char[]>(kReadChunk);
  for (;;) {
    const auto into = asio::buffer(buffer.get(), kReadChunk);
    // Closed by the client, or cancelled by the watchdog.
    auto [ec, n] = tls_ ? co_await tls_->async_read_some(into, use_tuple)
                        : co_await socket_.async_read_some(into, use_tuple);
    if (ec) co_return;
    const auto lines_before = protocol_.lines_received();
    const bool was_in_message = protocol_.receiving_message();
    actions.clear();
    protocol_.receive(std::string_view(buffer.get(), n), actions);
    received(n, lines_before, was_in_message);
    if (!co_await perform(actions)) co_return;
    if (!co_await flush()) co_return;
  }
}

// Postfix's two deadlines: a fresh smtpd_timeout per command line, and inside a message body
// the smtpd_min_data_rate budget (which the per-line renewal must not undo).
void Session::received(std::size_t bytes, std::uint64_t lines_before, bool was_in_message) {
  const auto now = Steady::now();
  const bool in_message = protocol_.receiving_message();
  if (in_message && message_deadline_.enabled()) {
    if (was_in_message) {
      message_deadline_.received(bytes, now);
    } else {
      message_deadline_.start(now);
    }
    deadline_ = message_deadline_.deadline();
  } else if (protocol_.lines_received() != lines_before) {
    extend_deadline();
  }
}

asio::awaitable<bool> Session::perform(std::vector<Action>& actions) {
  // The protocol may add actions while they are carried out, so walk by index.
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (auto* reply = std::get_if<SendReply>(&actions[i])) {
      out_ += reply->text;
      if (reply->rejected != 0 && context_.events != nullptr) {
        context_.events->message_rejected(reply->rejected);
      }
    } else if (auto* message = std::get_if<CommitMessage>(&actions[i])) {
      // Replies queued before the message go out first; the client may be waiting on them.
      if (!co_await flush()) co_return false;
      const auto end_of_data = Steady::now();
      const auto outcome = co_await commit(*message);
      if (outcome.ok && context_.events != nullptr) {
        context_.events->message_accepted(committed_size_, Steady::now() - end_of_data);
      }
      extend_deadline();
      protocol_.commit_finished(outcome, actions);
    } else if (std::holds_alternative<StartTls>(actions[i])) {
      // The 220 must reach the client in plaintext before the handshake starts.
      if (!co_await flush()) co_return false;
      const bool ok = co_await handshake();
      extend_deadline();
      protocol_.tls_started(ok, actions);
    } else if (auto* request = std::get_if<VerifyCredentials>(&actions[i])) {
      if (!co_await flush()) co_return false;
      const auto outcome = co_await check_credentials(*request);
      extend_deadline();
      protocol_.auth_finished(outcome, actions);
    } else {
      co_await flush();
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<bool> Session::handshake() {
  if (context_.tls == nullptr) co_return false;  // cannot happen: TLS is offered only with one
  tls_.emplace(socket_, *context_.tls);
  extend_deadline();  // the watchdog bounds a client that stalls the handshake
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (context_.events != nullptr) context_.events->tls_handshake(!ec);
  if (ec) {
    spdlog::info("TLS handshake failed from [{}]: {}", client_.address, ec.message());
    co_return false;
  }
  const SSL* native = tls_->native_handle();
  spdlog::info("TLS established from [{}]: {} with cipher {}", client_.address,
               SSL_get_version(native), SSL_get_cipher_name(native));
  co_return true;
}

asio::awaitable<CommitOutcome> Session::commit(CommitMessage& message) {
  const auto now = context_.clock->now();
  queue::QueuedMessage record;
  record.id = context_.ids->next();
  record.arrival = now;
  record.next_attempt = now;
  record.sender = message.envelope.sender;
  for (auto& address : message.envelope.recipients) {
    record.recipients.push_back(
        mail::Recipient{std::move(address), mail::RecipientState::pending, {}});
  }
  record.campaign = message.envelope.campaign;
  record.campaign_group = message.envelope.campaign_group;
  record.smtputf8 = message.envelope.smtputf8;
  record.eight_bit = message.envelope.eight_bit;
  record.client = message.helo + "[" + client_.address + "]";

  mail::ReceivedInfo received;
  received.helo = message.helo;
  received.client_address = client_.address;
  received.myhostname = context_.limits.myhostname;
  received.protocol = message.protocol;
  received.queue_id = record.id;
  if (record.recipients.size() == 1) received.recipient = record.recipients.front().address;
  received.time = now;
  std::string body = mail::received_header(received);
  body.reserve(body.size() + message.data.size());
  body += message.data;
  record.size = body.size();

  const auto id = record.id;
  const auto size = record.size;
  const auto nrcpt = record.recipients.size();
  const std::string sender = record.sender;
  const std::string campaign = record.campaign;

  // No client deadline while our own disk works: the sync is not the client's fault.
  busy_ = true;
  auto result = co_await async_enqueue(*context_.store, std::move(record), std::move(body),
                                       asio::use_awaitable);
  busy_ = false;
  committed_size_ = size;
  CommitOutcome outcome;
  if (!result) {
    outcome.no_space = result.error().code == ErrorCode::no_space;
    spdlog::error("{}: reject: cannot queue message from [{}]: {}", id, client_.address,
                  result.error().message);
    co_return outcome;
  }
  outcome.ok = true;
  outcome.queue_id = id;
  spdlog::info("{}: client=[{}], from=<{}>, size={}, nrcpt={}{}{} (queue active)", id,
               client_.address, sender, size, nrcpt,
               campaign.empty() ? "" : ", campaign=", campaign);
  if (context_.on_enqueued) context_.on_enqueued(campaign);
  co_return outcome;
}

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return true;
  // A client that stops reading our replies is bounded by the same timeout; inside a message
  // body the data-rate deadline stays (nothing is written there but BDAT acknowledgements).
  if (!protocol_.receiving_message() || !message_deadline_.enabled()) extend_deadline();
  auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, asio::buffer(out_), use_tuple)
                      : co_await asio::async_write(socket_, asio::buffer(out_), use_tuple);
  out_.clear();
  co_return !ec;
}

void Session::extend_deadline() { deadline_ = Steady::now() + context_.timeout; }

void Session::arm_watchdog() {
  watchdog_.expires_at(deadline_);
  watchdog_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->socket_.is_open()) return;
    if (self->deadline_ <= Steady::now() && !self->busy_) {
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
      return;
    }
    if (self->busy_) self->extend_deadline();
    self->arm_watchdog();
  });
}

}  // namespace sluice::smtpd
