#pragma once
// The typed configuration every stage is built from: parsed once from sluice.cf (main.cf
// syntax), the accounts file and the lookup tables it names. Each stage takes only its own
// struct. Defaults are documented in conf/sluice.cf and config/parameters.cpp.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/password_hash.h"
#include "sluice/config/network.h"

namespace sluice::config {

using Seconds = std::chrono::seconds;

// smtpd_tls_security_level: none (no STARTTLS), may (offered), encrypt (required).
enum class TlsSecurityLevel { none, may, encrypt };

struct SmtpdSettings {
  ListenAddress listen{"127.0.0.1", 2525};                 // smtpd_listen
  std::string myhostname;                                  // myhostname (default: the host's name)
  std::string banner;                                      // smtpd_banner, after expansion
  std::vector<Network> mynetworks;                         // mynetworks: clients that may relay
  std::uint64_t message_size_limit = 10'240'000;           // message_size_limit (0: unlimited)
  std::uint32_t recipient_limit = 1000;                    // smtpd_recipient_limit
  Seconds timeout{300};                                    // smtpd_timeout, per command line
  std::uint32_t line_length_limit = 2048;                  // line_length_limit (command lines)
  std::uint32_t hopcount_limit = 50;                       // hopcount_limit
  std::string campaign_header = "X-Campaign-ID";           // campaign_header
  std::string campaign_group_header = "X-Campaign-Group";  // campaign_group_header
  std::uint32_t max_connections = 10'000;                  // smtpd_max_connections
  std::uint32_t hard_error_limit = 20;  // smtpd_hard_error_limit: errors, then 421
  // Per client IP, as Postfix (0: unlimited); clients in client_event_limit_exceptions
  // (smtpd_client_event_limit_exceptions, default $mynetworks) are exempt.
  std::uint32_t client_connection_count_limit = 50;  // smtpd_client_connection_count_limit
  std::uint32_t client_connection_rate_limit = 0;    // ..._rate_limit: new ones per 60 s
  std::vector<Network> client_event_limit_exceptions;
  std::uint32_t min_data_rate = 500;  // smtpd_min_data_rate: bytes/s in DATA/BDAT (0: off)
  std::optional<ListenAddress> tls_wrapper_listen;  // smtpd_tls_wrapper_listen: SMTPS (unset: off)
  std::string tls_cert_file;                        // smtpd_tls_cert_file (absolute, or empty)
  std::string tls_key_file;                         // smtpd_tls_key_file (absolute, or empty)
  TlsSecurityLevel tls_security_level = TlsSecurityLevel::none;  // smtpd_tls_security_level
  bool sasl_auth_enable = false;                                 // smtpd_sasl_auth_enable
  bool tls_auth_only = true;                       // smtpd_tls_auth_only: AUTH only after TLS
  std::map<std::string, PasswordHash> sasl_users;  // smtpd_sasl_password_maps: user -> hash
  std::uint32_t auth_failure_limit = 5;            // smtpd_auth_failure_limit (0: unlimited)
  Seconds auth_failure_window{300};                // smtpd_auth_failure_window
  Seconds error_sleep_time{1};                     // smtpd_error_sleep_time: pause before 535
  // smtpd_sender_login_maps: sender address or @domain -> the users that may send as it
  // (empty: authenticated users may use any sender).
  std::map<std::string, std::vector<std::string>> sender_logins;
};

struct QueueSettings {
  std::string directory;                       // queue_directory (absolute after loading)
  std::uint64_t map_size = 1ull << 30;         // queue_map_size: initial LMDB map size
  std::uint64_t map_size_limit = 64ull << 30;  // queue_map_size_limit: growth stops here
  Seconds maximal_queue_lifetime{5 * 86400};   // maximal_queue_lifetime
  Seconds minimal_backoff_time{300};           // minimal_backoff_time
  Seconds maximal_backoff_time{4000};          // maximal_backoff_time
  Seconds dead_message_lifetime{7 * 86400};    // dead_message_lifetime
  std::uint32_t delivery_concurrency = 64;     // delivery_concurrency_limit: deliveries at once
};

struct AdminSettings {
  ListenAddress listen{"127.0.0.1", 8025};    // admin_listen
  std::map<std::string, std::string> tokens;  // admin_tokens: token -> name
  std::string client_token;                   // admin_tokens first line: sluicectl sends it
  // HTTPS instead of HTTP when both are set (absolute, or empty).
  std::string tls_cert_file;  // admin_tls_cert_file: certificate chain (PEM)
  std::string tls_key_file;   // admin_tls_key_file: private key (PEM)
  // admin_tls_CAfile: what sluicectl verifies the daemon against (empty: tls_cert_file itself).
  std::string tls_ca_file;
};

enum class EndpointKind { smtp, maildir };
enum class TlsMode { none, starttls, smtps };

struct Rate {
  double per_second = 0;  // 0: unlimited
  std::string text;       // as written ("20/s"), for display
};

// How an account's hourly and daily quotas count: over the last hour/day (rolling) or per
// calendar hour/day in the account's time zone (calendar).
enum class QuotaMode { rolling, calendar };

struct AccountSpec {
  std::string name;
  EndpointKind kind = EndpointKind::smtp;
  std::string host;          // smtp: host name or address (brackets removed)
  std::uint16_t port = 25;   // smtp
  std::string maildir_path;  // maildir: absolute after loading
  TlsMode tls = TlsMode::starttls;
  bool tls_verify = true;
  std::string pool = "default";
  std::uint32_t weight = 1;
  std::uint32_t max_connections = 10;
  std::uint32_t max_messages_per_connection = 100;
  Rate rate;
  std::uint32_t burst = 0;                    // 0: same as one second of rate
  std::uint32_t hourly_limit = 0;             // 0: unlimited
  std::uint32_t daily_limit = 0;              // 0: unlimited
  QuotaMode quota_mode = QuotaMode::rolling;  // quota_mode=rolling|calendar
  std::string time_zone = "UTC";              // tz=ZONE: whose calendar days calendar quotas count
  std::string sender_rewrite;  // sender_rewrite=ADDRESS: envelope sender to use (empty: keep)
  std::optional<std::string> username;  // from smtp_sasl_password_maps
  std::optional<std::string> password;
  std::string file;  // where it was declared, for messages
  int line = 0;
};

// One line of campaign_maps. Empty (or zero) fields were not given: the default_campaign_*
// parameters apply. Window and zone are checked for shape only; SendWindow::parse checks them
// fully at start-up.
struct CampaignSpec {
  std::string id;              // the campaign_header value, as written in the table
  Rate rate;                   // rate=; text empty: not given (default_campaign_rate)
  std::uint32_t burst = 0;     // burst=; 0: one second of rate
  std::string group;           // group=; empty: none from the table
  std::uint32_t priority = 1;  // priority=1..100: share of account capacity among campaigns
  std::string window;          // window=; empty: default_campaign_window
  std::string time_zone;       // tz=; empty: default_campaign_time_zone
  std::string file;            // where it was declared, for messages
  int line = 0;
};

// The outbound side: Postfix's smtp_* client timeouts and sluice's health-check and failover
// knobs. Defaults are Postfix's where the parameter is Postfix's.
struct DeliverySettings {
  Seconds connect_timeout{30};                  // smtp_connect_timeout
  Seconds helo_timeout{300};                    // smtp_helo_timeout (greeting, EHLO, TLS, AUTH)
  Seconds mail_timeout{300};                    // smtp_mail_timeout (RSET, MAIL, RCPT, NOOP)
  Seconds data_init_timeout{120};               // smtp_data_init_timeout
  Seconds data_xfer_timeout{180};               // smtp_data_xfer_timeout
  Seconds data_done_timeout{600};               // smtp_data_done_timeout
  Seconds quit_timeout{300};                    // smtp_quit_timeout
  Seconds connection_cache_time_limit{2};       // smtp_connection_cache_time_limit
  Seconds heartbeat_interval{60};               // smtp_heartbeat_interval (0: off)
  std::uint32_t breaker_failure_threshold = 5;  // smtp_breaker_failure_threshold
  Seconds breaker_cool_down{30};                // smtp_breaker_cool_down
  Seconds quota_rest_time{3600};                // smtp_quota_rest_time
  Seconds auth_rest_time{300};                  // smtp_auth_rest_time
  std::string dns_servers;                      // dns_servers: "host:port,..." (empty: resolv.conf)
  // sender_pool_maps: sender address, @domain or group:NAME -> pool (key, value as written).
  std::vector<std::pair<std::string, std::string>> sender_pools;
};

struct Settings {
  std::string config_file;         // absolute
  std::string config_directory;    // absolute; relative paths resolve here
  std::uint32_t io_threads = 0;    // io_threads: 0 means one per core
  std::string log_level = "info";  // log_level: trace|debug|info|warn|error
  SmtpdSettings smtpd;
  QueueSettings queue;
  AdminSettings admin;
  ListenAddress metrics_listen{"127.0.0.1", 9465};  // metrics_listen
  // Campaign label cardinality: a campaign with nothing queued or in flight stays exported for
  // metrics_campaign_linger after its last send; at most metrics_campaign_limit are exported.
  Seconds metrics_campaign_linger{600};        // metrics_campaign_linger
  std::uint32_t metrics_campaign_limit = 500;  // metrics_campaign_limit
  std::string smtp_tls_ca_file;  // smtp_tls_CAfile: CAs for upstream checks (empty: system's)
  Rate default_campaign_rate;    // default_campaign_rate (0: unlimited)
  std::string default_campaign_window = "always";  // default_campaign_window
  std::string default_campaign_time_zone = "UTC";  // default_campaign_time_zone
  std::vector<CampaignSpec> campaigns;             // campaign_maps, in table order
  std::vector<AccountSpec> accounts;               // upstream_accounts file
  DeliverySettings delivery;
};

}  // namespace sluice::config
