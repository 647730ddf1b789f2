#pragma once
// A test HTTP client that shares the server's io_context: each call drives the context with
// bounded run_one_for() steps until its own operation completes (5 s at most), so the server
// and the client interleave on one thread and nothing sleeps.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::testing {

namespace http = boost::beast::http;

struct HttpAnswer {
  unsigned status = 0;  // 0: no answer (connection closed or timed out)
  http::response<http::string_body> message;
  boost::json::value json;  // the body parsed; null if it was not JSON
};

class LoopbackConnection {
 public:
  LoopbackConnection(boost::asio::io_context& io, std::uint16_t port) : io_(io), stream_(io) {
    bool done = false;
    stream_.async_connect({boost::asio::ip::make_address("127.0.0.1"), port},
                          [&](boost::beast::error_code ec) {
                            connect_error_ = ec;
                            done = true;
                          });
    run_until(done);
    EXPECT_FALSE(connect_error_) << connect_error_.message();
  }

  HttpAnswer send(http::verb method, const std::string& target, const std::string& token = "",
                  const std::string& body = "") {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "localhost");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();
    bool written = false;
    boost::beast::error_code ec;
    http::async_write(stream_, request, [&](boost::beast::error_code e, std::size_t) {
      ec = e;
      written = true;
    });
    run_until(written);
    return read_answer();
  }

  // Sends bytes as they are (malformed requests), then reads an answer.
  HttpAnswer send_raw(const std::string& bytes) {
    write_raw(bytes);
    return read_answer();
  }

  void write_raw(const std::string& bytes) {
    bool written = false;
    boost::asio::async_write(stream_, boost::asio::buffer(bytes),
                             [&](boost::beast::error_code, std::size_t) { written = true; });
    run_until(written);
  }

  HttpAnswer read_answer() {
    HttpAnswer answer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    bool done = false;
    boost::beast::error_code ec;
    http::async_read(stream_, buffer_, parser, [&](boost::beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(done);
    if (ec) return answer;
    answer.message = parser.release();
    answer.status = answer.message.result_int();
    boost::beast::error_code json_ec;
    answer.json = boost::json::parse(answer.message.body(), json_ec);
    if (json_ec) answer.json = nullptr;
    return answer;
  }

  // True when the server has closed the connection (reads end of stream).
  bool closed_by_peer() {
    char byte;
    bool done = false;
    boost::beast::error_code ec;
    stream_.socket().async_read_some(boost::asio::buffer(&byte, 1),
                                     [&](boost::beast::error_code e, std::size_t) {
                                       ec = e;
                                       done = true;
                                     });
    run_until(done);
    return done && ec;
  }

 private:
  void run_until(const bool& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done && std::chrono::steady_clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    if (!done) {
      stream_.cancel();
      ADD_FAILURE() << "loopback client: no progress within 5 s";
      // The cancelled handler refers to the caller's locals: let it run before returning.
      for (int i = 0; !done && i < 100; ++i) io_.run_one_for(std::chrono::milliseconds(50));
    }
  }

  boost::asio::io_context& io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code connect_error_;
};

// One request on its own connection.
inline HttpAnswer http_call(boost::asio::io_context& io, std::uint16_t port, http::verb method,
                            const std::string& target, const std::string& token = "",
                            const std::string& body = "") {
  LoopbackConnection connection(io, port);
  return connection.send(method, target, token, body);
}

}  // namespace sluice::testing
