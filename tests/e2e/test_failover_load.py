"""Failover under load: two accounts, one killed in the middle of several thousand messages.
Every accepted message is delivered through the other, none is lost; the dead account's
breaker opens, and closes again once it is back."""
import smtplib
import threading

from harness import Sluice, run_tests, wait_until
from sink import SmtpSink

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


if __name__ == "__main__":
    run_tests([test_one_of_two_accounts_dies_under_load])
