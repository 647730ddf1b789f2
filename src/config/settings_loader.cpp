#include "sluice/config/settings_loader.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <set>

#include "parameter_reader.h"
#include "parameters.h"
#include "paths.h"
#include "sluice/config/expansion.h"
#include "sluice/config/main_cf.h"
#include "sluice/config/window_syntax.h"
#include "table_settings.h"
#include "text.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t max_u32 = std::numeric_limits<std::uint32_t>::max();

// The merged parameter definitions of one load: registry defaults, then the file, then -o.
struct Configuration {
  std::string config_file;       // absolute
  std::string config_directory;  // absolute
  Definitions definitions;
  std::set<std::string, std::less<>> set_explicitly;  // registry names defined in file or -o
};

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
  return buffer;
}

// Adds one definition from the file or -o, checking the name against the registry.
void define(Configuration& config, const std::string& name, Definition definition,
            std::vector<Diagnostic>& diagnostics) {
  const ParameterInfo* info = find_parameter(name);
  if (info != nullptr && info->kind == DefaultKind::config_directory) {
    diagnostics.push_back({definition.file, definition.line, true,
                           "config_directory is built in (the folder of the config file) and "
                           "cannot be set"});
    return;
  }
  if (info == nullptr) {
    diagnostics.push_back(
        {definition.file, definition.line, false, "unknown parameter '" + name + "'"});
  } else {
    config.set_explicitly.insert(name);
  }
  config.definitions[name] = std::move(definition);
}

