// Arbitrary text as the accounts file: parsing never crashes, every account it returns is
// complete (named, with an endpoint), and maildir paths come out absolute.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sluice/config/accounts_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sluice::config::parse_accounts_file(text, "fuzz.cf", "/etc/sluice");
  for (const auto& a : parsed.accounts) {
    if (a.name.empty() || a.line <= 0) std::abort();
    if (a.kind == sluice::config::EndpointKind::smtp && (a.host.empty() || a.port == 0)) {
      std::abort();
    }
    if (a.kind == sluice::config::EndpointKind::maildir && a.maildir_path.front() != '/') {
      std::abort();
    }
    if (a.weight == 0 || a.max_connections == 0) std::abort();
  }
  for (const auto& d : parsed.diagnostics) (void)d.to_string();
  return 0;
}
