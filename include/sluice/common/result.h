#pragma once
// Result<T>: the value of an operation that can fail in an expected way (bad input, full disk,
// missing record). Exceptions stay for start-up and programming errors. std::expected would do,
// but clang 16 cannot compile libstdc++ 12's <expected>, and the fuzz build uses clang 16.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

enum class ErrorCode {
  failed,     // anything without a more specific code
  invalid,    // malformed input (config, request, record)
  not_found,  // the named thing does not exist
  no_space,   // disk or LMDB map full: a temporary condition for the client
};

struct Error {
  ErrorCode code = ErrorCode::failed;
  std::string message;
};

inline Error make_error(std::string message, ErrorCode code = ErrorCode::failed) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace sluice
