#include "admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <optional>

namespace sluice::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

std::string AdminEndpoint::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string AdminReply::error() const {
  if (!body.is_object()) return "";
  const auto* error = body.as_object().if_contains("error");
  return error && error->is_string() ? std::string(error->as_string()) : "";
}

// Asynchronous operations run to completion on a private io_context: that is how Beast gives a
// deadline to the whole exchange (its synchronous calls have none).
Result<AdminReply> AdminClient::call(http::verb method, const std::string& target,
                                     const boost::json::value& body) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, endpoint_.to_string());
  request.set(http::field::user_agent, "sluicectl");
  request.set(http::field::accept, "application/json");
  if (!endpoint_.token.empty()) {
    request.set(http::field::authorization, "Bearer " + endpoint_.token);
  }
  if (!body.is_null()) {
    request.set(http::field::content_type, "application/json");
    request.body() = boost::json::serialize(body);
  }
  request.keep_alive(false);
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);  // a page of 10000 messages

  std::optional<Error> failure;
  auto fail = [&](const std::string& what, beast::error_code ec) {
    if (ec == beast::error::timeout) ec = asio::error::timed_out;
    failure = make_error(what + endpoint_.to_string() + ": " + ec.message());
  };

  tcp::resolver resolver(io);
  resolver.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [&](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return fail("cannot resolve admin API address ", ec);
        stream.expires_after(endpoint_.timeout);
        stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return fail("cannot connect to admin API at ", ec);
          http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
            if (ec) return fail("cannot send to admin API at ", ec);
            http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
              if (ec) return fail("no answer from admin API at ", ec);
            });
          });
        });
      });
  io.run();
  if (failure) return *failure;

  AdminReply reply;
  reply.status = parser.get().result_int();
  const auto& answer = parser.get().body();
  if (!answer.empty()) {
    beast::error_code ec;
    reply.body = boost::json::parse(answer, ec);
    if (ec) {
      return make_error("admin API at " + endpoint_.to_string() + " sent a non-JSON answer (HTTP " +
                        std::to_string(reply.status) + ")");
    }
  }
  return reply;
}

std::string escape_path_segment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

const AdminReply* accepted_reply(const Result<AdminReply>& reply, std::ostream& err,
                                 const std::string& not_found) {
  if (!reply) {
    err << "sluicectl: " << reply.error().message << "\n";
    return nullptr;
  }
  if (reply->status >= 200 && reply->status < 300) return &*reply;
  if (reply->status == 401) {
    err << "sluicectl: the admin API refused the token\n";
  } else if (reply->status == 404 && !not_found.empty()) {
    err << "sluicectl: " << not_found << "\n";
  } else {
    auto why = reply->error();
    err << "sluicectl: "
        << (why.empty() ? "admin API answered HTTP " + std::to_string(reply->status) : why) << "\n";
  }
  return nullptr;
}

}  // namespace sluice::ctl
