#pragma once
// The inbound SMTP listener: accepts connections, applies the relay policy and the connection
// limit, and starts one Session (session.h) per connection on its own strand. It only accepts;
// the protocol lives in ServerProtocol, durability in the QueueStore.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/config/network.h"
#include "sluice/mail/queue_id.h"
#include "sluice/queue/queue_store.h"
#include "sluice/smtpd/inbound_events.h"
#include "sluice/smtpd/server_protocol.h"

namespace sluice::smtpd {

// What every session shares. Outlives the listener and all sessions.
struct SmtpdContext {
  ProtocolLimits limits;
  std::vector<config::Network> mynetworks;
  std::chrono::seconds timeout{300};  // per command line (smtpd_timeout)
  std::uint32_t max_connections = 10'000;
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

class Listener {
 public:
  Listener(boost::asio::io_context& io, SmtpdContext& context);
  ~Listener();

  // Binds and listens; errors (address in use, bad address) are values for the caller to report.
  Result<void> open(const config::ListenAddress& address);
  void start();
  // Stops accepting; sessions under way run to their end or their timeout.
  void stop();
  std::uint16_t port() const;

 private:
  void accept_next();

  boost::asio::io_context& io_;
  SmtpdContext& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
};

}  // namespace sluice::smtpd
