#include "session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

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
        store.enqueue(std::move(message), std::move(body),
                      [shared, executor](Result<void> result) {
                        asio::post(executor, [shared, result = std::move(result)]() mutable {
                          (*shared)(std::move(result));
                        });
                      });
      },
      token, std::move(message), std::move(body));
}

}  // namespace

Session::Session(tcp::socket socket, SmtpdContext& context, ClientInfo client)
    : socket_(std::move(socket)),
      context_(context),
      client_(std::move(client)),
      protocol_(context.limits, client_),
      watchdog_(socket_.get_executor()) {}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  ++self->context_.connections;
  spdlog::info("connect from [{}]", self->client_.address);
  self->extend_deadline();
  self->arm_watchdog();
  co_await self->serve();
  if (self->timed_out_) {
    spdlog::info("timeout after {}s from [{}]", self->context_.timeout.count(), self->client_.address);
    // Best effort, never waiting: a client that stopped reading gets no more of our time.
    std::string reply = self->protocol_.timeout_reply();
    boost::system::error_code ec;
    self->socket_.non_blocking(true, ec);
    self->socket_.write_some(asio::buffer(reply), ec);
  }
  boost::system::error_code ec;
  self->socket_.shutdown(tcp::socket::shutdown_both, ec);
  self->socket_.close(ec);
  self->watchdog_.cancel();
  --self->context_.connections;
  spdlog::info("disconnect from [{}]", self->client_.address);
}

asio::awaitable<void> Session::serve() {
  std::vector<Action> actions;
  out_ = protocol_.greeting();
  if (!co_await flush()) co_return;
  auto buffer = std::make_unique<char[]>(kReadChunk);
  for (;;) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer.get(), kReadChunk), use_tuple);
    if (ec) co_return;  // closed by the client, or cancelled by the watchdog
    const auto lines_before = protocol_.lines_received();
    actions.clear();
    protocol_.receive(std::string_view(buffer.get(), n), actions);
    if (protocol_.lines_received() != lines_before) extend_deadline();
    if (!co_await perform(actions)) co_return;
    if (!co_await flush()) co_return;
  }
}

asio::awaitable<bool> Session::perform(std::vector<Action>& actions) {
  // commit_finished() may add actions, so walk by index rather than by iterator.
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (auto* reply = std::get_if<SendReply>(&actions[i])) {
      out_ += reply->text;
    } else if (auto* message = std::get_if<CommitMessage>(&actions[i])) {
      // Replies queued before the message go out first; the client may be waiting on them.
      if (!co_await flush()) co_return false;
      auto outcome = co_await commit(*message);
      extend_deadline();
      protocol_.commit_finished(outcome, actions);
    } else {
      co_await flush();
      co_return false;
    }
  }
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
    record.recipients.push_back(mail::Recipient{std::move(address), mail::RecipientState::pending, {}});
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
  committing_ = true;
  auto result = co_await async_enqueue(*context_.store, std::move(record), std::move(body),
                                       asio::use_awaitable);
  committing_ = false;
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
               client_.address, sender, size, nrcpt, campaign.empty() ? "" : ", campaign=",
               campaign);
  if (context_.on_enqueued) context_.on_enqueued(campaign);
  co_return outcome;
}

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return true;
  extend_deadline();  // a client that stops reading our replies is bounded by the same timeout
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out_), use_tuple);
  out_.clear();
  co_return !ec;
}

void Session::extend_deadline() { deadline_ = Steady::now() + context_.timeout; }

void Session::arm_watchdog() {
  watchdog_.expires_at(deadline_);
  watchdog_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->socket_.is_open()) return;
    if (self->deadline_ <= Steady::now() && !self->committing_) {
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
      return;
    }
    if (self->committing_) self->extend_deadline();
    self->arm_watchdog();
  });
}

}  // namespace sluice::smtpd
