#include "sluice/smtpd/listener.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "session.h"

namespace sluice::smtpd {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(asio::io_context& io, SmtpdContext& context)
    : io_(io), context_(context), acceptor_(io), backoff_(io) {}

Listener::~Listener() = default;

Result<void> Listener::open(const config::ListenAddress& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return make_error("smtpd_listen: not a numeric address: " + address.host);
  tcp::endpoint endpoint(ip, address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("cannot listen on " + address.to_string() + ": " + ec.message());
  return {};
}

std::uint16_t Listener::port() const {
  boost::system::error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Listener::start() { accept_next(); }

void Listener::stop() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
  });
}

void Listener::accept_next() {
  acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec,
                                                        tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: pause instead of spinning on the same error.
      spdlog::warn("smtpd: accept failed: {}; pausing", ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) accept_next();
      });
      return;
    }
    boost::system::error_code endpoint_ec;
    auto remote = socket.remote_endpoint(endpoint_ec);
    ClientInfo client;
    client.address = endpoint_ec ? "unknown" : remote.address().to_string();
    for (const auto& network : context_.mynetworks) {
      if (network.contains(client.address)) {
        client.may_relay = true;
        break;
      }
    }
    if (context_.connections.load() >= context_.max_connections) {
      spdlog::warn("smtpd: too many connections; rejecting [{}]", client.address);
      static const std::string busy = "421 4.7.0 Error: too many connections\r\n";
      socket.non_blocking(true, endpoint_ec);
      socket.write_some(asio::buffer(busy), endpoint_ec);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), context_, std::move(client));
      auto executor = session->executor();
      asio::co_spawn(executor, Session::run(std::move(session)), asio::detached);
    }
    accept_next();
  });
}

}  // namespace sluice::smtpd
