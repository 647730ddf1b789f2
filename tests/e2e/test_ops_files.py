"""The operations files in conf/ are valid for the real tools and speak the metric catalogue:
promtool checks and unit-tests the alert rules and checks the scrape example; the Grafana
dashboard is importable JSON whose every query parses (promtool, as recording rules) and names
only catalogue metrics; the alert rules name only catalogue metrics too."""
import json
import os
import re
import subprocess
import tempfile

import yaml

from harness import run_tests
from metric_catalogue import CATALOGUE, SCRAPE_SERIES, series_names

PROMTOOL = os.environ.get("PROMTOOL_BIN", "/usr/bin/promtool")
PROM_DIR = "conf/prometheus"
RULES = os.path.join(PROM_DIR, "sluice-alerts.yml")
RULE_TESTS = os.path.join(PROM_DIR, "sluice-alerts.test.yml")
SCRAPE_CONFIG = os.path.join(PROM_DIR, "prometheus.yml")
DASHBOARD = "conf/grafana/sluice-dashboard.json"

# PromQL words that are not series names: operators, modifiers and the grouping keywords.
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan", "atan2"}
FUNCTIONS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "abs", "absent", "absent_over_time", "ceil", "changes", "clamp",
    "clamp_max", "clamp_min", "day_of_month", "day_of_week", "days_in_month", "delta", "deriv",
    "exp", "floor", "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate",
    "label_join", "label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear",
    "rate", "resets", "round", "scalar", "sort", "sort_desc", "sqrt", "time", "timestamp",
    "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
    "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
    "last_over_time", "present_over_time"}
REQUIRED_ALERTS = {
    "SluiceDown", "SluiceNotReady", "SluiceDeliveryStalled", "SluiceDeferralRateHigh",
    "SluiceAccountDown", "SluiceAccountBreakerOpen", "SluiceAccountQuotaNearlyUsed",
    "SluiceQueueOldestMessageOld", "SluiceQueueGrowing", "SluiceQueueMapNearlyFull"}


def series_in(expr):
    """The series names a PromQL expression selects. Raises on a function it does not know, so
    a misparse cannot hide a name."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values, with Grafana variables inside
    s = re.sub(r"\{[^}]*\}", "", s)  # label matchers
    s = re.sub(r"\[[^\]]*\]", "", s)  # ranges and subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\$\{?\w+\}?", "", s)
    s = re.sub(r"(?<![\w:])(\d+(ms|[smhdwy]))+(?![\w:])", "", s)  # durations (offset)
    s = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+)?", "", s)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        word = m.group(0)
        if word.lower() in KEYWORDS:
            continue
        if s[m.end():].lstrip().startswith("("):
            if word not in FUNCTIONS:
                raise AssertionError(f"unknown function {word} in {expr}")
        else:
            names.add(word)
    return names


def promtool(*args, stdin=None):
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60,
                          input=stdin)


def alert_rules():
    with open(RULES) as f:
        groups = yaml.safe_load(f)["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def dashboard_exprs(board):
    """Every PromQL expression of the panels (recursing into collapsed rows)."""
    exprs = []

    def walk(panels):
        for panel in panels:
            exprs.extend(t["expr"] for t in panel.get("targets", []) if t.get("expr"))
            walk(panel.get("panels", []))

    walk(board["panels"])
    return exprs


def variable_series(board):
    """The series the query variables' label_values(series{...}, label) read."""
    names = set()
    for var in board["templating"]["list"]:
        if var["type"] != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"label_values\((\w+)(\{[^}]*\})?,\s*(\w+)\)", query)
        assert m, f"variable {var['name']}: unexpected query {query}"
        names.add(m.group(1))
    return names


def test_the_name_parser_finds_names_and_only_names():
    expr = ('histogram_quantile(0.99, sum by (le, account) (rate(a_seconds_bucket{x=~"$v",'
            ' y="rate(b)"}[$__rate_interval]))) / on (instance) group_left (version) c_info'
            ' > bool 4e3 and predict_linear(d_bytes[1h:1m], 4 * 3600) unless e offset 5m')
    assert series_in(expr) == {"a_seconds_bucket", "c_info", "d_bytes", "e"}, series_in(expr)
    try:
        series_in("rat(x[5m])")
    except AssertionError:
        pass
    else:
        raise AssertionError("a misspelt function must not pass as a series name")


