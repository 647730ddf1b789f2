#pragma once
// sluicectl's side of the admin API: one blocking HTTP request per call, on a fresh loopback
// connection (HTTPS when the endpoint has a trust file), with a deadline over the whole exchange.
// Used from sluicectl's single thread (and from tests against a real AdminServer); not thread-safe.

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "sluice/common/result.h"

namespace sluice::ctl {

struct AdminEndpoint {
  std::string host;  // numeric address or name, without brackets
  std::uint16_t port = 0;
  std::string token;  // empty: no Authorization header (the server will answer 401)
  std::chrono::milliseconds timeout{30'000};
  // Non-empty: HTTPS. The daemon's certificate must chain to one in this PEM file (any of them,
  // intermediate or leaf, counts as an anchor: the daemon's own certificate file works) and
  // name `host` (DNS name or IP address).
  std::string tls_trust_file = {};
  std::string to_string() const;  // "127.0.0.1:8025", "[::1]:8025"
};

struct AdminReply {
  unsigned status = 0;        // HTTP status
  boost::json::value body;    // parsed JSON; null if the body was empty
  std::string error() const;  // body's "error" member, or "" if none
};

class AdminClient {
 public:
  explicit AdminClient(AdminEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // Sends one request and returns any HTTP answer as a reply (4xx/5xx included). Errors:
  // "cannot connect to admin API at HOST:PORT: Connection refused", timeouts, a reply that is
  // not JSON, an unreadable trust file, a failed TLS handshake or certificate check (saying
  // why: "certificate verify failed: IP address mismatch").
  // A non-null `body` is sent as JSON.
  Result<AdminReply> call(boost::beast::http::verb method, const std::string& target,
                          const boost::json::value& body = nullptr);

  const AdminEndpoint& endpoint() const { return endpoint_; }

 private:
  AdminEndpoint endpoint_;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment.
std::string escape_path_segment(const std::string& text);

// The reply if it is a 2xx; otherwise prints why not (`not_found` for a 404 when not empty)
// and returns nullptr.
const AdminReply* accepted_reply(const Result<AdminReply>& reply, std::ostream& err,
                                 const std::string& not_found);

}  // namespace sluice::ctl
