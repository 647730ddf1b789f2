#pragma once
// The inbound SMTP listener: accepts connections, applies the relay policy and the connection
// limits (total, and per client IP outside smtpd_client_event_limit_exceptions), and starts one
// Session (session.h) per connection on its own strand. A second listener in SMTPS mode
// (smtpd_tls_wrapper_listen) starts every session with the TLS handshake. It only accepts; the
// protocol lives in ServerProtocol, durability in the QueueStore.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/config/network.h"
#include "sluice/mail/queue_id.h"
#include "sluice/queue/queue_store.h"
#include "sluice/smtpd/client_limits.h"
#include "sluice/smtpd/credentials.h"
#include "sluice/smtpd/inbound_events.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {

// What every session shares. Outlives the listener and all sessions.
struct SmtpdContext {
  ProtocolLimits limits;
  std::vector<config::Network> mynetworks;
  std::chrono::seconds timeout{300};  // per command line (smtpd_timeout)
  std::uint32_t max_connections = 10'000;
  // Per client IP (null: no limits). Clients in limit_exceptions are not counted.
  ConnectionLimiter* client_limiter = nullptr;
  std::vector<config::Network> limit_exceptions;  // smtpd_client_event_limit_exceptions
  // smtpd_min_data_rate: bytes per second while a message body arrives; 0: off.
  std::uint32_t min_data_rate = 500;
  // The certificate for STARTTLS and SMTPS; null: no TLS (limits.tls_offered must be false).
  boost::asio::ssl::context* tls = nullptr;
  // SMTP AUTH (when limits.auth_enabled): the users, the failure limiter, where the slow
  // password check runs, and the pause before a 535 (smtpd_error_sleep_time).
  const Credentials* credentials = nullptr;
  AuthFailureLimiter* auth_failures = nullptr;
  boost::asio::any_io_executor blocking;
  std::chrono::milliseconds error_sleep{1000};
  queue::QueueStore* store = nullptr;
  mail::QueueIdGenerator* ids = nullptr;
  const Clock* clock = nullptr;
  // Tells the queue runner a message of this campaign ("" transactional) is queued and due;
  // thread-safe and cheap.
  std::function<void(const std::string& campaign)> on_enqueued;
  std::atomic<std::uint32_t> connections{0};
  // Metrics; null: none. Must be thread-safe (smtpd/inbound_events.h).
  InboundEvents* events = nullptr;
};

// plain: SMTP, STARTTLS when offered; wrapper: SMTPS, TLS from the first byte.
enum class ListenerMode { plain, wrapper };

class Listener {
 public:
  Listener(boost::asio::io_context& io, SmtpdContext& context,
           ListenerMode mode = ListenerMode::plain);
  ~Listener();

  // Binds and listens; errors (address in use, bad address) are values for the caller to report.
  Result<void> open(const config::ListenAddress& address);
  void start();
  // Stops accepting; sessions under way run to their end or their timeout.
  void stop();
  std::uint16_t port() const;

 private:
  void accept_next();
  void admit(boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket& socket, const std::string& reply,
              std::string_view reason);

  boost::asio::io_context& io_;
  SmtpdContext& context_;
  const ListenerMode mode_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
};

}  // namespace sluice::smtpd
