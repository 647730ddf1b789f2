"""The admin API's security against the real daemon and sluicectl: secrets (admin tokens,
upstream AUTH passwords, smtpd SASL table entries, a secret pasted where a table belongs) never
show in the daemon's log, in `sluicectl` or `sluice --check` output, or in admin API and metrics
answers; HTTPS on the admin port (sluicectl over TLS, certificate checks, plain HTTP refused
cleanly); loopback by default and tokens required elsewhere."""
import base64
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request

from certs import make_test_certs
from harness import SLUICE_BIN, Sluice, TOKEN, port_open, run_tests, send, wait_until
from upstream import FakeUpstream

SECOND_TOKEN = "second-Adm1n-token-7f3a9c2e51"
RELAY_USER = "relay-user"
GOOD_PASSWORD = "G00d-upstream-Passw0rd-4417"
BAD_PASSWORD = "B4d-upstream-Passw0rd-9932"
SMTPD_SECRET = "Sm7pd-client-Passw0rd-2208"
PASTED_SECRET = "pasted-S3cret-where-a-table-belongs"
FAST = "smtp_heartbeat_interval = 0\nsmtp_connection_cache_time_limit = 1s\n"


def secret_forms():
    """Every secret as written, and as it crosses SMTP (AUTH PLAIN and LOGIN in base64)."""
    plain = [TOKEN, SECOND_TOKEN, GOOD_PASSWORD, BAD_PASSWORD, SMTPD_SECRET, PASTED_SECRET]
    encoded = []
    for password in (GOOD_PASSWORD, BAD_PASSWORD):
        encoded.append(base64.b64encode(f"\0{RELAY_USER}\0{password}".encode()).decode())
        encoded.append(base64.b64encode(password.encode()).decode())
    return plain + encoded


def assert_no_secret(where, text):
    for secret in secret_forms():
        assert secret not in text, f"a secret ({secret[:6]}...) shows in {where}:\n{text[-3000:]}"


