#include "sluice/admin/router.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <stdexcept>

namespace sluice::admin {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const std::string kEmpty;

}  // namespace

Response Response::json(boost::json::value body, http::status status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::error(http::status status, std::string_view message) {
  return json(boost::json::object{{"error", message}}, status);
}

Response Response::plain(std::string text, std::string content_type, http::status status) {
  Response r;
  r.status = status;
  r.text = std::move(text);
  r.content_type = std::move(content_type);
  return r;
}

const std::string& RequestContext::param(const std::string& name) const {
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

const std::string* RequestContext::query_param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

void Router::add(http::verb method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("admin route must start with '/': " + std::string(pattern));
  }
  Route route{method, {}, 0, std::move(handler)};
  for (auto part : split_path(pattern)) {
    bool is_param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (is_param) part = part.substr(1, part.size() - 2);
    if (part.empty() || part.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("malformed admin route: " + std::string(pattern));
    }
    route.segments.push_back(Segment{std::string(part), is_param});
    if (!is_param) ++route.literal_count;
  }
  for (const auto& other : routes_) {
    bool same = other.method == method && other.segments.size() == route.segments.size() &&
                std::equal(other.segments.begin(), other.segments.end(), route.segments.begin(),
                           [](const Segment& a, const Segment& b) {
                             return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                           });
    if (same) throw std::invalid_argument("duplicate admin route: " + std::string(pattern));
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::match(http::verb method, std::string_view path) const {
  auto segments = split_path(path);
  Match result;
  const Route* best = nullptr;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool matches = true;
    for (std::size_t i = 0; i < segments.size() && matches; ++i) {
      const auto& want = route.segments[i];
      matches = want.is_param ? !segments[i].empty() : want.text == segments[i];
    }
    if (!matches) continue;
    if (route.method != method) {
      if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
          result.allowed.end()) {
        result.allowed.push_back(route.method);
      }
      continue;
    }
    if (best == nullptr || route.literal_count > best->literal_count) best = &route;
  }
  if (best == nullptr) {
    result.outcome = result.allowed.empty() ? Outcome::not_found : Outcome::method_not_allowed;
    return result;
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!best->segments[i].is_param) continue;
    auto decoded = percent_decode(segments[i], false);
    if (!decoded) return Match{};  // undecodable: no resource can have that name
    result.path_params[best->segments[i].text] = std::move(*decoded);
  }
  result.outcome = Outcome::found;
  result.handler = &best->handler;
  result.allowed.clear();
  return result;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return make_error("truncated %-escape", ErrorCode::invalid);
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return make_error("malformed %-escape", ErrorCode::invalid);
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key) return key.error();
    if (!value) return value.error();
    out[std::move(*key)] = std::move(*value);
  }
  return out;
}

}  // namespace sluice::admin
