"""Delivery through SMTP upstream accounts on loopback: weighted rotation over three smtp-sink
accounts, per-recipient mixed replies with a retry and a DSN, the accounts API and sluicectl."""
import json
import os

from harness import Sluice, run_tests, send, wait_until
from sink import SmtpSink
from upstream import FakeUpstream

FAST = ("smtp_heartbeat_interval = 0\n"
        "smtp_connection_cache_time_limit = 1s\n")


def test_three_weighted_accounts_share_the_load():
    sinks = [SmtpSink(hostname=f"sink{i}.test") for i in range(3)]
    d = None
    try:
        for s in sinks:
            s.start()
        accounts = "".join(f"up{i} 127.0.0.1:{s.port} tls=none weight={w} max_connections=4\n"
                           for i, (s, w) in enumerate(zip(sinks, (3, 2, 1))))
        d = Sluice(accounts=accounts, extra=FAST)
        d.start()
        n = 60
        for i in range(n):
            send(d.smtp_port, [f"r{i}@example.com"], f"message {i}")
        wait_until(lambda: sum(s.message_count() for s in sinks) >= n, timeout=60,
                   what="all messages at the sinks")
        counts = [s.message_count() for s in sinks]
        assert sum(counts) == n, counts
        # Smooth weighted round-robin: 30/20/10, give or take the accounts that were full.
        for got, want in zip(counts, (30, 20, 10)):
            assert abs(got - want) <= 6, counts
        log = d.read_log()
        assert "relay=up0[127.0.0.1]:" in log and "status=sent (250" in log, log[-2000:]
        status, body = d.admin("GET", "/api/accounts")
        assert status == 200, body
        sent = {a["name"]: a["sent"] for a in body["accounts"]}
        assert sent == {f"up{i}": c for i, c in enumerate(counts)}, (sent, counts)
        assert all(a["status"] == "up" and a["breaker"] == "closed" for a in body["accounts"])
        assert d.stop() == 0
    finally:
        for s in sinks:
            s.cleanup()
        if d:
            d.cleanup()


def test_mixed_recipient_replies_retry_the_deferred_and_bounce_the_refused():
    up = FakeUpstream(rcpt_replies={"later@example.com": "451 4.2.0 mailbox busy",
                                    "nobody@example.com": "550 5.1.1 no such user"})
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"fake 127.0.0.1:{up.port} tls=none\n", extra=FAST)
        d.start()
        qid = send(d.smtp_port, ["ok@example.com", "later@example.com", "nobody@example.com"],
                   "three recipients", sender="shop@sender.test")
        # First attempt: one delivered; the DSN for the refused one goes to the sender.
        wait_until(lambda: any(t.mail_from == "<>" for t in up.transactions()), timeout=30,
                   what="the DSN to the sender")
        first = [t for t in up.transactions() if t.mail_from == "shop@sender.test"]
        assert first and list(first[0].rcpt_tos) == ["ok@example.com"], first
        dsn = next(t for t in up.transactions() if t.mail_from == "<>")
        assert list(dsn.rcpt_tos) == ["shop@sender.test"], dsn.rcpt_tos
        report = dsn.data.decode(errors="replace")
        assert "multipart/report; report-type=delivery-status" in report, report[:500]
        assert "Final-Recipient: rfc822; nobody@example.com" in report, report
        assert "Status: 5.1.1" in report and "550 5.1.1 no such user" in report, report
        assert "later@example.com" not in report.split("message/delivery-status", 1)[1].split(
            "text/rfc822-headers")[0], "a deferred recipient must not be reported as failed"
        # The deferred one is retried after its backoff (1 s here) and then delivered, alone.
        up.set_rcpt_reply("later@example.com", None)
        wait_until(lambda: up.accepted()["later@example.com"] == 1, timeout=30,
                   what="the retry of the deferred recipient")
        assert up.accepted()["ok@example.com"] == 1, "a delivered recipient is never sent again"
        # The message keeps its refused recipient as dead, visible with sluicectl queue --dead.
        status, message = wait_until(lambda: (lambda r: r[0] == 200 and r[1]["state"] == "dead" and r)(
            d.admin("GET", f"/api/queue/{qid}")), timeout=30, what="the message to be dead")
        states = {r["address"]: r["state"] for r in message["recipients"]}
        assert states == {"ok@example.com": "delivered", "later@example.com": "delivered",
                          "nobody@example.com": "failed"}, states
        out = d.ctl("queue", "--dead")
        assert out.returncode == 0 and qid in out.stdout, out.stdout + out.stderr
        log = d.read_log()
        assert f"{qid}: to=<later@example.com>, relay=fake[127.0.0.1]:{up.port}" in log
        assert "dsn=4.2.0, status=deferred (451 4.2.0 mailbox busy" in log
        assert "dsn=5.1.1, status=bounced (550 5.1.1 no such user)" in log
        assert f"{qid}: sender non-delivery notification:" in log
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()


