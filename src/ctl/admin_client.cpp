#include "admin_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>

namespace sluice::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {

using Fail = std::function<void(const std::string&, beast::error_code)>;

// Writes the request and reads the answer on a connected stream, TCP or TLS.
template <class Stream>
void exchange(Stream& stream, const http::request<http::string_body>& request,
              beast::flat_buffer& buffer, http::response_parser<http::string_body>& parser,
              const Fail& fail) {
  http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
    if (ec) return fail("cannot send to admin API at ", ec);
    http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail("no answer from admin API at ", ec);
    });
  });
}

Result<std::unique_ptr<ssl::context>> client_tls_context(const std::string& trust_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  context->load_verify_file(trust_file, ec);
  if (ec)
    return make_error("cannot load the admin API's TLS trust file " + trust_file + ": " +
                      ec.message());
  // What the file holds is trusted as it is: a self-signed setup lists the daemon's own
  // certificate, which is no CA.
  X509_STORE_set_flags(SSL_CTX_get_cert_store(context->native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// The peer must be `host`: an IP address is matched against the certificate's IP entries, a
// name against its DNS entries (and sent as SNI).
void expect_peer(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  beast::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (!not_an_address) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    return;
  }
  SSL_set_tlsext_host_name(ssl, host.c_str());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
}

std::string handshake_failure(SSL* ssl, beast::error_code ec) {
  if (ec == beast::error::timeout)
    return asio::error::make_error_code(asio::error::timed_out).message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  return ec.message() + " (is it serving HTTPS?)";
}

}  // namespace

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
  const Fail fail = [&](const std::string& what, beast::error_code ec) {
    if (ec == beast::error::timeout) ec = asio::error::timed_out;
    failure = make_error(what + endpoint_.to_string() + ": " + ec.message());
  };

  std::unique_ptr<ssl::context> tls_context;
  std::optional<ssl::stream<beast::tcp_stream&>> tls;
  if (!endpoint_.tls_trust_file.empty()) {
    auto made = client_tls_context(endpoint_.tls_trust_file);
    if (!made) return made.error();
    tls_context = std::move(*made);
    tls.emplace(stream, *tls_context);
    expect_peer(tls->native_handle(), endpoint_.host);
  }

  tcp::resolver resolver(io);
  resolver.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [&](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return fail("cannot resolve admin API address ", ec);
        stream.expires_after(endpoint_.timeout);
        stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return fail("cannot connect to admin API at ", ec);
          if (!tls) return exchange(stream, request, buffer, parser, fail);
          tls->async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
            if (ec) {
              failure = make_error("TLS handshake with admin API at " + endpoint_.to_string() +
                                   " failed: " + handshake_failure(tls->native_handle(), ec));
              return;
            }
            exchange(*tls, request, buffer, parser, fail);
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
