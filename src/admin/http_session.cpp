#include "http_session.h"

#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>

#include "admin_tls.h"
#include "server_context.h"

namespace sluice::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::string describe(const asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto address = peer.address().to_string();
  if (peer.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(peer.port());
}

bool is_quiet_close(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context,
                         std::shared_ptr<asio::ssl::context> tls)
    : client_(describe(socket)),
      tls_(std::move(tls)),
      stream_(std::move(socket), tls_.get()),
      reply_timer_(stream_.get_executor()),
      context_(std::move(context)) {}

HttpSession::~HttpSession() { context_->forget(this); }

void HttpSession::start() {
  if (!context_->enroll(this, weak_from_this())) {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    return;
  }
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->stream_.is_tls()) return self->handshake();
    self->read_header();
  });
}

void HttpSession::close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->shut_down(); });
}

void HttpSession::handshake() {
  method_ = "-";
  path_ = "-";
  started_ = std::chrono::steady_clock::now();
  stream_.expires_after(context_->options().read_timeout);
  stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->on_handshake_error(ec);
    self->read_header();
  });
}

// A plain HTTP client on the HTTPS port learns why in plain HTTP; anything else just closes.
void HttpSession::on_handshake_error(beast::error_code ec) {
  if (closed_) return;
  if (is_plain_http_on_tls(ec)) {
    stream_.drop_tls();
    return send(
        Response::error(http::status::bad_request, "this port speaks HTTPS only: use https://"),
        true);
  }
  if (!is_quiet_close(ec)) {
    context_->logger().info("admin: {} TLS handshake failed: {}", client_, ec.message());
  }
  shut_down();
}

