"""`sluice --check` and `sluicectl config`: errors name file and line, the daemon refuses to start
on them, -o overrides apply, and secrets never show."""
import os
import subprocess

from harness import SLUICE_BIN, Sluice, TOKEN, run_tests


def run(*args):
    return subprocess.run([SLUICE_BIN, *args], capture_output=True, text=True, timeout=30)


def test_check_reports_file_and_line():
    d = Sluice(extra="message_size_limit = lots\nno_equals_here\n")
    try:
        out = run("--check", "-c", d.config)
        assert out.returncode != 0
        lines = open(d.config).read().splitlines()
        bad = lines.index("message_size_limit = lots") + 1
        assert f"{d.config}:{bad}:" in out.stderr, out.stderr
        assert f"{d.config}:{bad + 1}:" in out.stderr, out.stderr
        started = subprocess.run([SLUICE_BIN, "-c", d.config], capture_output=True, text=True, timeout=30)
        assert started.returncode != 0 and "not starting" in started.stderr
    finally:
        d.cleanup()


def test_accounts_file_errors_name_their_line():
    d = Sluice(accounts="good maildir:md\nbad 127.0.0.1:25 tls=sometimes\n")
    try:
        out = run("--check", "-c", d.config)
        assert out.returncode != 0
        assert os.path.join(d.dir, "accounts.cf") + ":2:" in out.stderr, out.stderr
    finally:
        d.cleanup()


def test_check_ok_and_overrides():
    d = Sluice(extra="unknown_thing = 1\n")
    try:
        out = run("--check", "-c", d.config)
        assert out.returncode == 0, out.stderr
        assert "warning" in out.stderr and "unknown_thing" in out.stderr, out.stderr
        bad = run("--check", "-c", d.config, "-o", "smtpd_timeout=never")
        assert bad.returncode != 0 and "smtpd_timeout" in bad.stderr, bad.stderr
        cfg = d.ctl("config", "-n")
        assert cfg.returncode == 0, cfg.stderr
        assert f"smtpd_listen = 127.0.0.1:{d.smtp_port}" in cfg.stdout
        assert "message_size_limit" not in cfg.stdout  # a default: only with the full listing
        full = d.ctl("config")
        assert "message_size_limit = 10240000" in full.stdout, full.stdout
        assert TOKEN not in full.stdout + full.stderr + cfg.stdout
    finally:
        d.cleanup()


if __name__ == "__main__":
    run_tests([test_check_reports_file_and_line, test_accounts_file_errors_name_their_line,
               test_check_ok_and_overrides])
