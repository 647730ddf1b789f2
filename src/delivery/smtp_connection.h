#pragma once
// One connection to an upstream: the I/O shell around ClientProtocol. It resolves and connects
// (every address in turn), runs TLS when the protocol says so, writes what the protocol sends,
// reads replies with the timeout of the protocol's phase, and reports what happened. No protocol
// decision is made here. Runs on its own strand; callers co_await its member coroutines from
// that strand only, one at a time.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sluice/delivery/client_protocol.h"
#include "sluice/delivery/smtp_reply.h"
#include "sluice/delivery/smtp_transport.h"
#include "sluice/dns/resolver.h"

namespace sluice::delivery {

// What the protocol reported while the shell ran it.
struct ConversationEvents {
  bool ready = false;
  bool probe_ok = false;
  bool closed = false;
  std::optional<action::TransactionDone> done;
  std::optional<AccountFault> failed;
};

class SmtpConnection : public std::enable_shared_from_this<SmtpConnection> {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;

  SmtpConnection(Executor executor, boost::asio::ssl::context& tls, const SmtpTimeouts& timeouts,
                 ClientOptions options, std::string host, std::uint16_t port, bool verify);

  // Resolves, connects and runs the protocol to its first Ready. Failure: the fault.
  boost::asio::awaitable<std::optional<AccountFault>> open(dns::Resolver& resolver);
  // One transaction on a ready connection.
  boost::asio::awaitable<action::TransactionDone> transact(Transaction transaction);
  // NOOP on a ready connection: nullopt when it was answered.
  boost::asio::awaitable<std::optional<AccountFault>> probe();
  // QUIT (bounded by the quit timeout) and close.
  boost::asio::awaitable<void> quit();
  void close();

  bool usable() const { return protocol_.phase() == ClientPhase::ready && !broken_; }
  std::uint32_t transactions() const { return protocol_.transactions(); }
  // "host[address]:port" once connected, for the relay= of log lines.
  const std::string& relay() const { return relay_; }
  // What went wrong while opening, for the transport's ConnectionEvents: a TLS handshake (or
  // certificate check) failed; the upstream answered AUTH with a refusal.
  bool tls_failed() const { return tls_failed_; }
  bool auth_refused() const { return auth_refused_; }
  Executor executor() const { return executor_; }

 private:
  boost::asio::awaitable<ConversationEvents> converse(ClientActions actions);
  boost::asio::awaitable<bool> connect_any(const std::vector<boost::asio::ip::address>& addresses,
                                           std::string& why);
  boost::asio::awaitable<bool> write(const std::string& bytes, std::string& why);
  boost::asio::awaitable<std::optional<Result<SmtpReply>>> read_reply(std::string& why);
  boost::asio::awaitable<bool> handshake(std::string& why);
  std::chrono::seconds timeout_for(ClientPhase phase) const;
  void arm(std::chrono::seconds timeout);
  void disarm();
  std::string timeout_text(ClientPhase phase) const;

  Executor executor_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::asio::steady_timer deadline_;
  const SmtpTimeouts& timeouts_;
  bool implicit_tls_;
  ClientProtocol protocol_;
  ReplyParser parser_;
  std::unique_ptr<char[]> read_buffer_;  // allocated at the first read
  std::string host_;
  std::uint16_t port_;
  bool verify_;
  bool tls_ = false;  // reads and writes go through the TLS layer
  bool timed_out_ = false;
  bool broken_ = false;
  bool tls_failed_ = false;
  bool auth_refused_ = false;
  std::uint64_t arm_generation_ = 0;
  std::string relay_;
};

}  // namespace sluice::delivery
