"""Accept -> durable queue -> Maildir delivery with real clients (smtplib, swaks), the queue
commands of sluicectl and the admin API, and resumption after a restart."""
import os
import re
import smtplib
import subprocess

from harness import Sluice, run_tests, send, wait_until

def test_smtplib_message_lands_in_maildir_with_headers():
    d = Sluice()
    try:
        d.start()
        qid = send(d.smtp_port, ["alice@example.com"], "hello maildir",
                   headers="X-Campaign-ID: spring-sale\r\n")
        files = wait_until(lambda: d.delivered_files(), what="delivery to the maildir")
        assert len(files) == 1
        content = open(files[0], "rb").read().decode()
        assert content.startswith("Delivered-To: alice@example.com\r\nReceived: from client.test"), content[:200]
        assert f"with ESMTP id {qid}" in content
        assert "\r\n\r\nhello maildir\r\n" in content
        log = wait_until(lambda: "status=sent" in d.read_log() and d.read_log(), what="delivery log")
        assert f"{qid}: client=[127.0.0.1], from=<app@shop.test>" in log
        assert "campaign=spring-sale" in log
        assert re.search(qid + r": to=<alice@example.com>, relay=dev\[maildir:.*\], delay=[0-9.]+, dsn=2\.0\.0, status=sent", log)
        wait_until(lambda: f"{qid}: removed" in d.read_log(), what="removal from the queue")
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_swaks_multiple_recipients_one_file_each():
    d = Sluice()
    try:
        d.start()
        out = subprocess.run(["swaks", "--server", f"127.0.0.1:{d.smtp_port}", "--from", "crm@b.test",
                              "--to", "x@example.com,y@example.com", "--body", "swaks body",
                              "--header", "Subject: from swaks"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "queued as" in out.stdout
        files = wait_until(lambda: len(d.delivered_files()) == 2 and d.delivered_files(),
                           what="two maildir files")
        heads = sorted(open(f).readline().strip() for f in files)
        assert heads == ["Delivered-To: x@example.com", "Delivered-To: y@example.com"], heads
        for f in files:
            assert "swaks body" in open(f).read()
    finally:
        d.stop()
        d.cleanup()


def test_queue_commands_then_delivery_after_restart():
    # No usable account (nothing listens on the upstream's port): mail waits in the queue,
    # looking again after the breaker's cool-down.
    d = Sluice(accounts="later 127.0.0.1:9 tls=none\n",
               extra="smtp_heartbeat_interval = 0\nsmtp_breaker_cool_down = 1s\n")
    try:
        d.start()
        ids = [send(d.smtp_port, [f"r{i}@example.com"], f"body {i}") for i in range(3)]
        listing = d.ctl("queue")
        assert listing.returncode == 0, listing.stderr
        for qid in ids:
            assert qid in listing.stdout
        assert "app@shop.test" in listing.stdout and "r1@example.com" in listing.stdout
        assert "3 Requests" in listing.stdout or "in 3 Request" in listing.stdout, listing.stdout

        show = d.ctl("queue", "show", ids[0])
        assert show.returncode == 0 and "r0@example.com" in show.stdout, show.stdout + show.stderr

        assert d.ctl("queue", "hold", ids[1]).returncode == 0
        status, body = d.admin("GET", f"/api/queue/{ids[1]}")
        assert status == 200 and body["state"] == "held", body
        assert d.ctl("queue", "delete", ids[2]).returncode == 0
        status, _ = d.admin("GET", f"/api/queue/{ids[2]}")
        assert status == 404
        missing = d.ctl("queue", "show", ids[2])
        assert missing.returncode != 0 and "no such message" in missing.stderr, missing.stderr
        assert d.admin("GET", "/api/queue", token="wrong-token-0123456789")[0] == 401
        assert d.admin("GET", "/api/queue", token=None)[0] == 401
        assert d.stop() == 0

        # Restart with a Maildir account: the active message is delivered, the held one waits.
        d.write_config("dev maildir:maildir\n")
        d.start()
        files = wait_until(lambda: d.delivered_files(), what="delivery after restart")
        assert len(files) == 1 and "Delivered-To: r0@example.com" in open(files[0]).read()
        assert d.ctl("queue", "release", ids[1]).returncode == 0
        wait_until(lambda: len(d.delivered_files()) == 2, what="released message delivered")
        assert d.ctl("queue", "flush").returncode == 0
        listing = d.ctl("queue")
        assert ids[0] not in listing.stdout and ids[1] not in listing.stdout, listing.stdout
    finally:
        d.stop()
        d.cleanup()


if __name__ == "__main__":
    run_tests([test_smtplib_message_lands_in_maildir_with_headers,
               test_swaks_multiple_recipients_one_file_each,
               test_queue_commands_then_delivery_after_restart])
