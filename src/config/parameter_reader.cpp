#include "parameter_reader.h"

#include "paths.h"
#include "sluice/config/values.h"

namespace sluice::config {

void ParameterReader::report(std::string_view name, bool is_error, std::string message) {
  const auto it = definitions_.find(name);
  Diagnostic d{"", 0, is_error, std::move(message)};
  if (it != definitions_.end()) {
    d.file = it->second.file;
    d.line = it->second.line;
  }
  diagnostics_.push_back(std::move(d));
}

void ParameterReader::bad_value(std::string_view name, const std::string& why) {
  error(name, "bad value for " + std::string(name) + ": " + why);
}

std::optional<std::string> ParameterReader::text(std::string_view name) {
  auto value = expander_.value(name);
  if (!value) return std::nullopt;
  return std::move(*value);
}

void ParameterReader::duration(std::string_view name, Seconds& out, Seconds min) {
  const auto t = text(name);
  if (!t) return;
  auto d = parse_duration(*t);
  if (!d) return bad_value(name, d.error().message);
  if (*d < min) {
    return bad_value(name, "'" + *t + "' is shorter than " + std::to_string(min.count()) + "s");
  }
  out = *d;
}

void ParameterReader::size(std::string_view name, std::uint64_t& out, std::uint64_t min) {
  const auto t = text(name);
  if (!t) return;
  auto s = parse_size(*t);
  if (!s) return bad_value(name, s.error().message);
  if (*s < min) return bad_value(name, "'" + *t + "' is below " + std::to_string(min) + " bytes");
  out = *s;
}

void ParameterReader::number(std::string_view name, std::uint32_t& out, std::uint64_t min,
                             std::uint64_t max) {
  const auto t = text(name);
  if (!t) return;
  auto n = parse_uint(*t, min, max);
  if (!n) return bad_value(name, n.error().message);
  out = static_cast<std::uint32_t>(*n);
}

void ParameterReader::boolean(std::string_view name, bool& out) {
  const auto t = text(name);
  if (!t) return;
  auto b = parse_bool(*t);
  if (!b) return bad_value(name, b.error().message);
  out = *b;
}

void ParameterReader::rate(std::string_view name, Rate& out) {
  const auto t = text(name);
  if (!t) return;
  auto r = parse_rate(*t);
  if (!r) return bad_value(name, r.error().message);
  out = *r;
}

void ParameterReader::listen(std::string_view name, ListenAddress& out) {
  const auto t = text(name);
  if (!t) return;
  auto a = parse_listen_address(*t);
  if (!a) return bad_value(name, a.error().message);
  out = *a;
}

void ParameterReader::path(std::string_view name, std::string& out) {
  const auto t = text(name);
  if (!t) return;
  out = t->empty() ? std::string() : resolve_path(config_directory_, *t);
}

void ParameterReader::readable_file(std::string_view name, std::string& out) {
  path(name, out);
  if (out.empty()) return;
  if (auto readable = check_readable_file(out); !readable) {
    error(name, "cannot read " + std::string(name) + " '" + out + "': " + readable.error().message);
  }
}

}  // namespace sluice::config
