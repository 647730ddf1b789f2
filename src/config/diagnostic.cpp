#include "sluice/config/diagnostic.h"

namespace sluice::config {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += error ? ": " : ": warning: ";
  out += message;
  return out;
}

}  // namespace sluice::config
