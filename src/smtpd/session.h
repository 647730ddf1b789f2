#pragma once
// One SMTP connection: the thin I/O shell around ServerProtocol. Reads bytes, feeds the
// protocol, writes its replies, commits accepted messages to the queue and waits for the sync
// before the 250. A watchdog enforces smtpd_timeout per command line. Runs on its own strand;
// kept alive by shared_from_this while a read, write, commit or watchdog wait is pending.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sluice/smtpd/listener.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, SmtpdContext& context, ClientInfo client);
  // Static so that the coroutine frame owns the session from its creation on.
  static boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  // Carries out actions in order; returns false when the connection must close.
  boost::asio::awaitable<bool> perform(std::vector<Action>& actions);
  boost::asio::awaitable<CommitOutcome> commit(CommitMessage& message);
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<bool> flush();
  void extend_deadline();
  void arm_watchdog();

  boost::asio::ip::tcp::socket socket_;
  SmtpdContext& context_;
  ClientInfo client_;
  ServerProtocol protocol_;
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_;
  bool timed_out_ = false;
  bool committing_ = false;  // waiting for the queue's sync: the client's clock is stopped
  std::string out_;  // replies not yet written
};

}  // namespace sluice::smtpd
