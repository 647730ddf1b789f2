#pragma once
// One SMTP connection: the thin I/O shell around ServerProtocol. Reads bytes (through TLS once
// STARTTLS or SMTPS started it), feeds the protocol, writes its replies, commits accepted
// messages to the queue and waits for the sync before the 250, runs password checks on the
// blocking pool. A watchdog enforces smtpd_timeout per command line and smtpd_min_data_rate
// while a body arrives. Runs on its own strand; kept alive by shared_from_this while a read,
// write, commit, check or watchdog wait is pending.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/smtpd/client_limits.h"
#include "sluice/smtpd/listener.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // counted: the client holds a slot of context.client_limiter, given back at the end.
  Session(boost::asio::ip::tcp::socket socket, SmtpdContext& context, ClientInfo client,
          bool counted);
  // Static so that the coroutine frame owns the session from its creation on.
  static boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  // Carries out actions in order; returns false when the connection must close.
  boost::asio::awaitable<bool> perform(std::vector<Action>& actions);
  boost::asio::awaitable<CommitOutcome> commit(CommitMessage& message);
  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<AuthOutcome> check_credentials(
      VerifyCredentials& request);  // session_auth.cpp
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<bool> flush();
  void received(std::size_t bytes, std::uint64_t lines_before, bool was_in_message);
  void finish();
  void extend_deadline();
  void arm_watchdog();

  boost::asio::ip::tcp::socket socket_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;  // once started
  SmtpdContext& context_;
  ClientInfo client_;
  const bool counted_;
  ServerProtocol protocol_;
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_;
  MessageDeadline message_deadline_;
  bool timed_out_ = false;
  // Waiting for our own work (the queue's sync, a password check): the client's clock stops.
  bool busy_ = false;
  std::uint64_t committed_size_ = 0;  // of the last message committed, for events
  std::string out_;                   // replies not yet written
};

}  // namespace sluice::smtpd
