#pragma once
// The byte stream of one admin connection: plain TCP, or TLS over that TCP stream when the
// server has a TLS context (admin_tls_cert_file). HttpSession reads and writes through it
// without caring which; deadlines, the socket and close() always belong to the TCP stream, so
// the plain path is the TCP stream itself behind one branch. Used on the connection's strand
// only; not movable (the TLS layer refers to the TCP stream member).

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <optional>
#include <utility>

namespace sluice::admin {

class AdminStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // `tls` null: plain HTTP. Otherwise it must outlive the stream.
  AdminStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls)
      : tcp_(std::move(socket)) {
    if (tls != nullptr) tls_.emplace(tcp_, *tls);
  }
  AdminStream(const AdminStream&) = delete;
  AdminStream& operator=(const AdminStream&) = delete;

  executor_type get_executor() { return tcp_.get_executor(); }
  template <class Duration>
  void expires_after(Duration duration) {
    tcp_.expires_after(duration);
  }
  boost::asio::ip::tcp::socket& socket() { return tcp_.socket(); }
  void close() { tcp_.close(); }

  bool is_tls() const { return tls_.has_value(); }
  // After a failed handshake the connection is plain TCP again (to answer in plain HTTP).
  void drop_tls() { tls_.reset(); }

  // TLS only: the server side of the handshake, and close_notify at the end.
  template <class Token>
  auto async_handshake(Token&& token) {
    return tls_->async_handshake(boost::asio::ssl::stream_base::server, std::forward<Token>(token));
  }
  template <class Token>
  auto async_shutdown(Token&& token) {
    return tls_->async_shutdown(std::forward<Token>(token));
  }

  // AsyncReadStream and AsyncWriteStream, for Beast's HTTP reads and writes.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_)
            tls_->async_read_some(b, std::move(handler));
          else
            tcp_.async_read_some(b, std::move(handler));
        },
        token, buffers);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_)
            tls_->async_write_some(b, std::move(handler));
          else
            tcp_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  boost::beast::tcp_stream tcp_;
  std::optional<boost::asio::ssl::stream<boost::beast::tcp_stream&>> tls_;  // over tcp_
};

}  // namespace sluice::admin
