// sluice: the SMTP relay daemon. `sluice -c FILE [-o name=value]... [--check]`.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "campaign_setup.h"
#include "daemon.h"
#include "sluice/config/settings_loader.h"

namespace {

constexpr const char* kUsage =
    "usage: sluice [-c CONFIG] [-o name=value]... [--check]\n"
    "  -c CONFIG     main configuration file (default: $SLUICE_CONFIG or /etc/sluice/sluice.cf)\n"
    "  -o name=value override a parameter of the configuration file\n"
    "  --check       validate the configuration and exit (non-zero on any error)\n"
    "  --version     print the version and exit\n";

}  // namespace

int main(int argc, char** argv) {
  const char* env_config = std::getenv("SLUICE_CONFIG");
  std::string config_file = env_config ? env_config : "/etc/sluice/sluice.cf";
  sluice::config::Overrides overrides;
  bool check_only = false;

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-c" || arg == "-o") && i + 1 < argc) {
      std::string value = argv[++i];
      if (arg == "-c") {
        config_file = value;
        continue;
      }
      auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "sluice: -o wants name=value, got '%s'\n", value.c_str());
        return 2;
      }
      overrides.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (arg == "--check") {
      check_only = true;
    } else if (arg == "--version") {
      std::printf("sluice 0.1.0\n");
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "sluice: unexpected argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }

  auto loaded = sluice::config::load_settings(config_file, overrides);
  for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  bool campaign_errors = false;
  if (loaded.ok()) {
    for (const auto& e : sluice::app::campaign_setup(*loaded.settings).errors) {
      std::fprintf(stderr, "%s\n", e.c_str());
      campaign_errors = true;
    }
  }
  if (!loaded.ok() || campaign_errors) {
    std::fprintf(stderr, "sluice: fatal: %s has errors; not starting\n", config_file.c_str());
    return 1;
  }
  if (check_only) {
    std::printf("sluice: %s: configuration OK\n", config_file.c_str());
    return 0;
  }
  return sluice::app::run_daemon(*loaded.settings);
}
