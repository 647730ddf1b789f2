#include "sluice/smtpd/listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "session.h"

namespace sluice::smtpd {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(asio::io_context& io, SmtpdContext& context, ListenerMode mode)
    : io_(io), context_(context), mode_(mode), acceptor_(io), backoff_(io) {}

Listener::~Listener() = default;

Result<void> Listener::open(const config::ListenAddress& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return make_error("not a numeric listen address: " + address.host);
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
  acceptor_.async_accept(asio::make_strand(io_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
                           if (ec) {
                             // Out of descriptors and the like: pause instead of spinning on the
                             // same error.
                             spdlog::warn("smtpd: accept failed: {}; pausing", ec.message());
                             backoff_.expires_after(std::chrono::milliseconds(100));
                             backoff_.async_wait([this](boost::system::error_code wait_ec) {
                               if (!wait_ec) accept_next();
                             });
                             return;
                           }
                           admit(std::move(socket));
                           accept_next();
                         });
}

namespace {

bool in_networks(const std::vector<config::Network>& networks, const std::string& address) {
  return std::any_of(networks.begin(), networks.end(),
                     [&](const config::Network& n) { return n.contains(address); });
}

}  // namespace

void Listener::admit(tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  ClientInfo client;
  client.address = ec ? "unknown" : remote.address().to_string();
  client.may_relay = in_networks(context_.mynetworks, client.address);
  client.tls_active = mode_ == ListenerMode::wrapper;
  const auto& host = context_.limits.myhostname;
  if (context_.connections.load() >= context_.max_connections) {
    spdlog::warn("smtpd: {} connections (smtpd_max_connections); refusing [{}]",
                 context_.connections.load(), client.address);
    return refuse(socket, "421 4.7.0 " + host + " Error: too many connections\r\n",
                  "max_connections");
  }
  bool counted = false;
  if (context_.client_limiter != nullptr &&
      !in_networks(context_.limit_exceptions, client.address)) {
    const auto admission =
        context_.client_limiter->admit(client.address, std::chrono::steady_clock::now());
    if (admission != Admission::admitted) {
      const bool too_many = admission == Admission::too_many_connections;
      spdlog::warn("smtpd: connection {} limit exceeded from [{}]", too_many ? "count" : "rate",
                   client.address);
      return refuse(
          socket,
          "421 4.7.0 " + host + " Error: too many connections from " + client.address + "\r\n",
          too_many ? "client_connection_limit" : "client_rate_limit");
    }
    counted = true;
  }
  ++context_.connections;  // here, not in the session: a burst of accepts must see it at once
  auto session = std::make_shared<Session>(std::move(socket), context_, std::move(client), counted);
  auto executor = session->executor();
  asio::co_spawn(executor, Session::run(std::move(session)), asio::detached);
}

// Best effort and never waiting: a refused client gets no more of our time.
void Listener::refuse(tcp::socket& socket, const std::string& reply, std::string_view reason) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (mode_ == ListenerMode::plain) socket.write_some(asio::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
  if (context_.events != nullptr) context_.events->connection_refused(reason);
}

}  // namespace sluice::smtpd