def raw_get(url, token=None, context=None):
    """(status, body text) of one GET, errors included."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def test_secrets_never_show_in_logs_outputs_or_answers():
    certs_dir = tempfile.mkdtemp(prefix="sluice-e2e-certs-")
    certs = make_test_certs(certs_dir)
    good = FakeUpstream(users={RELAY_USER: GOOD_PASSWORD}, auth_required=True, tls="starttls",
                        cert=certs.server)
    bad = FakeUpstream(users={RELAY_USER: GOOD_PASSWORD}, auth_required=True, tls="starttls",
                       cert=certs.server)
    d = None
    try:
        good.start()
        bad.start()
        d = Sluice(accounts=f"good 127.0.0.1:{good.port} tls=starttls\n"
                            f"bad 127.0.0.1:{bad.port} tls=starttls\n",
                   extra=FAST + f"smtp_sasl_password_maps = texthash:sasl_passwd\n"
                                f"smtp_tls_CAfile = {certs.ca_pem}\nlog_level = trace\n")
        with open(os.path.join(d.dir, "sasl_passwd"), "w") as f:
            f.write(f"good {RELAY_USER}:{GOOD_PASSWORD}\nbad {RELAY_USER}:{BAD_PASSWORD}\n")
        with open(os.path.join(d.dir, "admin_tokens"), "w") as f:
            f.write(f"e2e {TOKEN}\nsecond {SECOND_TOKEN}\n")
        d.start()
        n = 6
        for i in range(n):
            send(d.smtp_port, [f"r{i}@example.com"], f"message {i}")
        wait_until(lambda: good.transaction_count >= n, timeout=60,
                   what="every message at the good upstream")
        assert all(t.auth_user == RELAY_USER for t in good.transactions())
        wait_until(lambda: any(not ok for _, _, ok in bad.auth_attempts()), timeout=30,
                   what="the refused AUTH at the bad upstream")

        answers = []
        for token, expected in ((TOKEN, 200), (SECOND_TOKEN, 200), (TOKEN[:-1], 401),
                                (SECOND_TOKEN + "x", 401), (None, 401)):
            for path in ("/api/accounts", "/api/queue?state=all", "/api/campaigns", "/api/audit"):
                status, body = raw_get(f"http://127.0.0.1:{d.admin_port}{path}", token)
                assert status == expected or (expected == 200 and status == 404), (path, status)
                answers.append(body)
        status, accounts = d.admin("GET", "/api/accounts")
        assert status == 200 and {a["name"] for a in accounts["accounts"]} == {"good", "bad"}
        assert_no_secret("admin API answers", "\n".join(answers))
        if port_open(d.metrics_port):  # the metrics endpoint, where this build has one
            _, metrics = raw_get(f"http://127.0.0.1:{d.metrics_port}/metrics")
            assert_no_secret("/metrics", metrics)

        for args in (("config",), ("config", "-n"), ("accounts",), ("account", "show", "good"),
                     ("queue", "--dead")):
            out = d.ctl(*args)
            assert out.returncode == 0, (args, out.stderr)
            assert_no_secret(f"sluicectl {' '.join(args)}", out.stdout + out.stderr)
        listing = d.ctl("config", "-n").stdout
        for name in ("admin_tokens", "smtp_sasl_password_maps"):
            assert f"{name} = (hidden)" in listing, listing
        from_config = d.ctl("accounts", env_token=False)  # the config's first token works too
        assert from_config.returncode == 0, from_config.stderr
        check = subprocess.run([SLUICE_BIN, "--check", "-c", d.config], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        assert_no_secret("sluice --check", check.stdout + check.stderr)

        assert d.stop() == 0
        log = d.read_log()
        # The log is the real one: requests with their token names, refusals, the AUTH failure.
        assert "token=e2e" in log and "token=second" in log, log[-3000:]
        assert '"GET /api/accounts" 401 token=-' in log, log[-3000:]
        assert "relay=good[127.0.0.1]" in log, log[-3000:]
        assert_no_secret("the daemon's log", log)
    finally:
        good.stop()
        bad.stop()
        if d:
            d.cleanup()
        shutil.rmtree(certs_dir, ignore_errors=True)


def test_secret_tables_and_pasted_secrets_stay_hidden_in_config_output():
    d = Sluice()
    try:
        with open(os.path.join(d.dir, "smtpd_users"), "w") as f:
            f.write(f"alice {SMTPD_SECRET}\nbob\n")  # line 2 has no value: an error
        with open(d.config, "a") as f:
            f.write("smtpd_sasl_password_maps = texthash:smtpd_users\n")
            f.write("smtpd_banner = $myhostname ESMTP $admin_tokens\n")
        check = subprocess.run([SLUICE_BIN, "--check", "-c", d.config], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode != 0
        assert os.path.join(d.dir, "smtpd_users") + ":2:" in check.stderr, check.stderr
        assert_no_secret("sluice --check", check.stdout + check.stderr)
        listing = d.ctl("config")
        assert "smtpd_sasl_password_maps = (hidden)" in listing.stdout, listing.stdout
        assert "smtpd_banner = (hidden)" in listing.stdout, listing.stdout  # expands a secret
        assert_no_secret("sluicectl config", listing.stdout + listing.stderr)

        # A secret pasted where the table's name belongs: the error points at the line only.
        for name in ("admin_tokens", "smtp_sasl_password_maps", "smtpd_sasl_password_maps"):
            pasted = subprocess.run([SLUICE_BIN, "--check", "-c", d.config, "-o",
                                     f"{name}={PASTED_SECRET}"],
                                    capture_output=True, text=True, timeout=30)
            assert pasted.returncode != 0
            assert f"-o: cannot read {name} table" in pasted.stderr, pasted.stderr
            assert_no_secret("sluice --check -o", pasted.stdout + pasted.stderr)
            shown = d.ctl("-o", f"{name}={PASTED_SECRET}", "config", "-n")
            assert_no_secret("sluicectl -o ... config", shown.stdout + shown.stderr)
    finally:
        d.cleanup()


def https_context(ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    return context


def test_admin_over_https_with_sluicectl():
    certs_dir = tempfile.mkdtemp(prefix="sluice-e2e-certs-")
    certs = make_test_certs(certs_dir)
    d = Sluice(extra=f"admin_tls_cert_file = {certs.server_pem}\n"
                     f"admin_tls_key_file = {certs.server_key}\n"
                     f"admin_tls_CAfile = {certs.ca_pem}\n")
    try:
        d.start()
        wait_until(lambda: port_open(d.admin_port), timeout=10, what="the admin port")
        assert f"admin: listening on 127.0.0.1:{d.admin_port} (HTTPS)" in d.read_log()
        out = d.ctl("accounts")
        assert out.returncode == 0, out.stderr
        assert "dev" in out.stdout, out.stdout
        assert d.ctl("queue").returncode == 0

        base = f"https://127.0.0.1:{d.admin_port}"
        context = https_context(certs.ca_pem)
        status, body = raw_get(base + "/api/accounts", TOKEN, context)
        assert status == 200 and json.loads(body)["accounts"][0]["name"] == "dev", body
        status, body = raw_get(base + "/api/accounts", "not-the-token-at-all", context)
        assert status == 401, (status, body)
        from_config = d.ctl("accounts", env_token=False)
        assert from_config.returncode == 0, from_config.stderr

        # Plain HTTP to the HTTPS port: a plain 400 saying why, then the daemon goes on.
        status, body = raw_get(f"http://127.0.0.1:{d.admin_port}/api/accounts", TOKEN)
        assert status == 400 and "HTTPS only" in json.loads(body)["error"], (status, body)
        assert TOKEN not in body
        assert d.ctl("accounts").returncode == 0
        # A TLS client that does not trust the certificate: refused, the daemon goes on.
        try:
            raw_get(base + "/api/accounts", TOKEN, ssl.create_default_context())
            raise AssertionError("an untrusted certificate was accepted")
        except urllib.error.URLError as e:
            assert "CERTIFICATE_VERIFY_FAILED" in str(e.reason), e
        assert d.ctl("accounts").returncode == 0
        assert d.stop() == 0
        assert_no_secret("the daemon's log", d.read_log())

        # Self-signed, no admin_tls_CAfile: sluicectl trusts the daemon's own certificate file.
        d.write_config("dev maildir:maildir\n",
                       f"admin_tls_cert_file = {certs.untrusted_pem}\n"
                       f"admin_tls_key_file = {certs.untrusted_key}\n")
        d.start()
        wait_until(lambda: port_open(d.admin_port), timeout=10, what="the admin port")
        out = d.ctl("accounts")
        assert out.returncode == 0, out.stderr
        # ... but with the CA named, the same certificate is refused, saying why.
        refused = d.ctl("-o", f"admin_tls_CAfile={certs.ca_pem}", "accounts")
        assert refused.returncode == 1
        assert "TLS handshake with admin API at 127.0.0.1:" in refused.stderr, refused.stderr
        assert "certificate verify failed" in refused.stderr, refused.stderr
        assert d.stop() == 0

        # A certificate for another host: the address check refuses it.
        d.write_config("dev maildir:maildir\n",
                       f"admin_tls_cert_file = {certs.wrong_host_pem}\n"
                       f"admin_tls_key_file = {certs.wrong_host_key}\n"
                       f"admin_tls_CAfile = {certs.ca_pem}\n")
        d.start()
        wait_until(lambda: port_open(d.admin_port), timeout=10, what="the admin port")
        mismatch = d.ctl("accounts")
        assert mismatch.returncode == 1
        assert "IP address mismatch" in mismatch.stderr, mismatch.stderr
        assert d.stop() == 0
    finally:
        d.cleanup()
        shutil.rmtree(certs_dir, ignore_errors=True)


def test_admin_tls_needs_both_files_and_a_usable_key():
    certs_dir = tempfile.mkdtemp(prefix="sluice-e2e-certs-")
    certs = make_test_certs(certs_dir)
    d = Sluice(extra=f"admin_tls_cert_file = {certs.server_pem}\n")
    try:
        out = subprocess.run([SLUICE_BIN, "--check", "-c", d.config], capture_output=True,
                             text=True, timeout=30)
        assert out.returncode != 0
        line = open(d.config).read().splitlines().index(
            f"admin_tls_cert_file = {certs.server_pem}") + 1
        assert (f"{d.config}:{line}: admin_tls_cert_file and admin_tls_key_file go together"
                in out.stderr), out.stderr
        # A key that does not belong to the certificate: the daemon refuses to start.
        started = subprocess.run([SLUICE_BIN, "-c", d.config, "-o",
                                  f"admin_tls_key_file={certs.untrusted_key}"],
                                 capture_output=True, text=True, timeout=30)
        assert started.returncode != 0
        assert f"admin_tls_key_file {certs.untrusted_key}" in started.stderr, started.stderr
    finally:
        d.cleanup()
        shutil.rmtree(certs_dir, ignore_errors=True)


def test_loopback_by_default_and_tokens_required_elsewhere():
    d = Sluice()
    try:
        # The default: with admin_listen removed, the API listens on loopback.
        text = open(d.config).read().replace(f"admin_listen = 127.0.0.1:{d.admin_port}\n", "")
        with open(d.config, "w") as f:
            f.write(text)
        listing = d.ctl("config").stdout
        assert "admin_listen = 127.0.0.1:8025" in listing, listing

        with open(d.config, "a") as f:
            f.write(f"admin_listen = 0.0.0.0:{d.admin_port}\nadmin_tokens =\n")
        line = len(open(d.config).read().splitlines()) - 1
        started = subprocess.run([SLUICE_BIN, "-c", d.config], capture_output=True, text=True,
                                 timeout=30)
        assert started.returncode != 0
        assert (f"{d.config}:{line}: admin_listen 0.0.0.0:{d.admin_port} is not a loopback "
                f"address: it needs tokens in admin_tokens") in started.stderr, started.stderr
        assert "not starting" in started.stderr
        assert not port_open(d.admin_port)

        # With tokens it starts, warning that without TLS the tokens travel in clear text.
        with open(d.config, "a") as f:
            f.write("admin_tokens = texthash:admin_tokens\n")
        d.start()
        # start() waits for the SMTP port; the admin listener opens just after it.
        wait_until(lambda: port_open(d.admin_port), timeout=10, what="the admin port")
        assert "admin TLS is off" in d.read_log(), d.read_log()
        status, _ = d.admin("GET", "/api/accounts")
        assert status == 200
        status, _ = d.admin("GET", "/api/accounts", token=None)
        assert status == 401
        assert d.stop() == 0
    finally:
        d.cleanup()


if __name__ == "__main__":
    run_tests([test_secrets_never_show_in_logs_outputs_or_answers,
               test_secret_tables_and_pasted_secrets_stay_hidden_in_config_output,
               test_admin_over_https_with_sluicectl,
               test_admin_tls_needs_both_files_and_a_usable_key,
               test_loopback_by_default_and_tokens_required_elsewhere])
