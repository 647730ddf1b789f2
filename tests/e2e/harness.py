"""Shared pieces of the end-to-end tests: a real sluice daemon in a temp dir on free loopback
ports, bounded waits, and small SMTP/admin helpers. Run with /usr/bin/python3 (Debian's modules).
"""
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SLUICE_BIN = os.environ.get("SLUICE_BIN", "build/test/src/app/sluice")
SLUICECTL_BIN = os.environ.get("SLUICECTL_BIN", "build/test/src/ctl/sluicectl")
TOKEN = "e2e-token-0123456789abcdef"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=30.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Sluice:
    """One daemon with its own config dir, queue and Maildir under a temp dir."""

    def __init__(self, accounts="dev maildir:maildir\n", extra="", workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="sluice-e2e-")
        self.smtp_port = free_port()
        self.admin_port = free_port()
        self.metrics_port = free_port()
        self.maildir = os.path.join(self.dir, "maildir")
        self.config = os.path.join(self.dir, "sluice.cf")
        self.log_path = os.path.join(self.dir, "sluice.log")
        self.proc = None
        self.write_config(accounts, extra)

    def write_config(self, accounts, extra=""):
        with open(os.path.join(self.dir, "accounts.cf"), "w") as f:
            f.write(accounts)
        with open(os.path.join(self.dir, "admin_tokens"), "w") as f:
            f.write(f"e2e {TOKEN}\n")
        with open(self.config, "w") as f:
            f.write(
                f"myhostname = relay.test\n"
                f"queue_directory = queue\n"
                f"smtpd_listen = 127.0.0.1:{self.smtp_port}\n"
                f"admin_listen = 127.0.0.1:{self.admin_port}\n"
                f"metrics_listen = 127.0.0.1:{self.metrics_port}\n"
                f"upstream_accounts = accounts.cf\n"
                f"admin_tokens = texthash:admin_tokens\n"
                f"io_threads = 2\n"
                f"minimal_backoff_time = 1s\n"
                f"maximal_backoff_time = 2s\n" + extra)

    def start(self, *overrides, wait=True):
        args = [SLUICE_BIN, "-c", self.config]
        for o in overrides:
            args += ["-o", o]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            wait_until(lambda: self.proc.poll() is not None or port_open(self.smtp_port),
                       timeout=30, what="sluice to listen")
            if self.proc.poll() is not None:
                raise AssertionError(f"sluice exited with {self.proc.returncode}:\n{self.read_log()}")
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("sluice did not stop on SIGTERM")
        code = self.proc.returncode if self.proc else 0
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        return code

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None
        self.log.close()

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if os.environ.get("SLUICE_E2E_KEEP"):  # for a developer reading the log afterwards
            print(f"kept {self.dir}", flush=True)
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def delivered_files(self):
        new = os.path.join(self.maildir, "new")
        if not os.path.isdir(new):
            return []
        return sorted(os.path.join(new, n) for n in os.listdir(new))

    def admin(self, method, path, body=None, token=TOKEN):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", data=data,
                                     method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")

    def http_get(self, path, port=None, timeout=10):
        """(status, body text) of a GET on the metrics port (or `port`); status 0: no connection."""
        url = f"http://127.0.0.1:{port or self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as e:  # not listening (yet)
            return 0, str(e)

    def metrics(self):
        """The text of GET /metrics (no token), asserting a 200."""
        status, text = self.http_get("/metrics")
        assert status == 200, (status, text)
        return text

    def accounts(self):
        """The accounts as GET /api/accounts shows them, by name."""
        status, body = self.admin("GET", "/api/accounts")
        assert status == 200, body
        return {a["name"]: a for a in body["accounts"]}

    def queued(self):
        """Every message of the queue (active, held and dead), as GET /api/queue lists them."""
        status, body = self.admin("GET", "/api/queue?state=all")
        assert status == 200, body
        return body["messages"]

    def ctl(self, *args, env_token=True):
        env = dict(os.environ)
        if env_token:
            env["SLUICE_TOKEN"] = TOKEN
        return subprocess.run([SLUICECTL_BIN, "-c", self.config, *args], capture_output=True,
                              text=True, timeout=30, env=env)


def metric_value(text, series):
    """The value of `series` (name and labels exactly as exposed) in Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line[len(series) + 1:].split()[0])
    return None


QUEUED = re.compile(r"2\.0\.0 Ok: queued as ([0-9A-F]{16})")


def send(port, rcpts, body, sender="app@shop.test", headers="", timeout=10):
    """One message through smtplib; returns its queue id (asserts every reply)."""
    msg = f"From: {sender}\r\nTo: {', '.join(rcpts)}\r\nSubject: test\r\n{headers}\r\n{body}\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as s:
        s.ehlo("client.test")
        s.mail(sender)
        for r in rcpts:
            code, _ = s.rcpt(r)
            assert code == 250, code
        code, text = s.data(msg.encode())
        assert code == 250, (code, text)
        m = QUEUED.search(text.decode())
        assert m, text
        return m.group(1)


class RawClient:
    """A byte-level SMTP client for what smtplib will not send (smuggling, trickling)."""

    def __init__(self, port, timeout=10, source=None):
        """source: a loopback address to connect from (e.g. "127.0.0.3"), as another client."""
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self.buf = b""

    def starttls(self, context, server_hostname="127.0.0.1"):
        """Runs the TLS handshake on the connection (after a 220 to STARTTLS); bytes the server
        sent before it and not yet read would be lost, so there must be none."""
        assert self.buf == b"", self.buf
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        """Reads one complete (possibly multi-line) reply; returns (code, text)."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed; partial: %r" % self.buf)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode(errors="replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self):
        self.sock.close()


def run_tests(tests):
    """Minimal runner: each test gets a fresh daemon via its own fixture; prints a pytest-like
    summary line and exits non-zero on any failure."""
    import traceback
    passed = failed = 0
    for test in tests:
        name = test.__name__
        started = time.monotonic()
        try:
            test()
            passed += 1
            print(f"PASS {name} ({time.monotonic() - started:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed", flush=True)
    raise SystemExit(1 if failed else 0)