def test_bounces_are_never_bounced():
    up = FakeUpstream(rcpt_default="550 5.1.1 no such user")
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"fake 127.0.0.1:{up.port} tls=none\n", extra=FAST)
        d.start()
        send(d.smtp_port, ["gone@example.com"], "to a refused address", sender="shop@sender.test")
        # The original is refused, its DSN to shop@sender.test is refused as well: the DSN
        # (null sender) is dead, and no third message appears.
        wait_until(lambda: up.rcpt_attempts()["shop@sender.test"] >= 1, timeout=30,
                   what="the DSN delivery attempt")
        status, body = wait_until(lambda: (lambda r: len(r[1]["messages"]) == 2 and r)(
            d.admin("GET", "/api/queue?state=dead")), timeout=30, what="two dead messages")
        senders = sorted(m["sender"] for m in body["messages"])
        assert senders == ["", "shop@sender.test"], senders
        assert sum(up.rcpt_attempts().values()) == 2, up.rcpt_attempts()
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()


def test_sluicectl_accounts_and_operator_disable():
    first, second = SmtpSink(hostname="first.test"), SmtpSink(hostname="second.test")
    d = None
    try:
        first.start()
        second.start()
        d = Sluice(accounts=f"first 127.0.0.1:{first.port} tls=none\n"
                            f"second 127.0.0.1:{second.port} tls=none\n", extra=FAST)
        d.start()
        out = d.ctl("account", "disable", "first")
        assert out.returncode == 0 and "first: disabled" in out.stdout, out.stdout + out.stderr
        for i in range(10):
            send(d.smtp_port, [f"r{i}@example.com"], "while first is disabled")
        second.wait_messages(10, timeout=30)
        assert first.message_count() == 0
        out = d.ctl("accounts")
        assert out.returncode == 0, out.stderr
        lines = {l.split()[0]: l.split() for l in out.stdout.splitlines()[1:]}
        assert lines["first"][2] == "disabled" and lines["second"][2] == "up", out.stdout
        assert lines["second"][5] == "10", out.stdout
        assert d.ctl("account", "enable", "first").returncode == 0
        for i in range(10):
            send(d.smtp_port, [f"s{i}@example.com"], "both enabled")
        wait_until(lambda: first.message_count() + second.message_count() == 20, timeout=30,
                   what="the second batch")
        assert first.message_count() > 0, "an enabled account is back in rotation"
        bad = d.ctl("account", "disable", "nosuch")
        assert bad.returncode == 1 and "no such account: nosuch" in bad.stderr, bad.stderr
        status, body = d.admin("POST", "/api/accounts/first/disable", token="wrong-token-000000")
        assert status == 401, status
        assert d.stop() == 0
    finally:
        first.cleanup()
        second.cleanup()
        if d:
            d.cleanup()


def test_connections_are_reused_up_to_their_message_limit():
    up = FakeUpstream()
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"fake 127.0.0.1:{up.port} tls=none max_connections=1 "
                            "max_messages_per_connection=3\n",
                   extra=FAST + "smtp_breaker_cool_down = 1s\n")
        d.start()
        # Queued while the account is out, then released at once: one connection at a time.
        assert d.ctl("account", "disable", "fake").returncode == 0
        for i in range(5):
            send(d.smtp_port, [f"r{i}@example.com"], f"message {i}")
        assert d.ctl("account", "enable", "fake").returncode == 0
        up.wait_transactions(5, timeout=30)
        assert up.connections == 2, up.connections  # 3 + 2 messages
        verbs = [verb for _, verb, _ in up.commands()]
        assert verbs.count("RSET") == 3, verbs  # between the messages of one connection
        assert verbs.count("EHLO") == 2, verbs
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()


def test_smtputf8_mail_to_an_upstream_without_it_bounces_clearly():
    up = FakeUpstream(smtputf8=False)
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"fake 127.0.0.1:{up.port} tls=none\n", extra=FAST)
        d.start()
        import smtplib
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("client.test")
            s.sendmail("shop@sender.test", ["jürgen@example.com"],
                       "Subject: utf8\r\n\r\nhallo\r\n".encode(), mail_options=["SMTPUTF8"])
        wait_until(lambda: "status=bounced (550 5.6.7" in d.read_log(), timeout=30,
                   what="the SMTPUTF8 refusal")
        assert all("jürgen@example.com" not in t.rcpt_tos for t in up.transactions())
        assert "does not support SMTPUTF8" in d.read_log()
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_three_weighted_accounts_share_the_load,
               test_mixed_recipient_replies_retry_the_deferred_and_bounce_the_refused,
               test_bounces_are_never_bounced,
               test_sluicectl_accounts_and_operator_disable,
               test_connections_are_reused_up_to_their_message_limit,
               test_smtputf8_mail_to_an_upstream_without_it_bounces_clearly])