std::optional<Configuration> read_configuration(const std::string& config_file,
                                                const Overrides& overrides,
                                                std::vector<Diagnostic>& diagnostics) {
  Configuration config;
  config.config_file = absolute_path(config_file);
  const auto slash = config.config_file.rfind('/');
  config.config_directory = slash == 0 ? "/" : config.config_file.substr(0, slash);
  auto text = read_text_file(config.config_file);
  if (!text) {
    diagnostics.push_back(
        {config.config_file, 0, true, "cannot read configuration: " + text.error().message});
    return std::nullopt;
  }
  for (const auto& p : parameter_registry()) {
    std::string value(p.default_value);
    if (p.kind == DefaultKind::host_name) value = host_name();
    if (p.kind == DefaultKind::config_directory) value = config.config_directory;
    config.definitions[std::string(p.name)] = Definition{value, config.config_file, 0};
  }
  auto parsed = parse_main_cf(*text, config.config_file);
  diagnostics.insert(diagnostics.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
  for (auto& [name, definition] : parsed.definitions) {
    define(config, name, std::move(definition), diagnostics);
  }
  for (const auto& [name, value] : overrides) {
    const std::string clean(trim(name));
    if (!is_parameter_name(clean)) {
      diagnostics.push_back({"-o", 0, true, "bad parameter name '" + clean + "'"});
      continue;
    }
    define(config, clean, Definition{std::string(trim(value)), "-o", 0}, diagnostics);
  }
  return config;
}

// A list of networks separated by spaces or commas (mynetworks syntax).
void read_networks(ParameterReader& r, std::string_view name, std::vector<Network>& out) {
  auto networks = r.text(name);
  if (!networks) return;
  std::string list = *networks;
  for (char& c : list) c = c == ',' ? ' ' : c;
  std::string_view rest = list;
  while (!(rest = trim(rest)).empty()) {
    const auto word = first_word(rest, rest);
    auto net = parse_network(word);
    if (net)
      out.push_back(*net);
    else
      r.error(name, "bad value for " + std::string(name) + ": " + net.error().message);
  }
}

// The inbound limits beyond the protocol's own: per client IP, data rate, AUTH failures.
void read_smtpd_limits(ParameterReader& r, SmtpdSettings& s) {
  r.number("smtpd_client_connection_count_limit", s.client_connection_count_limit, 0, max_u32);
  r.number("smtpd_client_connection_rate_limit", s.client_connection_rate_limit, 0, max_u32);
  r.number("smtpd_min_data_rate", s.min_data_rate, 0, max_u32);
  r.number("smtpd_auth_failure_limit", s.auth_failure_limit, 0, max_u32);
  r.duration("smtpd_auth_failure_window", s.auth_failure_window, Seconds{1});
  r.duration("smtpd_error_sleep_time", s.error_sleep_time);
  if (auto wrapper = r.text("smtpd_tls_wrapper_listen"); wrapper && !wrapper->empty()) {
    ListenAddress address;
    r.listen("smtpd_tls_wrapper_listen", address);
    s.tls_wrapper_listen = address;
  }
}

void read_smtpd(ParameterReader& r, SmtpdSettings& s) {
  r.listen("smtpd_listen", s.listen);
  if (auto host = r.text("myhostname")) {
    if (host->empty() || host->find_first_of(" \t") != std::string::npos) {
      r.error("myhostname", "bad value for myhostname: must be one non-empty word");
    }
    s.myhostname = *host;
  }
  if (auto banner = r.text("smtpd_banner")) s.banner = *banner;
  read_networks(r, "mynetworks", s.mynetworks);
  // The default, $mynetworks: the same list, and its errors are reported once, at mynetworks.
  if (r.text("smtpd_client_event_limit_exceptions") == r.text("mynetworks")) {
    s.client_event_limit_exceptions = s.mynetworks;
  } else {
    read_networks(r, "smtpd_client_event_limit_exceptions", s.client_event_limit_exceptions);
  }
  r.size("message_size_limit", s.message_size_limit);
  r.number("smtpd_recipient_limit", s.recipient_limit, 1, max_u32);
  r.duration("smtpd_timeout", s.timeout, Seconds{1});
  r.number("line_length_limit", s.line_length_limit, 512, 1u << 20);
  r.number("hopcount_limit", s.hopcount_limit, 1, 1000);
  r.number("smtpd_max_connections", s.max_connections, 1, max_u32);
  r.number("smtpd_hard_error_limit", s.hard_error_limit, 1, max_u32);
  for (auto [name, out] : {std::pair{"campaign_header", &s.campaign_header},
                           std::pair{"campaign_group_header", &s.campaign_group_header}}) {
    auto header = r.text(name);
    if (!header) continue;
    const bool ok = !header->empty() && header->find_first_of(": \t") == std::string::npos;
    if (ok)
      *out = *header;
    else
      r.error(name, "bad value for " + std::string(name) + ": not a header field name");
  }
  r.readable_file("smtpd_tls_cert_file", s.tls_cert_file);
  r.readable_file("smtpd_tls_key_file", s.tls_key_file);
  if (auto level = r.text("smtpd_tls_security_level")) {
    if (*level == "none")
      s.tls_security_level = TlsSecurityLevel::none;
    else if (*level == "may")
      s.tls_security_level = TlsSecurityLevel::may;
    else if (*level == "encrypt")
      s.tls_security_level = TlsSecurityLevel::encrypt;
    else
      r.error("smtpd_tls_security_level", "bad value for smtpd_tls_security_level: '" + *level +
                                              "' is not none, may or encrypt");
  }
  r.boolean("smtpd_sasl_auth_enable", s.sasl_auth_enable);
  r.boolean("smtpd_tls_auth_only", s.tls_auth_only);
  read_smtpd_limits(r, s);
}

void read_queue(ParameterReader& r, QueueSettings& q) {
  r.path("queue_directory", q.directory);
  if (q.directory.empty()) r.error("queue_directory", "queue_directory must not be empty");
  r.size("queue_map_size", q.map_size, 1u << 20);
  r.size("queue_map_size_limit", q.map_size_limit, 1u << 20);
  r.duration("maximal_queue_lifetime", q.maximal_queue_lifetime);
  r.duration("minimal_backoff_time", q.minimal_backoff_time, Seconds{1});
  r.duration("maximal_backoff_time", q.maximal_backoff_time, Seconds{1});
  r.duration("dead_message_lifetime", q.dead_message_lifetime);
  r.number("delivery_concurrency_limit", q.delivery_concurrency, 1, 1'000'000);
}

void read_delivery(ParameterReader& r, DeliverySettings& d) {
  r.duration("smtp_connect_timeout", d.connect_timeout, Seconds{1});
  r.duration("smtp_helo_timeout", d.helo_timeout, Seconds{1});
  r.duration("smtp_mail_timeout", d.mail_timeout, Seconds{1});
  r.duration("smtp_data_init_timeout", d.data_init_timeout, Seconds{1});
  r.duration("smtp_data_xfer_timeout", d.data_xfer_timeout, Seconds{1});
  r.duration("smtp_data_done_timeout", d.data_done_timeout, Seconds{1});
  r.duration("smtp_quit_timeout", d.quit_timeout, Seconds{1});
  r.duration("smtp_connection_cache_time_limit", d.connection_cache_time_limit);
  r.duration("smtp_heartbeat_interval", d.heartbeat_interval);
  r.number("smtp_breaker_failure_threshold", d.breaker_failure_threshold, 1, 1'000'000);
  r.duration("smtp_breaker_cool_down", d.breaker_cool_down, Seconds{1});
  r.duration("smtp_quota_rest_time", d.quota_rest_time, Seconds{1});
  r.duration("smtp_auth_rest_time", d.auth_rest_time, Seconds{1});
  if (auto servers = r.text("dns_servers")) d.dns_servers = *servers;
}

void read_admin(ParameterReader& r, AdminSettings& a) {
  r.listen("admin_listen", a.listen);
  r.readable_file("admin_tls_cert_file", a.tls_cert_file);
  // Only the daemon reads the key (AdminServer::start() reports it); sluicectl, which loads
  // these settings too, may not be allowed to.
  r.path("admin_tls_key_file", a.tls_key_file);
  r.readable_file("admin_tls_CAfile", a.tls_ca_file);
}

// Only these stay on the machine; a name other than localhost may resolve anywhere.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  for (const char* net : {"127.0.0.0/8", "::1/128"}) {
    if (parse_network(net)->contains(host)) return true;
  }
  return false;
}

