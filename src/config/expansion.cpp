#include "sluice/config/expansion.h"

namespace sluice::config {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Index of the bracket closing the one at `open`, counting nesting; npos if unbalanced.
std::size_t matching_close(std::string_view text, std::size_t open) {
  const char opener = text[open];
  const char closer = opener == '{' ? '}' : ')';
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == opener) {
      ++depth;
    } else if (text[i] == closer && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Error Expander::fail(const Definition& where, std::string message) {
  diagnostics_.push_back({where.file, where.line, true, message});
  return make_error(std::move(message), ErrorCode::invalid);
}

Result<std::string> Expander::value(std::string_view name) {
  const auto it = definitions_.find(name);
  if (it == definitions_.end()) {
    return make_error("undefined parameter " + std::string(name), ErrorCode::not_found);
  }
  return value_of(name, it->second, 0);
}

Result<std::string> Expander::expand(std::string_view text, std::string_view owner,
                                     const Definition& where) {
  std::string out;
  if (auto r = expand_into(out, text, owner, where, 0); !r) return r.error();
  return out;
}

// `referrer` is where the reference was written: loops are reported there.
Result<std::string> Expander::value_of(std::string_view name, const Definition& referrer,
                                       int depth) {
  const auto known = entries_.find(name);
  if (known != entries_.end()) {
    switch (known->second.state) {
      case State::done:
        return known->second.value;
      case State::failed:
        return make_error("expansion of $" + std::string(name) + " failed", ErrorCode::invalid);
      case State::expanding: {
        std::string chain;
        bool in_loop = false;
        for (const auto& n : stack_) {
          in_loop = in_loop || n == name;
          if (in_loop) chain += "$" + n + " -> ";
        }
        return fail(referrer, "expansion loop: " + chain + "$" + std::string(name));
      }
    }
  }
  if (depth > max_depth) {
    return fail(referrer, "parameter expansion nested more than " + std::to_string(max_depth) +
                              " levels deep");
  }
  const Definition& definition = definitions_.find(name)->second;
  auto& entry = entries_[std::string(name)];
  entry.state = State::expanding;
  stack_.emplace_back(name);
  std::string out;
  auto r = expand_into(out, definition.value, name, definition, depth + 1);
  stack_.pop_back();
  if (!r) {  // `entry` is still valid: std::map does not move its nodes
    entry.state = State::failed;
    return r.error();
  }
  entry.state = State::done;
  entry.value = out;
  return out;
}

Result<void> Expander::expand_into(std::string& out, std::string_view text, std::string_view owner,
                                   const Definition& where, int depth) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find('$', i);
    out.append(text.substr(i, dollar == std::string_view::npos ? text.npos : dollar - i));
    if (dollar == std::string_view::npos) break;
    const char next = dollar + 1 < text.size() ? text[dollar + 1] : '\0';
    if (next == '$') {  // "$$" is a literal '$'
      out += '$';
      i = dollar + 2;
    } else if (next == '{' || next == '(') {
      const std::size_t close = matching_close(text, dollar + 1);
      if (close == std::string_view::npos) {
        return fail(where,
                    "value of " + std::string(owner) + ": unbalanced '" + next + "' after '$'");
      }
      const auto inner = text.substr(dollar + 2, close - dollar - 2);
      if (auto r = expand_reference(out, inner, owner, where, depth); !r) return r;
      i = close + 1;
    } else if (is_name_char(next)) {
      std::size_t end = dollar + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (auto r =
              expand_reference(out, text.substr(dollar + 1, end - dollar - 1), owner, where, depth);
          !r) {
        return r;
      }
      i = end;
    } else {  // a '$' that starts no reference stays as written
      out += '$';
      i = dollar + 1;
    }
    if (out.size() > max_value_size) {
      return fail(where, "value of " + std::string(owner) + " is longer than " +
                             std::to_string(max_value_size) + " bytes after expansion");
    }
  }
  return {};
}

// `inner` is "name", "name?text" or "name:text" (the brackets removed).
Result<void> Expander::expand_reference(std::string& out, std::string_view inner,
                                        std::string_view owner, const Definition& where,
                                        int depth) {
  std::size_t end = 0;
  while (end < inner.size() && is_name_char(inner[end])) ++end;
  const std::string_view name = inner.substr(0, end);
  const std::string_view rest = inner.substr(end);
  if (name.empty() || (!rest.empty() && rest.front() != '?' && rest.front() != ':')) {
    return fail(where, "value of " + std::string(owner) + ": bad expression '${" +
                           std::string(inner) + "}'");
  }
  std::string value;
  if (definitions_.find(name) != definitions_.end()) {
    auto r = value_of(name, where, depth);
    if (!r) return r.error();
    value = std::move(*r);
  } else if (rest.empty()) {
    diagnostics_.push_back({where.file, where.line, false,
                            "value of " + std::string(owner) + ": undefined parameter $" +
                                std::string(name) + " expands to nothing"});
  }
  if (rest.empty()) {
    out += value;
    return {};
  }
  const bool wanted = rest.front() == '?' ? !value.empty() : value.empty();
  if (!wanted) return {};
  if (depth > max_depth) {
    return fail(where, "value of " + std::string(owner) + " nested more than " +
                           std::to_string(max_depth) + " levels deep");
  }
  return expand_into(out, rest.substr(1), owner, where, depth + 1);
}

}  // namespace sluice::config
