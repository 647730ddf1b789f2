"""The metric catalogue of sluice's /metrics (issue 5): every family with its TYPE and labels.
The operations files (conf/prometheus, conf/grafana) and the tests may use these names only.
Histograms also expose <name>_bucket{le}, <name>_sum and <name>_count."""

CATALOGUE = {
    # inbound
    "sluice_smtpd_connections": ("gauge", ()),
    "sluice_smtpd_connections_total": ("counter", ()),
    "sluice_smtpd_connections_refused_total": ("counter", ("reason",)),
    "sluice_messages_accepted_total": ("counter", ()),
    "sluice_messages_rejected_total": ("counter", ("code",)),
    "sluice_accepted_bytes_total": ("counter", ()),
    "sluice_accept_latency_seconds": ("histogram", ()),
    "sluice_smtpd_tls_handshakes_total": ("counter", ("result",)),
    "sluice_smtpd_auth_attempts_total": ("counter", ("result",)),
    # queue
    "sluice_queue_messages": ("gauge", ("state",)),
    "sluice_queue_recipients": ("gauge", ("state",)),
    "sluice_queue_oldest_message_age_seconds": ("gauge", ()),
    "sluice_queue_map_used_bytes": ("gauge", ()),
    "sluice_queue_map_size_bytes": ("gauge", ()),
    "sluice_queue_map_limit_bytes": ("gauge", ()),
    # delivery
    "sluice_delivery_attempts_total": ("counter", ("account",)),
    "sluice_deliveries_total": ("counter", ("account", "result")),
    "sluice_delivery_replies_total": ("counter", ("account", "class")),
    "sluice_delivery_latency_seconds": ("histogram", ()),
    "sluice_upstream_connections_total": ("counter", ("account", "reused")),
    "sluice_upstream_tls_failures_total": ("counter", ("account",)),
    "sluice_upstream_auth_failures_total": ("counter", ("account",)),
    # accounts
    "sluice_account_up": ("gauge", ("account", "pool")),
    "sluice_account_status": ("gauge", ("account", "status")),
    "sluice_account_breaker_state": ("gauge", ("account",)),
    "sluice_account_in_flight": ("gauge", ("account",)),
    "sluice_account_max_connections": ("gauge", ("account",)),
    "sluice_account_quota_used": ("gauge", ("account", "window")),
    "sluice_account_quota_limit": ("gauge", ("account", "window")),
    "sluice_account_rate_configured": ("gauge", ("account",)),
    "sluice_account_rate_effective": ("gauge", ("account",)),
    # campaigns
    "sluice_campaign_sent_total": ("counter", ("campaign", "group")),
    "sluice_campaign_deferred_total": ("counter", ("campaign", "group")),
    "sluice_campaign_bounced_total": ("counter", ("campaign", "group")),
    "sluice_campaign_queued_messages": ("gauge", ("campaign", "group")),
    "sluice_campaign_rate_configured": ("gauge", ("campaign", "group")),
    "sluice_campaign_rate_effective": ("gauge", ("campaign", "group")),
    "sluice_campaign_paused": ("gauge", ("campaign", "group")),
    "sluice_campaign_in_window": ("gauge", ("campaign", "group")),
    "sluice_campaigns_exported": ("gauge", ()),
    "sluice_campaigns_dropped": ("gauge", ()),
    # dns
    "sluice_dns_lookups_total": ("counter", ()),
    "sluice_dns_cache_hits_total": ("counter", ()),
    "sluice_dns_failures_total": ("counter", ("kind",)),
    # process
    "sluice_build_info": ("gauge", ("version",)),
    "sluice_start_time_seconds": ("gauge", ()),
}

# Series Prometheus itself attaches to every scrape target.
SCRAPE_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def series_names():
    """Every series name a query may select: the families, plus the histograms' parts."""
    names = set()
    for name, (kind, _) in CATALOGUE.items():
        if kind == "histogram":
            names.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
        else:
            names.add(name)
    return names
