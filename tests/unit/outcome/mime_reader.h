#pragma once
// Just enough MIME reading to check generated reports: header fields (unfolded), multipart
// bodies split at their boundary, and RFC 3464 field groups.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::outcome::test {

struct Field {
  std::string name;
  std::string value;  // unfolded: CRLF before white space removed
};

struct Entity {
  std::vector<Field> fields;
  std::string body;

  std::optional<std::string> field(std::string_view name) const {
    for (const auto& f : fields) {
      if (f.name == name) return f.value;
    }
    return std::nullopt;
  }
};

// Fields of a header block (CRLF lines, no trailing empty line needed).
inline std::vector<Field> parse_fields(std::string_view block) {
  std::vector<Field> fields;
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t end = block.find("\r\n", pos);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back().value += std::string(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string value(line.substr(colon + 1));
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    fields.push_back({std::string(line.substr(0, colon)), value});
  }
  return fields;
}

inline Entity parse_entity(std::string_view text) {
  const std::size_t blank = text.find("\r\n\r\n");
  if (blank == std::string_view::npos) return {parse_fields(text), {}};
  return {parse_fields(text.substr(0, blank + 2)), std::string(text.substr(blank + 4))};
}

// boundary="X" (or boundary=X) from a Content-Type value.
inline std::string boundary_of(std::string_view content_type) {
  const std::size_t at = content_type.find("boundary=");
  if (at == std::string_view::npos) return {};
  std::string_view rest = content_type.substr(at + 9);
  if (!rest.empty() && rest[0] == '"') {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(rest.substr(0, rest.find_first_of("; \t")));
}

// The body parts of a multipart body; nullopt when the close delimiter is missing.
inline std::optional<std::vector<Entity>> split_multipart(std::string_view body,
                                                          const std::string& boundary) {
  const std::string delimiter = "\r\n--" + boundary;
  std::vector<Entity> parts;
  std::size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    std::size_t start = at + delimiter.size();
    if (body.substr(start, 2) == "--") return parts;  // close delimiter
    if (body.substr(start, 2) != "\r\n") return std::nullopt;
    start += 2;
    const std::size_t next = body.find(delimiter, start);
    if (next == std::string_view::npos) return std::nullopt;
    parts.push_back(parse_entity(body.substr(start, next - start)));
    at = next;
  }
  return std::nullopt;
}

// RFC 3464 groups: the per-message fields, then one group per recipient.
inline std::vector<std::vector<Field>> split_groups(std::string_view status) {
  std::vector<std::vector<Field>> groups;
  std::size_t pos = 0;
  while (pos <= status.size()) {
    std::size_t end = status.find("\r\n\r\n", pos);
    if (end == std::string_view::npos) end = status.size();
    auto fields = parse_fields(status.substr(pos, end - pos));
    if (!fields.empty()) groups.push_back(std::move(fields));
    pos = end + 4;
  }
  return groups;
}

inline std::optional<std::string> value_in(const std::vector<Field>& fields,
                                           std::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name) return f.value;
  }
  return std::nullopt;
}

}  // namespace sluice::outcome::test