def test_alert_rules_pass_promtool_check():
    out = promtool("check", "rules", RULES)
    assert out.returncode == 0 and "SUCCESS" in out.stdout, out.stdout + out.stderr
    rules = alert_rules()
    names = {r["alert"] for r in rules}
    assert REQUIRED_ALERTS <= names, REQUIRED_ALERTS - names
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule


def test_alert_rule_unit_tests_pass():
    out = promtool("test", "rules", RULE_TESTS)
    assert out.returncode == 0 and "SUCCESS" in out.stdout, out.stdout + out.stderr
    with open(RULE_TESTS) as f:
        tested = {case["alertname"] for test in yaml.safe_load(f)["tests"]
                  for case in test.get("alert_rule_test", [])}
    assert REQUIRED_ALERTS <= tested, f"untested: {REQUIRED_ALERTS - tested}"


def test_alert_rules_name_only_catalogue_metrics():
    known = series_names() | SCRAPE_SERIES
    used = set()
    for rule in alert_rules():
        names = series_in(rule["expr"])
        assert names, rule["alert"]
        assert names <= known, f"{rule['alert']}: not in the catalogue: {names - known}"
        used |= names
    for name in ("sluice_deliveries_total", "sluice_queue_messages", "sluice_account_up",
                 "sluice_account_breaker_state", "sluice_account_quota_used",
                 "sluice_account_quota_limit", "sluice_queue_oldest_message_age_seconds",
                 "sluice_queue_map_used_bytes", "sluice_queue_map_limit_bytes", "up"):
        assert name in used, f"no alert watches {name}"


def test_scrape_example_passes_promtool_and_scrapes_sluice():
    out = promtool("check", "config", SCRAPE_CONFIG)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout and "rule files found" in out.stdout, out.stdout
    with open(SCRAPE_CONFIG) as f:
        config = yaml.safe_load(f)
    assert config["global"]["scrape_interval"] == "15s"
    assert config["rule_files"] == ["sluice-alerts.yml"]
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "sluice"]
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:9465"]
    assert job.get("metrics_path", "/metrics") == "/metrics"


def test_dashboard_is_importable_json():
    board = dashboard()
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 30
    assert board["id"] is None and board["uid"] and board["title"]
    [ds_input] = board["__inputs"]
    assert ds_input["name"] == "DS_PROMETHEUS" and ds_input["pluginId"] == "prometheus"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["datasource"]["current"]["value"] == "${DS_PROMETHEUS}"
    for name in ("instance", "account", "campaign"):
        assert variables[name]["type"] == "query" and variables[name]["includeAll"], name
    ids = []
    for panel in board["panels"]:
        ids.append(panel["id"])
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["targets"], panel
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    for title in ("Throughput", "Latency", "Queue", "Accounts", "Campaigns", "DNS", "Inbound"):
        assert title in rows, rows


def test_dashboard_names_only_catalogue_metrics_and_covers_them():
    board = dashboard()
    known = series_names() | SCRAPE_SERIES
    used = set()
    for expr in dashboard_exprs(board):
        names = series_in(expr)
        assert names, expr
        assert names <= known, f"not in the catalogue: {names - known} in {expr}"
        used |= names
    assert variable_series(board) <= known
    # Every family of the catalogue is on the dashboard somewhere (histograms by their buckets).
    for name, (kind, _) in CATALOGUE.items():
        series = name + "_bucket" if kind == "histogram" else name
        assert series in used, f"the dashboard shows nothing of {name}"


def test_dashboard_queries_parse():
    """Each query with the Grafana variables filled in, as a recording rule for promtool."""
    rules = []
    for i, expr in enumerate(dashboard_exprs(dashboard())):
        concrete = expr.replace("$__rate_interval", "5m")
        concrete = re.sub(r"\$\{?\w+\}?", ".*", concrete)
        rules.append({"record": f"dashboard:query_{i}", "expr": concrete})
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
    try:
        out = promtool("check", "rules", f.name)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"SUCCESS: {len(rules)} rules found" in out.stdout, out.stdout
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    run_tests([test_the_name_parser_finds_names_and_only_names,
               test_alert_rules_pass_promtool_check,
               test_alert_rule_unit_tests_pass,
               test_alert_rules_name_only_catalogue_metrics,
               test_scrape_example_passes_promtool_and_scrapes_sluice,
               test_dashboard_is_importable_json,
               test_dashboard_names_only_catalogue_metrics_and_covers_them,
               test_dashboard_queries_parse])
