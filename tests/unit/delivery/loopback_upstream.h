#pragma once
// A scripted SMTP server on 127.0.0.1 (port 0) for tests of the socket side of delivery: it
// greets, answers EHLO with the extensions the script offers, AUTH with the script's reply,
// MAIL/RCPT/DATA/RSET/NOOP/QUIT as a plain accepting server, and STARTTLS with "220" followed,
// once the client starts its handshake, by bytes that are not TLS. It counts connections and
// messages and can drop every open connection (an upstream closing cached connections).
// Runs on the io_context it is given, single-threaded (the test's own).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

namespace sluice::delivery::testing {

class LoopbackUpstream {
 public:
  struct Script {
    bool offer_starttls = false;
    bool offer_auth = false;
    std::string auth_reply = "235 2.7.0 Authentication successful";
    std::string rcpt_reply = "250 2.1.5 Ok";
  };

  LoopbackUpstream(boost::asio::io_context& io, Script script)
      : state_(std::make_shared<State>(io, std::move(script))) {
    boost::asio::co_spawn(io, accept(state_), boost::asio::detached);
  }
  ~LoopbackUpstream() { drop_all(); }

  std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
  std::size_t connections() const { return state_->connections; }
  std::size_t messages() const { return state_->messages; }
  // Closes every connection open now, as an upstream does with idle clients.
  void drop_all() {
    for (auto& weak : state_->sockets) {
      if (auto socket = weak.lock()) {
        boost::system::error_code ignored;
        socket->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
      }
    }
    state_->sockets.clear();
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using Socket = std::shared_ptr<tcp::socket>;
  struct State {
    State(boost::asio::io_context& io, Script script)
        : acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
          script(std::move(script)) {}
    tcp::acceptor acceptor;
    Script script;
    std::size_t connections = 0;
    std::size_t messages = 0;
    std::vector<std::weak_ptr<tcp::socket>> sockets;
  };

  static boost::asio::awaitable<void> accept(std::shared_ptr<State> state) {
    constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    for (;;) {
      auto [ec, socket] = co_await state->acceptor.async_accept(tuple);
      if (ec) co_return;
      ++state->connections;
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      state->sockets.push_back(shared);
      boost::asio::co_spawn(state->acceptor.get_executor(), session(state, shared),
                            boost::asio::detached);
    }
  }

  static std::string verb(const std::string& line) {
    std::string v = line.substr(0, line.find(' '));
    for (auto& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return v;
  }

  static boost::asio::awaitable<bool> write(tcp::socket& socket, std::string text) {
    auto [ec, n] = co_await boost::asio::async_write(
        socket, boost::asio::buffer(text), boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
  }

  static boost::asio::awaitable<void> session(std::shared_ptr<State> state, Socket socket) {
    constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    if (!co_await write(*socket, "220 loopback ESMTP\r\n")) co_return;
    std::string buffer;
    bool in_data = false;
    for (;;) {
      auto [ec, n] = co_await boost::asio::async_read_until(
          *socket, boost::asio::dynamic_buffer(buffer), "\r\n", tuple);
      if (ec) co_return;
      const std::string line = buffer.substr(0, n - 2);
      buffer.erase(0, n);
      std::string reply;
      if (in_data) {
        if (line != ".") continue;
        in_data = false;
        ++state->messages;
        reply = "250 2.0.0 Ok: queued\r\n";
      } else {
        const auto command = verb(line);
        if (command == "EHLO") {
          reply = "250-loopback\r\n";
          if (state->script.offer_starttls) reply += "250-STARTTLS\r\n";
          if (state->script.offer_auth) reply += "250-AUTH PLAIN LOGIN\r\n";
          reply += "250 8BITMIME\r\n";
        } else if (command == "STARTTLS") {
          if (!co_await write(*socket, "220 2.0.0 Ready to start TLS\r\n")) co_return;
          char hello[512];
          auto [read_ec, got] = co_await socket->async_read_some(boost::asio::buffer(hello), tuple);
          if (read_ec) co_return;
          (void)got;
          co_await write(*socket, "this is not a TLS server hello\r\n\r\n");
          co_return;
        } else if (command == "AUTH") {
          reply = state->script.auth_reply + "\r\n";
        } else if (command == "RCPT") {
          reply = state->script.rcpt_reply + "\r\n";
        } else if (command == "DATA") {
          in_data = true;
          reply = "354 End data with <CR><LF>.<CR><LF>\r\n";
        } else if (command == "QUIT") {
          co_await write(*socket, "221 2.0.0 Bye\r\n");
          co_return;
        } else {
          reply = "250 2.0.0 Ok\r\n";  // MAIL, RSET, NOOP, HELO
        }
      }
      if (!co_await write(*socket, reply)) co_return;
    }
  }

  std::shared_ptr<State> state_;
};

}  // namespace sluice::delivery::testing