// The admin API hands out control of the relay: off the loopback interface it needs tokens,
// and without TLS those tokens cross the network readable.
void check_admin(ParameterReader& r, const AdminSettings& a) {
  if (a.tls_cert_file.empty() != a.tls_key_file.empty()) {
    r.error(a.tls_cert_file.empty() ? "admin_tls_key_file" : "admin_tls_cert_file",
            "admin_tls_cert_file and admin_tls_key_file go together");
  }
  const bool tls = !a.tls_cert_file.empty() && !a.tls_key_file.empty();
  if (!a.tls_ca_file.empty() && !tls) {
    r.warning("admin_tls_CAfile", "admin_tls_CAfile has no effect without admin_tls_cert_file");
  }
  if (is_loopback(a.listen.host)) return;
  if (a.tokens.empty()) {
    r.error("admin_listen", "admin_listen " + a.listen.to_string() +
                                " is not a loopback address: it needs tokens in admin_tokens");
  } else if (!tls) {
    r.warning("admin_listen", "admin_listen " + a.listen.to_string() +
                                  " is not a loopback address and admin TLS is off: tokens "
                                  "cross the network in clear text (set admin_tls_cert_file)");
  }
}

// The defaults of campaigns not in campaign_maps (and of table lines without rate=, window= or
// tz=), then the table itself.
void read_campaigns(ParameterReader& r, Settings& s, std::vector<Diagnostic>& found) {
  r.rate("default_campaign_rate", s.default_campaign_rate);
  if (auto window = r.text("default_campaign_window")) {
    if (auto ok = check_window_syntax(*window); ok)
      s.default_campaign_window = std::string(trim(*window));
    else
      r.error("default_campaign_window",
              "bad value for default_campaign_window: " + ok.error().message);
  }
  if (auto zone = r.text("default_campaign_time_zone")) {
    if (auto ok = check_time_zone_name(*zone); ok)
      s.default_campaign_time_zone = *zone;
    else
      r.error("default_campaign_time_zone",
              "bad value for default_campaign_time_zone: " + ok.error().message);
  }
  load_campaigns(r, s, found);
}

// Rules that involve more than one parameter; reported at the one that most likely is wrong.
void cross_check(ParameterReader& r, const Settings& s) {
  if (s.queue.maximal_backoff_time < s.queue.minimal_backoff_time) {
    r.error("maximal_backoff_time",
            "maximal_backoff_time must not be less than "
            "minimal_backoff_time");
  }
  if (s.queue.map_size > s.queue.map_size_limit) {
    r.error("queue_map_size", "queue_map_size must not exceed queue_map_size_limit");
  }
  if (s.smtpd.tls_cert_file.empty() != s.smtpd.tls_key_file.empty()) {
    r.error("smtpd_tls_cert_file", "smtpd_tls_cert_file and smtpd_tls_key_file go together");
  }
  if (s.smtpd.tls_security_level != TlsSecurityLevel::none && s.smtpd.tls_cert_file.empty()) {
    r.error("smtpd_tls_security_level",
            "smtpd_tls_security_level may or encrypt needs smtpd_tls_cert_file and "
            "smtpd_tls_key_file");
  }
  check_admin(r, s.admin);
  if (s.smtpd.tls_wrapper_listen && s.smtpd.tls_cert_file.empty()) {
    r.error("smtpd_tls_wrapper_listen",
            "smtpd_tls_wrapper_listen needs smtpd_tls_cert_file and smtpd_tls_key_file");
  }
  if (s.smtpd.tls_wrapper_listen &&
      s.smtpd.tls_wrapper_listen->to_string() == s.smtpd.listen.to_string()) {
    r.error("smtpd_tls_wrapper_listen", "smtpd_tls_wrapper_listen is the same as smtpd_listen");
  }
  if (s.smtpd.sasl_auth_enable && s.smtpd.sasl_users.empty()) {
    r.error("smtpd_sasl_auth_enable",
            "smtpd_sasl_auth_enable = yes needs users in smtpd_sasl_password_maps");
  }
  if (s.smtpd.sasl_auth_enable && s.smtpd.tls_auth_only &&
      s.smtpd.tls_security_level == TlsSecurityLevel::none) {
    r.warning("smtpd_sasl_auth_enable",
              "AUTH is never offered: smtpd_tls_auth_only = yes and smtpd_tls_security_level "
              "= none");
  }
}

}  // namespace

