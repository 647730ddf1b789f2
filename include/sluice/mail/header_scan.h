#pragma once
// Incremental scan of a message's header section: fed the message bytes in any pieces, it stops
// at the end of the header section, counts Received: headers (the hop count) and keeps the
// unfolded values of a few named headers (the campaign headers). Memory stays bounded: names
// and values are capped, nothing else is stored. The server protocol runs one per message.
// Not thread-safe; one instance per message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::mail {

inline constexpr std::size_t kMaxHeaderValue = 998;  // RFC 5322 line limit

class HeaderScanner {
 public:
  // names: the headers whose values to keep (case-insensitive; empty names never match).
  explicit HeaderScanner(std::vector<std::string> names, std::size_t value_cap = kMaxHeaderValue);

  // Feeds the next bytes of the message (CRLF or LF line ends); ignored once done().
  void feed(std::string_view bytes);
  // Ends the scan when the message ended inside its header section.
  void finish();

  // True once the empty line (or a line that cannot be a header) ended the header section.
  bool done() const { return state_ == State::done; }
  std::uint32_t received_count() const { return received_; }
  // The value of names[index]: first occurrence, unfolded, trimmed, at most value_cap bytes;
  // empty when absent. Complete after done() or finish().
  const std::string& value(std::size_t index) const { return values_.at(index); }

 private:
  enum class State : std::uint8_t { line_start, name, before_colon, value, done };

  const char* scan_value(const char* p, const char* end);
  void start_field();
  void end_name();
  void end_field();

  std::vector<std::string> names_;
  std::vector<std::string> values_;
  std::vector<bool> seen_;
  std::size_t value_cap_;
  State state_ = State::line_start;
  std::size_t name_cap_;  // longest wanted name; longer names cannot match
  std::string name_;      // the current field name, capped at name_cap_
  bool name_overflow_ = false;
  bool in_field_ = false;  // a field has started (a continuation line needs one)
  int capture_ = -1;       // index into names_ of the field being captured, or -1
  std::string captured_;   // the raw (unfolded) value of that field, capped
  std::uint32_t received_ = 0;
};

}  // namespace sluice::mail
