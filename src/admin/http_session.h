#pragma once
// One admin API connection: reads a request (bounded in time and size), authenticates it,
// routes it, waits for the handler's reply and writes it, then reads the next one (keep-alive).
// Created by AdminServer's listener; everything runs on the connection's strand (the socket's
// executor). Kept alive by shared_from_this while an operation or a handler reply is pending.
// With admin TLS the connection starts with the TLS handshake; a plain HTTP request there gets
// a plain 400 and the connection closes.

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "admin_stream.h"
#include "sluice/admin/router.h"

namespace sluice::admin {

class ServerContext;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `tls` null: plain HTTP; otherwise HTTPS only.
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context,
              std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~HttpSession();

  void start();
  // Thread-safe: closes the connection on its strand; a pending reply is dropped.
  void close();

 private:
  using Request = http::request<http::string_body>;

  void handshake();
  void on_handshake_error(boost::beast::error_code ec);
  void read_header();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void on_body(boost::beast::error_code ec);
  void on_read_error(boost::beast::error_code ec);
  void dispatch(Request request);
  void on_reply(std::uint64_t sequence, Response response);
  void on_reply_timeout(std::uint64_t sequence, boost::beast::error_code ec);
  void send(Response response, bool close_after);
  void on_write(bool close_after, boost::beast::error_code ec);
  // Graceful close: stop sending, read and discard what the peer still sends (bounded), then
  // close; closing with unread input would reset the connection and could lose our response.
  void linger();
  void drain();
  void shut_down();  // immediate close
  Reply make_reply();

  std::string client_;  // "address:port"; before stream_, which takes the socket
  std::shared_ptr<boost::asio::ssl::context> tls_;  // before stream_, which uses it
  AdminStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::empty_body> continue_;   // "100 Continue", kept during its write
  http::response<http::string_body> response_;  // kept during its write
  boost::asio::steady_timer reply_timer_;
  std::shared_ptr<ServerContext> context_;
  std::array<char, 4096> discard_{};  // linger() reads into it
  std::size_t drained_ = 0;

  // The request being answered.
  std::uint64_t sequence_ = 0;  // bumped per request; replies for older ones are dropped
  bool awaiting_reply_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  std::string method_;
  std::string path_;
  std::string token_name_;
  std::chrono::steady_clock::time_point started_;
  bool closed_ = false;
};

}  // namespace sluice::admin
