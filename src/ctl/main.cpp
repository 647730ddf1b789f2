// sluicectl: the administration command. `sluicectl [-c CONFIG] [-o name=value]... COMMAND ...`
// `config` reads the configuration itself; the other commands talk to the daemon's admin API,
// found through admin_listen, with the token from $SLUICE_TOKEN or the configuration.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "account_command.h"
#include "admin_client.h"
#include "control_command.h"
#include "passwd_command.h"
#include "queue_command.h"
#include "sluice/config/settings_loader.h"

namespace {

constexpr const char* kUsage =
    "usage: sluicectl [-c CONFIG] [-o name=value]... COMMAND [ARGS]\n"
    "  -c CONFIG     main configuration file (default: $SLUICE_CONFIG or /etc/sluice/sluice.cf)\n"
    "  -o name=value override a parameter of the configuration file\n"
    "commands:\n"
    "  config [-n]               print every parameter as `name = value` (-n: only those set)\n"
    "  queue [--dead] [--held]   list the queue like mailq (held messages have `!`)\n"
    "  queue show ID             print every field of one message\n"
    "  queue delete ID           remove a message\n"
    "  queue hold ID             keep a message from delivery\n"
    "  queue release ID          undo hold; the message is due now\n"
    "  queue requeue ID          give a dead message another round of attempts\n"
    "  queue flush               make every active message due now\n"
    "  accounts                  list the upstream accounts: state, breaker, load, counts\n"
    "  account show NAME         every field of one account\n"
    "  account disable NAME      take an account out of rotation (enable: back in)\n"
    "  account limits NAME [--rate R] [--burst N] [--hourly N] [--daily N] [--reason TEXT]\n"
    "                            change an account's rate and quotas while it runs\n"
    "  campaigns                 list the campaigns: rates, priority, state, counts\n"
    "  campaign show ID          every field of one campaign\n"
    "  campaign rate ID RATE [--for 30m] [--burst N] [--reason TEXT]\n"
    "                            set a campaign's rate (--for: then the configured one again)\n"
    "  campaign pause|resume|cancel ID [--reason TEXT]\n"
    "                            stop, restart or drop (its queued mail is removed) a campaign\n"
    "  group pause|resume GROUP [--reason TEXT]\n"
    "                            stop or restart every campaign of a group\n"
    "  passwd [USER] [--iterations N]\n"
    "                            read a password (stdin, or asked twice without echo) and print\n"
    "                            its smtpd_sasl_password_maps entry: `USER hash` or the hash\n"
    "  audit [--campaign ID | --group G | --account A] [--since TIME|30m] [--limit N]\n"
    "                            who changed what, when and why\n"
    "environment: SLUICE_TOKEN overrides the admin token from the configuration\n"
    "exit status: 0 ok, 1 error, 2 usage\n";

struct Options {
  std::string config_file;
  sluice::config::Overrides overrides;
  std::vector<std::string> command;  // the command word and its arguments
};

int config_command(const Options& options) {
  bool non_default_only = false;
  for (std::size_t i = 1; i < options.command.size(); ++i) {
    if (options.command[i] != "-n") {
      std::fprintf(stderr, "sluicectl: config: unexpected argument '%s'\n%s",
                   options.command[i].c_str(), kUsage);
      return 2;
    }
    non_default_only = true;
  }
  std::vector<sluice::config::Diagnostic> diagnostics;
  auto lines = sluice::config::effective_parameters(options.config_file, options.overrides,
                                                    non_default_only, diagnostics);
  for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  for (const auto& line : lines) std::printf("%s = %s\n", line.name.c_str(), line.value.c_str());
  return sluice::config::has_error(diagnostics) ? 1 : 0;
}

// The admin API's address and token from the configuration (and $SLUICE_TOKEN).
std::optional<sluice::ctl::AdminEndpoint> admin_endpoint(const Options& options) {
  auto loaded = sluice::config::load_settings(options.config_file, options.overrides);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    std::fprintf(stderr, "sluicectl: %s has errors\n", options.config_file.c_str());
    return std::nullopt;
  }
  const auto& admin = loaded.settings->admin;
  sluice::ctl::AdminEndpoint endpoint;
  endpoint.host = admin.listen.host;
  // A wildcard listener is reached through loopback.
  if (endpoint.host.empty() || endpoint.host == "0.0.0.0") endpoint.host = "127.0.0.1";
  if (endpoint.host == "::") endpoint.host = "::1";
  endpoint.port = admin.listen.port;
  // With admin TLS the daemon is checked against admin_tls_CAfile, or else against its own
  // certificate (self-signed setups); either way it must name the address dialled.
  if (!admin.tls_cert_file.empty()) {
    endpoint.tls_trust_file = admin.tls_ca_file.empty() ? admin.tls_cert_file : admin.tls_ca_file;
  }
  const char* env_token = std::getenv("SLUICE_TOKEN");
  endpoint.token = env_token && *env_token ? env_token : admin.client_token;
  return endpoint;
}

// Global options up to the command word. Returns an exit status on usage errors and --help.
std::optional<int> parse_options(int argc, char** argv, Options& options) {
  const char* env_config = std::getenv("SLUICE_CONFIG");
  options.config_file = env_config && *env_config ? env_config : "/etc/sluice/sluice.cf";
  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg != "-c" && arg != "-o") break;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "sluicectl: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    std::string value = argv[++i];
    if (arg == "-c") {
      options.config_file = value;
      continue;
    }
    auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "sluicectl: -o wants name=value, got '%s'\n", value.c_str());
      return 2;
    }
    options.overrides.emplace_back(value.substr(0, eq), value.substr(eq + 1));
  }
  if (i == argc) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  options.command.assign(argv + i, argv + argc);
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto status = parse_options(argc, argv, options)) return *status;
  const std::string& command = options.command.front();
  if (command == "config") return config_command(options);
  if (command == "passwd") {
    std::vector<std::string> args(options.command.begin() + 1, options.command.end());
    return sluice::ctl::run_passwd_command(args, std::cin, ::isatty(STDIN_FILENO) == 1, std::cout,
                                           std::cerr);
  }
  using Run = int (*)(sluice::ctl::AdminClient&, const std::vector<std::string>&, std::ostream&,
                      std::ostream&);
  static const std::pair<const char*, Run> kApiCommands[] = {
      {"queue", [](sluice::ctl::AdminClient& c, const std::vector<std::string>& a, std::ostream& o,
                   std::ostream& e) { return sluice::ctl::run_queue_command(c, a, o, e); }},
      {"accounts", sluice::ctl::run_accounts_command},
      {"account", sluice::ctl::run_account_command},
      {"campaigns", sluice::ctl::run_campaigns_command},
      {"campaign", sluice::ctl::run_campaign_command},
      {"group", sluice::ctl::run_group_command},
      {"audit",
       [](sluice::ctl::AdminClient& c, const std::vector<std::string>& a, std::ostream& o,
          std::ostream& e) {
         return sluice::ctl::run_audit_command(c, a, o, e, std::chrono::system_clock::now());
       }},
  };
  for (const auto& [name, run] : kApiCommands) {
    if (command != name) continue;
    auto endpoint = admin_endpoint(options);
    if (!endpoint) return 1;
    sluice::ctl::AdminClient client(*endpoint);
    std::vector<std::string> args(options.command.begin() + 1, options.command.end());
    return run(client, args, std::cout, std::cerr);
  }
  std::fprintf(stderr, "sluicectl: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