void HttpSession::read_header() {
  if (closed_) return;
  method_ = "-";
  path_ = "-";
  started_ = std::chrono::steady_clock::now();
  token_name_.clear();
  parser_.emplace();
  parser_->body_limit(context_->options().body_limit);
  parser_->header_limit(static_cast<std::uint32_t>(context_->options().header_limit));
  stream_.expires_after(context_->options().read_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void HttpSession::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  started_ = std::chrono::steady_clock::now();
  const auto& request = parser_->get();
  method_ = std::string(request.method_string());
  auto target = std::string_view(request.target());
  path_ = std::string(target.substr(0, target.find('?')));
  version_ = request.version();

  // Authenticate before reading a body: strangers do not get to upload a megabyte.
  if (context_->options().require_token) {
    auto name = context_->auth().authenticate(request[http::field::authorization]);
    if (!name) {
      keep_alive_ = request.keep_alive() && parser_->is_done();
      send(Response::error(http::status::unauthorized, "missing or invalid bearer token"),
           !keep_alive_);
      return;
    }
    token_name_ = std::move(*name);
  }
  if (parser_->is_done()) return dispatch(parser_->release());

  if (beast::iequals(request[http::field::expect], "100-continue")) {
    continue_ = {http::status::continue_, version_};
    stream_.expires_after(context_->options().write_timeout);
    http::async_write(stream_, continue_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->shut_down();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void HttpSession::read_body() {
  stream_.expires_after(context_->options().read_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void HttpSession::on_body(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  dispatch(parser_->release());
}

void HttpSession::on_read_error(beast::error_code ec) {
  if (closed_) return;
  if (parser_ && parser_->is_header_done() && method_ == "-") {
    method_ = std::string(parser_->get().method_string());
    auto target = std::string_view(parser_->get().target());
    path_ = std::string(target.substr(0, target.find('?')));
    version_ = parser_->get().version();
  }
  if (ec == http::error::body_limit) {
    return send(Response::error(http::status::payload_too_large, "request body too large"), true);
  }
  if (ec == http::error::header_limit) {
    return send(
        Response::error(http::status::request_header_fields_too_large, "request header too large"),
        true);
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return send(Response::error(http::status::bad_request, "malformed HTTP request"), true);
  }
  if (!is_quiet_close(ec) && ec != http::error::partial_message) {
    context_->logger().debug("admin: {} read error: {}", client_, ec.message());
  }
  shut_down();
}

void HttpSession::dispatch(Request request) {
  ++sequence_;
  keep_alive_ = request.keep_alive();
  auto target = std::string_view(request.target());
  auto question = target.find('?');
  auto query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  auto match = context_->router().match(request.method(), path_);
  if (match.outcome == Router::Outcome::not_found) {
    return send(Response::error(http::status::not_found, "no such resource: " + path_),
                !keep_alive_);
  }
  if (match.outcome == Router::Outcome::method_not_allowed) {
    auto response = Response::error(http::status::method_not_allowed,
                                    "method " + method_ + " not allowed for " + path_);
    std::string allow;
    for (auto verb : match.allowed) {
      allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(verb));
    }
    response.headers.emplace_back("Allow", allow);
    return send(std::move(response), !keep_alive_);
  }
  auto parsed_query = parse_query(query);
  if (!parsed_query) {
    return send(Response::error(http::status::bad_request, "malformed query string"), !keep_alive_);
  }

  RequestContext context;
  if (!request.body().empty()) {
    beast::error_code ec;
    context.body = boost::json::parse(request.body(), ec);
    if (ec) {
      return send(Response::error(http::status::bad_request, "invalid JSON body: " + ec.message()),
                  !keep_alive_);
    }
  }
  context.method = request.method();
  context.path = path_;
  context.path_params = std::move(match.path_params);
  context.query = std::move(*parsed_query);
  context.token_name = token_name_;
  context.client = client_;
  context.executor = stream_.get_executor();

  awaiting_reply_ = true;
  reply_timer_.expires_after(context_->options().reply_timeout);
  reply_timer_.async_wait([self = shared_from_this(), sequence = sequence_](beast::error_code ec) {
    self->on_reply_timeout(sequence, ec);
  });
  Reply reply = make_reply();
  try {
    (*match.handler)(std::move(context), reply);
  } catch (const std::exception& e) {
    context_->logger().error("admin: handler for {} {} threw: {}", method_, path_, e.what());
    reply(Response::error(http::status::internal_server_error, "internal error"));
  }
}

Reply HttpSession::make_reply() {
  auto replied = std::make_shared<std::atomic<bool>>(false);
  return [self = shared_from_this(), sequence = sequence_, replied](Response response) {
    if (replied->exchange(true)) return;
    asio::post(self->stream_.get_executor(),
               [self, sequence, response = std::move(response)]() mutable {
                 self->on_reply(sequence, std::move(response));
               });
  };
}

void HttpSession::on_reply(std::uint64_t sequence, Response response) {
  if (closed_ || sequence != sequence_ || !awaiting_reply_) return;
  awaiting_reply_ = false;
  reply_timer_.cancel();
  send(std::move(response), !keep_alive_);
}

void HttpSession::on_reply_timeout(std::uint64_t sequence, beast::error_code ec) {
  if (ec || closed_ || sequence != sequence_ || !awaiting_reply_) return;
  awaiting_reply_ = false;
  send(Response::error(http::status::service_unavailable, "timed out waiting for the answer"),
       true);
}

void HttpSession::send(Response response, bool close_after) {
  if (closed_) return;
  response_ = {};
  response_.version(version_);
  response_.result(response.status);
  response_.set(http::field::server, "sluice");
  response_.set(http::field::content_type,
                response.text ? response.content_type : std::string("application/json"));
  response_.set(http::field::cache_control, "no-store");
  if (response.status == http::status::unauthorized) {
    response_.set(http::field::www_authenticate, "Bearer realm=\"sluice\"");
  }
  for (const auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() =
      response.text ? std::move(*response.text) : boost::json::serialize(response.body) + "\n";
  response_.keep_alive(!close_after);
  response_.prepare_payload();

  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
  context_->logger().log(
      context_->options().log_requests ? spdlog::level::info : spdlog::level::debug,
      "admin: {} \"{} {}\" {} token={} {}ms", client_, method_, path_,
      static_cast<unsigned>(response.status), token_name_.empty() ? "-" : token_name_,
      elapsed.count());

  stream_.expires_after(context_->options().write_timeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                      self->on_write(close_after, ec);
                    });
}

void HttpSession::on_write(bool close_after, beast::error_code ec) {
  if (ec) return shut_down();
  if (close_after) return linger();
  read_header();
}

void HttpSession::linger() {
  if (closed_) return;
  if (stream_.is_tls()) {  // close_notify, then wait (bounded) for the peer to close
    stream_.expires_after(std::chrono::seconds(2));
    return stream_.async_shutdown(
        [self = shared_from_this()](beast::error_code) { self->shut_down(); });
  }
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::chrono::seconds(2));
  drain();
}

void HttpSession::drain() {
  constexpr std::size_t kDrainLimit = 4 << 20;
  stream_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->closed_ || self->drained_ > kDrainLimit) {
                              return self->shut_down();
                            }
                            self->drain();
                          });
}

void HttpSession::shut_down() {
  if (closed_) return;
  closed_ = true;
  reply_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace sluice::admin
