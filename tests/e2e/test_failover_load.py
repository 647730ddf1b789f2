"""Faults under load. Failover: two accounts, one killed in the middle of several thousand
messages; every accepted message is delivered through the other, none is lost; the dead
account's breaker opens, and closes again once it is back. Upstream faults: one account whose
upstream answers 421, 451 and 554, drops connections in the middle of DATA and stalls, in turn,
while clients send; every accepted recipient ends delivered or bounced (a DSN), none is lost."""
import collections
import re
import smtplib
import threading
import time

from harness import Sluice, run_tests, wait_until
from sink import SmtpSink
from upstream import DEFAULTS, FakeUpstream

MESSAGES = 3000
CLIENTS = 10


def load(port, count, worker, accepted, errors):
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            s.ehlo("load.test")
            for i in range(count):
                rcpt = f"w{worker}-{i}@example.com"
                refused = s.sendmail("load@shop.test", [rcpt],
                                     f"Subject: {rcpt}\r\n\r\nbody {i}\r\n".encode())
                assert not refused, refused
                accepted.append(rcpt)
    except Exception as e:  # reported by the test, never swallowed
        errors.append(repr(e))


def test_one_of_two_accounts_dies_under_load():
    a, b = SmtpSink(hostname="a.test", dump=False), SmtpSink(hostname="b.test", dump=False)
    d = None
    try:
        a.start()
        b.start()
        d = Sluice(accounts=f"a 127.0.0.1:{a.port} tls=none max_connections=8\n"
                            f"b 127.0.0.1:{b.port} tls=none max_connections=8\n",
                   extra="smtp_heartbeat_interval = 1s\nsmtp_breaker_failure_threshold = 3\n"
                         "smtp_breaker_cool_down = 2s\nsmtp_connect_timeout = 2s\n")
        d.start()
        accepted, errors = [], []
        per_client = MESSAGES // CLIENTS
        threads = [threading.Thread(target=load, args=(d.smtp_port, per_client, w, accepted, errors))
                   for w in range(CLIENTS)]
        for t in threads:
            t.start()
        wait_until(lambda: a.message_count() >= 300, timeout=60, what="a to carry some load")
        a.kill()  # dies in the middle: connections reset, new ones refused
        wait_until(lambda: d.accounts()["a"]["breaker"] != "closed", timeout=30,
                   what="a's breaker to open")
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors[:3]
        assert len(accepted) == MESSAGES
        wait_until(lambda: a.message_count() + b.message_count() >= MESSAGES, timeout=120,
                   what="every accepted message at a sink")
        wait_until(lambda: d.queued() == [], timeout=60,
                   what="an empty queue (removed only after an upstream 250)")
        delivered = a.message_count() + b.message_count()
        duplicates = delivered - MESSAGES
        print(f"delivered {delivered} for {MESSAGES} accepted: a={a.message_count()} "
              f"b={b.message_count()} duplicates={duplicates}", flush=True)
        assert duplicates >= 0
        assert d.accounts()["a"]["status"] == "down" or d.accounts()["a"]["breaker"] != "closed"
        a.restart()
        wait_until(lambda: d.accounts()["a"]["breaker"] == "closed" and d.accounts()["a"]["status"] == "up",
                   timeout=30, what="a's breaker to close again")
        log = d.read_log()
        assert "moving 1 recipient(s) from account a to b" in log or "account a failed" in log
        assert d.stop() == 0
    finally:
        a.cleanup()
        b.cleanup()
        if d:
            d.cleanup()


FAULTS = (  # (name, FakeUpstream script), each for a moment while the load runs
    ("451 at end of data", {"data_reply": "451 4.3.0 temporary failure"}),
    ("421 at the greeting", {"greeting_reply": "421 4.3.2 not now"}),
    ("drop in DATA", {"drop_in_data_after": 100}),
    ("stall after DATA", {"delays": {"data": 2}}),
    ("554 at end of data", {"data_reply": "554 5.6.0 content rejected"}),
    ("healthy", {}),
)
FINAL_RECIPIENT = re.compile(rb"Final-Recipient: rfc822; ?([^\s]+)")
DSN_QUEUED = re.compile(r"([0-9A-F]{16}): sender non-delivery notification: ")


