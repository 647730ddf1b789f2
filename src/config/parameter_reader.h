#pragma once
// Typed access to the expanded parameters of one load, for the settings loader. Each getter
// leaves `out` alone and records an error at the parameter's definition (file:line) when the
// value is bad, so one pass reports every problem. Single-threaded, lives for one load.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/config/diagnostic.h"
#include "sluice/config/expansion.h"
#include "sluice/config/main_cf.h"
#include "sluice/config/settings.h"

namespace sluice::config {

class ParameterReader {
 public:
  // All referenced objects must outlive the reader. `definitions` holds every registry
  // parameter (defaults included).
  ParameterReader(const Definitions& definitions, Expander& expander, std::string config_directory,
                  std::vector<Diagnostic>& diagnostics)
      : definitions_(definitions),
        expander_(expander),
        config_directory_(std::move(config_directory)),
        diagnostics_(diagnostics) {}

  // The expanded value; nullopt when expansion failed (already reported).
  std::optional<std::string> text(std::string_view name);

  void duration(std::string_view name, Seconds& out, Seconds min = Seconds{0});
  void size(std::string_view name, std::uint64_t& out, std::uint64_t min = 0);
  void number(std::string_view name, std::uint32_t& out, std::uint64_t min, std::uint64_t max);
  void boolean(std::string_view name, bool& out);
  void rate(std::string_view name, Rate& out);
  void listen(std::string_view name, ListenAddress& out);
  // Resolved against config_directory; an empty value stays empty.
  void path(std::string_view name, std::string& out);
  // Like path(), and the file must be readable.
  void readable_file(std::string_view name, std::string& out);

  void error(std::string_view name, std::string message) { report(name, true, std::move(message)); }
  void warning(std::string_view name, std::string message) {
    report(name, false, std::move(message));
  }
  const std::string& config_directory() const { return config_directory_; }

 private:
  void report(std::string_view name, bool is_error, std::string message);
  void bad_value(std::string_view name, const std::string& why);

  const Definitions& definitions_;
  Expander& expander_;
  std::string config_directory_;
  std::vector<Diagnostic>& diagnostics_;
};

}  // namespace sluice::config
