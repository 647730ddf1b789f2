"""Debian's real Prometheus scrapes a running sluice with the example configuration
(conf/prometheus/prometheus.yml, every second) and loads the alert rules; the test sends mail in
two campaigns through two accounts, one of whose upstream defers some recipients, and checks
through Prometheus' query API that the metrics say what the test did: messages accepted,
recipients sent and deferred per account and per campaign, accounts up, the accept latency
histogram, a quota alert on real labels. `promtool check metrics` finds nothing to complain
about in the live /metrics, and every dashboard query evaluates."""
import json
import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import yaml

from harness import Sluice, free_port, run_tests, wait_until
from metric_catalogue import CATALOGUE
from upstream import FakeUpstream

PROMETHEUS = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")
PROMTOOL = os.environ.get("PROMTOOL_BIN", "/usr/bin/promtool")
EXAMPLE_CONFIG = "conf/prometheus/prometheus.yml"
DASHBOARD = "conf/grafana/sluice-dashboard.json"

# Deferred by the upstream of account "mixed", once each (the retry waits an hour). A 4.2.x reply
# is about the mailbox: it defers the recipient without resting the account.
DEFERRED = ("d0@example.com", "d1@example.com", "d2@example.com")
CLEAN_DAILY_LIMIT = 11


class PrometheusServer:
    """One prometheus process on a free loopback port, its config generated from the example
    (target, intervals, absolute rule path), its storage and log in a temp dir."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="sluice-prometheus-")
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "prometheus.log")
        with open(EXAMPLE_CONFIG) as f:
            config = yaml.safe_load(f)
        rules_dir = os.path.dirname(os.path.abspath(EXAMPLE_CONFIG))
        config["global"].update(scrape_interval="1s", scrape_timeout="1s",
                                evaluation_interval="1s")
        config["rule_files"] = [os.path.join(rules_dir, r) for r in config["rule_files"]]
        [job] = [j for j in config["scrape_configs"] if j["job_name"] == "sluice"]
        job["static_configs"] = [{"targets": [target]}]
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            yaml.safe_dump(config, f)

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={self.config}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.proc.poll() is not None or self._ready(), timeout=60,
                   interval=0.2, what="prometheus to be ready")
        assert self.proc.poll() is None, f"prometheus exited:\n{self.read_log()}"
        return self

    def _ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            body = json.loads(e.read())
        assert body["status"] == "success", (path, params, body)
        return body["data"]

    def query(self, expr):
        """An instant query: {frozenset of its labels but name, job and instance: value}."""
        data = self.api("query", query=expr)
        assert data["resultType"] == "vector", data
        out = {}
        for sample in data["result"]:
            labels = {k: v for k, v in sample["metric"].items()
                      if k not in ("__name__", "job", "instance")}
            out[frozenset(labels.items())] = float(sample["value"][1])
        return out

    def value(self, expr):
        """The single value of expr; None when it selects nothing."""
        result = self.query(expr)
        assert len(result) <= 1, (expr, result)
        return next(iter(result.values()), None)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def fetch(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
        return resp.status, resp.read().decode()


def send_batch(port, sender, rcpts, campaign=None):
    """One message per entry of rcpts (an address, or a list of them) over one SMTP session."""
    headers = f"X-Campaign-ID: {campaign}\r\n" if campaign else ""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo("client.test")
        for rcpt in rcpts:
            to = rcpt if isinstance(rcpt, list) else [rcpt]
            refused = s.sendmail(sender, to, f"From: {sender}\r\nSubject: metrics\r\n{headers}"
                                             f"\r\nbody\r\n".encode())
            assert not refused, refused


def exposition_types(text):
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))


def test_prometheus_scrapes_what_the_test_did():
    mixed = FakeUpstream(rcpt_replies={r: "450 4.2.1 mailbox busy" for r in DEFERRED})
    clean = FakeUpstream()
    d = prom = None
    try:
        mixed.start()
        clean.start()
        d = Sluice(accounts=f"mixed 127.0.0.1:{mixed.port} tls=none pool=mixed max_connections=2\n"
                            f"clean 127.0.0.1:{clean.port} tls=none pool=clean rate=1000/s"
                            f" daily_limit={CLEAN_DAILY_LIMIT}\n",
                   extra="smtp_heartbeat_interval = 0\n"
                         "sender_pool_maps = pools\ncampaign_maps = campaigns\n")
        with open(os.path.join(d.dir, "pools"), "w") as f:
            f.write("@mixed.test mixed\n@clean.test clean\n")
        with open(os.path.join(d.dir, "campaigns"), "w") as f:
            f.write("spring group=seasonal rate=500/s\nautumn group=seasonal\n")
        # The deferred recipients are tried once: their retry is an hour away.
        d.start("minimal_backoff_time=3600s", "maximal_backoff_time=7200s")
        prom = PrometheusServer(f"127.0.0.1:{d.metrics_port}").start()
        wait_until(lambda: prom.value('up{job="sluice"}') == 1, timeout=30, interval=0.2,
                   what="the first successful scrape")

        send_batch(d.smtp_port, "news@mixed.test",
                   ["d0@example.com", "d1@example.com", "ok0@example.com", "ok1@example.com"],
                   campaign="spring")
        send_batch(d.smtp_port, "news@mixed.test", ["d2@example.com", "ok2@example.com"],
                   campaign="autumn")
        send_batch(d.smtp_port, "shop@mixed.test", [["t0@example.com", "t1@example.com"]])
        send_batch(d.smtp_port, "news@clean.test", [f"s{i}@example.com" for i in range(4)],
                   campaign="spring")
        send_batch(d.smtp_port, "news@clean.test", [f"a{i}@example.com" for i in range(6)],
                   campaign="autumn")
        accepted, sent, deferred = 17, {"mixed": 5, "clean": 10}, {"mixed": 3}

        mixed.wait_transactions(4, timeout=60)
        clean.wait_transactions(10, timeout=60)
        wait_until(lambda: all(mixed.rcpt_attempts()[r] >= 1 for r in DEFERRED), timeout=60,
                   what="the deferred recipients to be tried")
        wait_until(lambda: prom.value("sum(sluice_deliveries_total)") == 18
                   and prom.value("sluice_messages_accepted_total") == accepted,
                   timeout=60, interval=0.25, what="prometheus to see every delivery")

        assert prom.value("sluice_messages_accepted_total") == accepted
        by_result = prom.query("sum by (result) (sluice_deliveries_total)")
        assert by_result.get(frozenset({("result", "sent")})) == 15, by_result
        assert by_result.get(frozenset({("result", "deferred")})) == 3, by_result
        assert by_result.get(frozenset({("result", "bounced")}), 0) == 0, by_result
        for account in ("mixed", "clean"):
            got_sent = prom.value(f'sluice_deliveries_total{{account="{account}", result="sent"}}')
            got_deferred = prom.value(
                f'sluice_deliveries_total{{account="{account}", result="deferred"}}') or 0
            assert got_sent == sent[account], (account, got_sent)
            assert got_deferred == deferred.get(account, 0), (account, got_deferred)
        assert mixed.rcpt_attempts()["d0@example.com"] == 1, "a retry would change the counts"

        campaigns = prom.query("sluice_campaign_sent_total")
        assert campaigns[frozenset({("campaign", "spring"), ("group", "seasonal")})] == 6
        assert campaigns[frozenset({("campaign", "autumn"), ("group", "seasonal")})] == 7
        assert prom.value('sluice_campaign_sent_total{campaign=""}') == 2, campaigns
        assert prom.value('sluice_campaign_deferred_total{campaign="spring"}') == 2
        assert prom.value('sluice_campaign_deferred_total{campaign="autumn"}') == 1
        assert prom.value('sluice_campaign_queued_messages{campaign="spring"}') == 2
        assert prom.value('sluice_campaign_rate_configured{campaign="spring"}') == 500

        up = prom.query("sluice_account_up")
        assert up == {frozenset({("account", "mixed"), ("pool", "mixed")}): 1,
                      frozenset({("account", "clean"), ("pool", "clean")}): 1}, up
        assert prom.value('sluice_account_max_connections{account="mixed"}') == 2
        assert prom.value('sluice_account_rate_configured{account="clean"}') == 1000
        assert prom.value('sluice_account_quota_used{account="clean", window="day"}') == 10
        limits = prom.query("sluice_account_quota_limit")
        assert limits == {frozenset({("account", "clean"), ("window", "day")}):
                          CLEAN_DAILY_LIMIT}, limits

        assert prom.value("sluice_accept_latency_seconds_count") == accepted
        assert prom.value('sluice_accept_latency_seconds_bucket{le="+Inf"}') == accepted
        assert prom.value("sluice_accept_latency_seconds_sum") > 0
        assert prom.value('sluice_queue_messages{state="deferred"}') == 3

        # The quota alert fires on the real series: 10 of 11 is above 90%, and only there.
        def quota_alerts():
            return [a for a in prom.api("alerts")["alerts"]
                    if a["labels"]["alertname"].startswith("SluiceAccountQuota")]
        wait_until(quota_alerts, timeout=30, interval=0.25, what="the quota alert")
        [alert] = quota_alerts()
        assert alert["labels"]["alertname"] == "SluiceAccountQuotaNearlyUsed", alert
        assert alert["labels"]["account"] == "clean" and alert["labels"]["window"] == "day"
        assert "clean" in alert["annotations"]["summary"], alert

        # Every rule of the file is loaded and evaluates without error.
        def rules():
            return [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        wait_until(lambda: all(r["health"] != "unknown" for r in rules()), timeout=30,
                   interval=0.25, what="every rule to be evaluated")
        with open("conf/prometheus/sluice-alerts.yml") as f:
            in_file = [r["alert"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
        loaded = rules()
        assert sorted(r["name"] for r in loaded) == sorted(in_file)
        bad = [(r["name"], r.get("lastError")) for r in loaded if r["health"] != "ok"]
        assert not bad, bad

        status, text = fetch(d.metrics_port, "/metrics")
        assert status == 200
        lint = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                              text=True, timeout=30)
        assert lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(), \
            lint.stdout + lint.stderr
        types = exposition_types(text)
        for name, kind in types.items():
            if name in CATALOGUE:
                assert kind == CATALOGUE[name][0], (name, kind)
        for name in ("sluice_messages_accepted_total", "sluice_deliveries_total",
                     "sluice_queue_messages", "sluice_account_up", "sluice_account_quota_used",
                     "sluice_campaign_sent_total", "sluice_accept_latency_seconds",
                     "sluice_delivery_latency_seconds", "sluice_build_info"):
            assert name in types, f"{name} missing from /metrics"
        assert fetch(d.metrics_port, "/healthz") == (200, "ok\n")
        assert fetch(d.metrics_port, "/readyz") == (200, "ready\n")

        # Every dashboard query evaluates against the live data, with the variables at "All".
        with open(DASHBOARD) as f:
            board = json.load(f)
        exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
        with_data = 0
        for expr in exprs:
            concrete = re.sub(r"\$\{?\w+\}?", ".*", expr.replace("$__rate_interval", "1m"))
            with_data += bool(prom.api("query", query=concrete)["result"])
        assert with_data >= len(exprs) // 2, f"only {with_data} of {len(exprs)} queries have data"

        assert d.stop() == 0
    except Exception:
        if d:
            print(d.read_log()[-3000:])
        if prom and prom.proc:
            print(prom.read_log()[-3000:])
            for expr in ("sluice_messages_accepted_total", "sluice_deliveries_total",
                         "sluice_campaign_sent_total", "sluice_queue_messages"):
                try:
                    print(expr, prom.query(expr))
                except (AssertionError, OSError) as error:
                    print(expr, error)
        raise
    finally:
        if prom:
            prom.cleanup()
        mixed.stop()
        clean.stop()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_prometheus_scrapes_what_the_test_did])
