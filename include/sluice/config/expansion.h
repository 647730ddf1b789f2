#pragma once
// Expands $name, ${name}, $(name), ${name?text}, ${name:text} and $$ in parameter values, as
// Postfix's mac_expand does: recursively, memoised, with loop detection. Undefined names
// expand to empty with a warning. Used by the settings loader and `sluicectl config`; one
// instance per load, single-threaded.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/config/diagnostic.h"
#include "sluice/config/main_cf.h"

namespace sluice::config {

class Expander {
 public:
  // `definitions` must outlive the Expander.
  explicit Expander(const Definitions& definitions) : definitions_(definitions) {}

  // The expanded value of a defined parameter. Loops, unbalanced brackets and runaway results
  // are errors, reported once as a diagnostic at the definition that causes them.
  Result<std::string> value(std::string_view name);

  // Expands free text as if it were the value of `owner` defined at `where`.
  Result<std::string> expand(std::string_view text, std::string_view owner,
                             const Definition& where);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  static constexpr std::size_t max_value_size = 1 << 20;
  static constexpr int max_depth = 100;

 private:
  enum class State { expanding, done, failed };
  struct Entry {
    State state = State::expanding;
    std::string value;
  };

  Result<void> expand_into(std::string& out, std::string_view text, std::string_view owner,
                           const Definition& where, int depth);
  Result<void> expand_reference(std::string& out, std::string_view inner, std::string_view owner,
                                const Definition& where, int depth);
  Result<std::string> value_of(std::string_view name, const Definition& referrer, int depth);
  Error fail(const Definition& where, std::string message);

  const Definitions& definitions_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> stack_;  // names being expanded, for loop messages
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace sluice::config