LoadResult load_settings(const std::string& config_file, const Overrides& overrides) {
  LoadResult result;
  auto& diagnostics = result.diagnostics;
  auto config = read_configuration(config_file, overrides, diagnostics);
  if (!config) return result;
  Expander expander(config->definitions);
  std::vector<Diagnostic> found;
  ParameterReader r(config->definitions, expander, config->config_directory, found);

  Settings s;
  s.config_file = config->config_file;
  s.config_directory = config->config_directory;
  r.number("io_threads", s.io_threads, 0, 1024);
  if (auto level = r.text("log_level")) {
    static constexpr std::string_view levels[] = {"trace", "debug", "info", "warn", "error"};
    if (std::find(std::begin(levels), std::end(levels), *level) != std::end(levels)) {
      s.log_level = *level;
    } else {
      r.error("log_level",
              "bad value for log_level: '" + *level + "' is not trace, debug, info, warn or error");
    }
  }
  read_smtpd(r, s.smtpd);
  read_queue(r, s.queue);
  read_admin(r, s.admin);
  r.listen("metrics_listen", s.metrics_listen);
  r.duration("metrics_campaign_linger", s.metrics_campaign_linger);
  r.number("metrics_campaign_limit", s.metrics_campaign_limit, 0, 100'000);
  r.readable_file("smtp_tls_CAfile", s.smtp_tls_ca_file);
  read_campaigns(r, s, found);
  read_delivery(r, s.delivery);
  load_accounts(r, s, found);
  load_sender_pools(r, s, found);
  load_admin_tokens(r, s.admin, found);
  load_sasl_users(r, s.smtpd, found);
  load_sender_logins(r, s.smtpd, found);
  cross_check(r, s);

  // Expansion problems first: they usually explain the value errors that follow.
  diagnostics.insert(diagnostics.end(), expander.diagnostics().begin(),
                     expander.diagnostics().end());
  diagnostics.insert(diagnostics.end(), found.begin(), found.end());
  if (!has_error(diagnostics)) result.settings = std::move(s);
  return result;
}

std::vector<ParameterLine> effective_parameters(const std::string& config_file,
                                                const Overrides& overrides, bool non_default_only,
                                                std::vector<Diagnostic>& diagnostics) {
  std::vector<ParameterLine> lines;
  auto config = read_configuration(config_file, overrides, diagnostics);
  if (!config) return lines;
  Expander expander(config->definitions);
  // A secret can also show through another parameter that expands it ($admin_tokens).
  std::vector<std::string> secrets;
  for (const auto& p : parameter_registry()) {
    if (!p.is_secret) continue;
    auto value = expander.value(p.name);
    if (value && !value->empty()) secrets.push_back(*value);
  }
  auto shows_secret = [&](const ParameterLine& line) {
    if (line.value.empty()) return false;
    if (find_parameter(line.name)->is_secret) return true;
    return std::any_of(secrets.begin(), secrets.end(), [&](const std::string& secret) {
      return line.value.find(secret) != std::string::npos;
    });
  };
  for (const auto& p : parameter_registry()) {
    const bool is_default = config->set_explicitly.count(p.name) == 0;
    if (non_default_only && is_default) continue;
    const Definition& definition = config->definitions.find(p.name)->second;
    auto value = expander.value(p.name);
    ParameterLine line{std::string(p.name), value ? *value : definition.value, is_default};
    if (shows_secret(line)) line.value = "(hidden)";
    lines.push_back(std::move(line));
  }
  diagnostics.insert(diagnostics.end(), expander.diagnostics().begin(),
                     expander.diagnostics().end());
  return lines;
}

}  // namespace sluice::config
