#include "parameters.h"

#include <algorithm>
#include <array>

namespace sluice::config {
namespace {

using K = DefaultKind;

// Keep sorted by name (checked by a unit test); defaults match conf/sluice.cf and settings.h.
// The *_maps and admin_tokens values name where secrets live; they are masked in case
// someone pastes a secret where a table belongs.
constexpr std::array registry{
    ParameterInfo{"admin_listen", "127.0.0.1:8025", false, "admin HTTP API address"},
    ParameterInfo{"admin_tls_CAfile", "", false, "sluicectl's CA file (empty: the admin cert)"},
    ParameterInfo{"admin_tls_cert_file", "", false, "admin API certificate chain (PEM): HTTPS"},
    ParameterInfo{"admin_tls_key_file", "", false, "admin API private key (PEM)"},
    ParameterInfo{"admin_tokens", "", true, "table of `name token` for the admin API"},
    ParameterInfo{"campaign_group_header", "X-Campaign-Group", false, "campaign group header"},
    ParameterInfo{"campaign_header", "X-Campaign-ID", false, "campaign id header"},
    ParameterInfo{"campaign_maps", "", false, "table of `campaign-id rate=N/s group=G ...`"},
    ParameterInfo{"config_directory", "", false, "folder of this file (read-only)",
                  K::config_directory},
    ParameterInfo{"dead_message_lifetime", "7d", false, "how long dead messages are kept"},
    ParameterInfo{"default_campaign_rate", "0", false, "rate per campaign (0: unlimited)"},
    ParameterInfo{"default_campaign_time_zone", "UTC", false, "zone of campaign windows"},
    ParameterInfo{"default_campaign_window", "always", false, "when campaigns may send"},
    ParameterInfo{"delivery_concurrency_limit", "64", false, "deliveries in progress at once"},
    ParameterInfo{"dns_servers", "", false, "DNS servers host:port,... (empty: resolv.conf)"},
    ParameterInfo{"hopcount_limit", "50", false, "maximal Received: headers"},
    ParameterInfo{"io_threads", "0", false, "network threads (0: one per core)"},
    ParameterInfo{"line_length_limit", "2048", false, "maximal SMTP command line length"},
    ParameterInfo{"log_level", "info", false, "trace, debug, info, warn or error"},
    ParameterInfo{"mail_name", "sluice", false, "name in the banner"},
    ParameterInfo{"maximal_backoff_time", "4000s", false, "longest retry delay"},
    ParameterInfo{"maximal_queue_lifetime", "5d", false, "bounce after this long in the queue"},
    ParameterInfo{"message_size_limit", "10240000", false, "bytes per message (0: unlimited)"},
    ParameterInfo{"metrics_campaign_limit", "500", false, "most campaigns exported per scrape"},
    ParameterInfo{"metrics_campaign_linger", "10m", false,
                  "idle campaigns stay exported this long"},
    ParameterInfo{"metrics_listen", "127.0.0.1:9465", false, "Prometheus endpoint address"},
    ParameterInfo{"minimal_backoff_time", "300s", false, "shortest retry delay"},
    ParameterInfo{"myhostname", "", false, "this host's name (default: gethostname)", K::host_name},
    ParameterInfo{"mynetworks", "127.0.0.0/8 [::1]/128", false, "clients that may relay"},
    ParameterInfo{"queue_directory", "/var/spool/sluice", false, "where the queue lives"},
    ParameterInfo{"queue_map_size", "1073741824", false, "initial LMDB map size"},
    ParameterInfo{"queue_map_size_limit", "68719476736", false, "LMDB map size limit"},
    ParameterInfo{"sender_pool_maps", "", false, "table of `sender|@domain|group:NAME pool`"},
    ParameterInfo{"smtp_auth_rest_time", "300s", false, "wait after a refused AUTH"},
    ParameterInfo{"smtp_breaker_cool_down", "30s", false, "open circuit breaker waits this long"},
    ParameterInfo{"smtp_breaker_failure_threshold", "5", false, "failures that open the breaker"},
    ParameterInfo{"smtp_connect_timeout", "30s", false, "TCP connect timeout per address"},
    ParameterInfo{"smtp_connection_cache_time_limit", "2s", false,
                  "idle upstream connection reuse"},
    ParameterInfo{"smtp_data_done_timeout", "600s", false, "wait for the reply after the message"},
    ParameterInfo{"smtp_data_init_timeout", "120s", false, "wait for the DATA reply"},
    ParameterInfo{"smtp_data_xfer_timeout", "180s", false, "time to send the message"},
    ParameterInfo{"smtp_heartbeat_interval", "60s", false, "account health checks (0: off)"},
    ParameterInfo{"smtp_helo_timeout", "300s", false, "greeting, EHLO, STARTTLS and AUTH"},
    ParameterInfo{"smtp_mail_timeout", "300s", false, "RSET, MAIL, RCPT and NOOP replies"},
    ParameterInfo{"smtp_quit_timeout", "300s", false, "wait for the QUIT reply"},
    ParameterInfo{"smtp_quota_rest_time", "3600s", false, "account rest after a quota reply"},
    ParameterInfo{"smtp_sasl_password_maps", "", true, "table of `account user:password`"},
    ParameterInfo{"smtp_tls_CAfile", "", false, "CA file for upstream TLS (empty: system)"},
    ParameterInfo{"smtpd_auth_failure_limit", "5", false,
                  "failed AUTH attempts per client IP, then 454 (0: off)"},
    ParameterInfo{"smtpd_auth_failure_window", "300s", false,
                  "the window smtpd_auth_failure_limit counts in"},
    ParameterInfo{"smtpd_banner", "$myhostname ESMTP $mail_name", false, "220 greeting text"},
    ParameterInfo{"smtpd_client_connection_count_limit", "50", false,
                  "connections per client IP (0: off)"},
    ParameterInfo{"smtpd_client_connection_rate_limit", "0", false,
                  "new connections per IP per 60s (0: off)"},
    ParameterInfo{"smtpd_client_event_limit_exceptions", "$mynetworks", false,
                  "clients exempt from per-IP limits"},
    ParameterInfo{"smtpd_error_sleep_time", "1s", false, "pause before a failed AUTH reply"},
    ParameterInfo{"smtpd_hard_error_limit", "20", false, "errors before disconnect"},
    ParameterInfo{"smtpd_listen", "127.0.0.1:2525", false, "SMTP listen address"},
    ParameterInfo{"smtpd_max_connections", "10000", false, "concurrent SMTP clients"},
    ParameterInfo{"smtpd_min_data_rate", "500", false,
                  "bytes/s a DATA/BDAT client must keep (0: off)"},
    ParameterInfo{"smtpd_recipient_limit", "1000", false, "recipients per message"},
    ParameterInfo{"smtpd_sasl_auth_enable", "no", false, "offer SMTP AUTH to clients"},
    ParameterInfo{"smtpd_sasl_password_maps", "", true,
                  "table of `user hash` (sluicectl passwd) for AUTH"},
    ParameterInfo{"smtpd_sender_login_maps", "", false,
                  "table of `sender|@domain user,...` for AUTH users"},
    ParameterInfo{"smtpd_timeout", "300s", false, "time to wait for a client command"},
    ParameterInfo{"smtpd_tls_auth_only", "yes", false, "offer AUTH only after STARTTLS"},
    ParameterInfo{"smtpd_tls_cert_file", "", false, "server certificate chain (PEM)"},
    ParameterInfo{"smtpd_tls_key_file", "", false, "server private key (PEM)"},
    ParameterInfo{"smtpd_tls_security_level", "none", false, "none, may or encrypt"},
    ParameterInfo{"smtpd_tls_wrapper_listen", "", false, "SMTPS listen address (empty: none)"},
    ParameterInfo{"upstream_accounts", "$config_directory/accounts.cf", false,
                  "the upstream accounts file"},
};

}  // namespace

std::span<const ParameterInfo> parameter_registry() { return registry; }

const ParameterInfo* find_parameter(std::string_view name) {
  const auto it =
      std::lower_bound(registry.begin(), registry.end(), name,
                       [](const ParameterInfo& p, std::string_view n) { return p.name < n; });
  return it != registry.end() && it->name == name ? &*it : nullptr;
}

}  // namespace sluice::config
