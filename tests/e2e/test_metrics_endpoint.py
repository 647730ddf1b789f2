"""The metrics endpoint of the real daemon: N messages through smtplib to an smtp-sink
upstream show in the counters and the accept latency histogram; /healthz and /readyz answer
without a token; promtool finds nothing to complain about in the live output."""
import subprocess

from harness import Sluice, metric_value, run_tests, send, wait_until
from sink import SmtpSink

PROMTOOL = "/usr/bin/promtool"
N = 5


def test_counters_health_and_promtool():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none\n",
                   extra="smtp_heartbeat_interval = 0\n")
        d.start()
        wait_until(lambda: d.http_get("/healthz")[0] == 200, what="the metrics listener")
        before = d.metrics()
        assert metric_value(before, "sluice_messages_accepted_total") == 0, before
        assert "# TYPE sluice_accept_latency_seconds histogram" in before

        total_bytes = 0
        for i in range(N):
            send(d.smtp_port, [f"r{i}@example.com"], f"metrics body {i}",
                 headers="X-Campaign-ID: spring\r\n")
        sink.wait_messages(N, timeout=30)

        text = d.metrics()
        assert metric_value(text, "sluice_messages_accepted_total") == N, text
        total_bytes = metric_value(text, "sluice_accepted_bytes_total")
        assert total_bytes and total_bytes > 0, text
        assert metric_value(text, "sluice_accept_latency_seconds_count") == N, text
        assert metric_value(text, 'sluice_accept_latency_seconds_bucket{le="+Inf"}') == N, text
        assert metric_value(text, "sluice_smtpd_connections_total") is not None, text
        assert metric_value(text, 'sluice_account_up{account="up",pool="default"}') == 1, text
        assert metric_value(text, 'sluice_queue_messages{state="held"}') == 0, text
        assert metric_value(text, "sluice_queue_map_size_bytes") > 0, text
        assert metric_value(text, "sluice_start_time_seconds") > 1.6e9, text
        assert 'sluice_build_info{version="' in text, text

        status, body = d.http_get("/healthz")
        assert (status, body) == (200, "ok\n"), (status, body)
        status, body = d.http_get("/readyz")
        assert (status, body) == (200, "ready\n"), (status, body)

        lint = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                              text=True, timeout=30)
        assert lint.returncode == 0 and lint.stdout == "" and lint.stderr == "", (
            lint.returncode, lint.stdout, lint.stderr)
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


def test_not_ready_without_a_usable_account():
    # Nothing listens on the upstream's port: the account goes down, so /readyz says 503
    # while /healthz stays 200.
    d = Sluice(accounts="gone 127.0.0.1:9 tls=none\n",
               extra="smtp_heartbeat_interval = 1s\nsmtp_breaker_cool_down = 60s\n")
    try:
        d.start()
        wait_until(lambda: d.http_get("/readyz") == (503, "no usable account\n"), timeout=30,
                   what="the account to go down")
        assert d.http_get("/healthz") == (200, "ok\n")
        assert d.stop() == 0
    finally:
        d.cleanup()


if __name__ == "__main__":
    run_tests([test_counters_health_and_promtool, test_not_ready_without_a_usable_account])