def inject_faults(up, rounds, phase_seconds, log):
    scripted = {key for _, script in FAULTS for key in script}
    for _ in range(rounds):
        for name, script in FAULTS:
            up.configure(**{**{k: DEFAULTS[k] for k in scripted}, **script})
            log.append(name)
            time.sleep(phase_seconds)


def test_upstream_faults_while_load_runs():
    # Every 25th recipient is unknown upstream: always a bounce, whatever else happens.
    unknown = {f"w{w}-{i}@example.com": "550 5.1.1 User unknown" for w in range(4)
               for i in range(7, 75, 25)}
    up = FakeUpstream(rcpt_replies=unknown)
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"flaky 127.0.0.1:{up.port} tls=none max_connections=4\n",
                   extra="smtp_heartbeat_interval = 1s\nsmtp_breaker_failure_threshold = 3\n"
                         "smtp_breaker_cool_down = 1s\nsmtp_connect_timeout = 2s\n"
                         "smtp_helo_timeout = 2s\nsmtp_data_done_timeout = 1s\n"
                         "smtp_connection_cache_time_limit = 1s\n")
        d.start()
        accepted, errors, phases = [], [], []
        faults = threading.Thread(target=inject_faults, args=(up, 2, 0.8, phases))
        faults.start()
        threads = [threading.Thread(target=load, args=(d.smtp_port, 75, w, accepted, errors))
                   for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        faults.join(timeout=60)
        assert not errors, errors[:3]
        assert len(accepted) == 300 and phases[-1] == "healthy", phases

        def outcomes():
            """(delivered, reported): upstream copies per recipient, and the recipients each
            DSN that reached the upstream reports on."""
            delivered, reported = collections.Counter(), collections.Counter()
            for t in up.transactions():
                if t.mail_from in ("", "<>"):
                    reported.update(a.decode() for a in FINAL_RECIPIENT.findall(t.data))
                else:
                    delivered.update(t.rcpt_tos)
            return delivered, reported

        def bounced():
            """Recipients that failed for good and whose message queued a DSN. That DSN may
            itself meet the 554 phase: then it is dead too (a bounce is never bounced)."""
            with_dsn = set(DSN_QUEUED.findall(d.read_log()))
            return {r["address"] for m in d.queued() if m["state"] == "dead" and m["sender"]
                    and m["id"] in with_dsn for r in m["recipients"] if r["state"] == "failed"}

        def missing():
            delivered, reported = outcomes()
            gone = bounced()
            return [r for r in accepted if r not in delivered and r not in reported and r not in gone]
        try:
            wait_until(lambda: not missing(), timeout=60, interval=0.5,
                       what="every accepted recipient delivered or bounced")
            # Nothing left to send: what stays listed is bounced mail, kept as dead for a while.
            wait_until(lambda: all(m["state"] == "dead" for m in d.queued()), timeout=60,
                       what="no active message left")
        except AssertionError:
            print(f"missing {missing()[:5]}; queue {d.queued()[:3]}", flush=True)
            raise
        delivered, reported = outcomes()
        gone = bounced()
        assert set(unknown) <= gone and not set(unknown) & set(delivered), set(unknown) - gone
        assert set(reported) <= gone, set(reported) - gone  # each DSN is about a real failure
        assert set(delivered) | gone == set(accepted), set(delivered) | gone ^ set(accepted)
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        dsn_duplicates = sum(n - 1 for n in reported.values() if n > 1)
        print(f"faults {phases}: {len(accepted)} accepted, {len(delivered)} delivered, "
              f"{len(gone)} bounced ({len(gone - set(reported))} of their DSNs refused by the "
              f"upstream), {duplicates} duplicate deliveries, {dsn_duplicates} duplicate DSNs, "
              f"{len(set(delivered) & gone)} both delivered and bounced, "
              f"{len(up.drops())} drops in DATA", flush=True)
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_one_of_two_accounts_dies_under_load, test_upstream_faults_while_load_runs])
