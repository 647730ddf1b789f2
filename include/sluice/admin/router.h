#pragma once
// The admin API's routing table: (method, path pattern) -> handler. Patterns are literal
// segments and `{name}` parameters ("/api/queue/{id}/hold"). The daemon's composition root
// registers every API (queue, later campaigns, accounts, audit) before AdminServer::start();
// afterwards the router is only read, from any I/O thread, so it needs no lock.

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"

namespace sluice::admin {

namespace http = boost::beast::http;

// What a handler answers: a status and a JSON body, or a text body with its content type
// (Prometheus' exposition format, health checks). Errors use {"error": "..."}.
struct Response {
  http::status status = http::status::ok;
  boost::json::value body;
  std::optional<std::string> text;                           // set: sent as is instead of `body`
  std::string content_type;                                  // of `text`
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)

  static Response json(boost::json::value body, http::status status = http::status::ok);
  static Response error(http::status status, std::string_view message);
  static Response plain(std::string text, std::string content_type = "text/plain; charset=utf-8",
                        http::status status = http::status::ok);
};

// One authenticated, routed request. Handed to the handler by value: it may keep it.
struct RequestContext {
  http::verb method = http::verb::get;
  std::string path;                                // percent-decoded only per parameter
  std::map<std::string, std::string> path_params;  // {name} -> decoded segment
  std::map<std::string, std::string> query;        // decoded; the last of repeated keys wins
  boost::json::value body;                         // null when the request had no body
  std::string token_name;                          // admin_tokens name; never the token itself
  std::string client;                              // "address:port" of the peer
  // The connection's strand: where a handler posts the results of asynchronous work (queue
  // write callbacks run on the store's writer thread and must not do more than post).
  boost::asio::any_io_executor executor;

  // The path parameter `name`; empty if the route has none of that name.
  const std::string& param(const std::string& name) const;
  // The query parameter `name`, or nullptr when absent.
  const std::string* query_param(const std::string& name) const;
};

// Delivers the response. Call exactly once, from any thread: it posts to the connection's
// strand. Later calls are ignored.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(RequestContext request, Reply reply)>;

class Router {
 public:
  enum class Outcome { found, not_found, method_not_allowed };

  struct Match {
    Outcome outcome = Outcome::not_found;
    const Handler* handler = nullptr;                // set when found
    std::map<std::string, std::string> path_params;  // set when found
    std::vector<http::verb> allowed;                 // set when method_not_allowed
  };

  // Registers a route. Throws std::invalid_argument for a malformed pattern or a duplicate
  // (method, pattern) pair: both are programming errors found at start-up.
  void add(http::verb method, std::string_view pattern, Handler handler);

  // Finds the route for a request path (without the query). Among the patterns that match the
  // path, one with this method wins, the most literal one first (so "/api/queue/flush" beats
  // "/api/queue/{id}"); if only other methods match, the outcome is method_not_allowed.
  Match match(http::verb method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  struct Route {
    http::verb method;
    std::vector<Segment> segments;
    std::size_t literal_count = 0;
    Handler handler;
  };

  std::vector<Route> routes_;
};

// "%41+b" -> "A b" when plus_is_space (query strings); a malformed escape is `invalid`.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);
// "a=1&b=x%20y" -> {a: 1, b: "x y"}; the last of repeated keys wins.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace sluice::admin
