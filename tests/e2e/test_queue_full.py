"""A full queue map refuses new mail with 452 4.3.1 and keeps serving; what was accepted before
stays intact and is delivered once there is room again: after a restart with a larger map, or,
under load, as the runner delivers and frees space in the same map."""
import re
import smtplib
import threading

from harness import Sluice, port_open, run_tests, wait_until
from sink import SmtpSink


def test_full_map_gives_452_and_loses_nothing():
    # No usable account (nothing listens on its port): mail stays queued and fills the map.
    d = Sluice(accounts="later 127.0.0.1:9 tls=none\n",
               extra="queue_map_size = 1m\nqueue_map_size_limit = 2m\nmessage_size_limit = 0\n"
                     "smtp_heartbeat_interval = 0\nsmtp_breaker_cool_down = 1s\n")
    try:
        d.start()
        body = ("Subject: fill\r\n\r\n" + ("z" * 998 + "\r\n") * 100).encode()  # ~100 KB
        accepted, refused = [], None
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=30) as s:
            for i in range(100):
                try:
                    s.sendmail("fill@shop.test", [f"r{i}@example.com"], body)
                    accepted.append(i)
                except smtplib.SMTPDataError as e:
                    refused = e
                    break
        assert refused is not None, "the 2 MiB map never filled"
        assert refused.smtp_code == 452 and b"4.3.1" in refused.smtp_error, refused
        assert 5 <= len(accepted) < 30, len(accepted)
        # The daemon still answers, and the queue lists exactly what got 250.
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            assert s.noop()[0] == 250
        status, listing = d.admin("GET", "/api/queue")
        assert status == 200 and listing["stats"]["messages"] == len(accepted), listing["stats"]
        assert d.stop() == 0

        # Room again (a larger map), and an account: everything accepted is delivered intact.
        d.write_config("dev maildir:maildir\n", extra="message_size_limit = 0\n")
        d.start()
        files = wait_until(lambda: len(d.delivered_files()) == len(accepted) and d.delivered_files(),
                           timeout=60, what="delivery of the accepted messages")
        for f in files:
            assert open(f, "rb").read().endswith(body.split(b"\r\n\r\n", 1)[1]), f
    finally:
        d.stop()
        d.cleanup()


TOKEN = re.compile(rb"token=(f\d+-\d+) ")
FILLER = ("z" * 998 + "\r\n") * 50  # ~50 KB


def fill_client(port, worker, accepted, refusals, lock, attempts=40):
    """Sends until the first refusal; records what got 250 and the refusal's reply."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            for i in range(attempts):
                token = f"f{worker}-{i}"
                try:
                    s.sendmail("fill@shop.test", [f"{token}@example.com"],
                               f"Subject: {token}\r\n\r\ntoken={token} \r\n{FILLER}END\r\n".encode())
                except smtplib.SMTPDataError as e:
                    with lock:
                        refusals.append((e.smtp_code, e.smtp_error.decode()))
                    return
                with lock:
                    accepted.add(token)
    except (smtplib.SMTPException, OSError) as e:
        with lock:
            refusals.append((0, repr(e)))


def test_map_full_under_load_then_space_returns_as_mail_leaves():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        sink.stop()  # its port is known; nothing listens yet, so mail piles up
        d = Sluice(accounts=f"sink 127.0.0.1:{sink.port} tls=none\n",
                   extra="queue_map_size = 1m\nqueue_map_size_limit = 2m\nmessage_size_limit = 0\n"
                         "smtp_heartbeat_interval = 1s\nsmtp_breaker_failure_threshold = 2\n"
                         "smtp_breaker_cool_down = 1s\nsmtp_connect_timeout = 1s\n")
        d.start()
        accepted, refusals, lock = set(), [], threading.Lock()
        threads = [threading.Thread(target=fill_client, args=(d.smtp_port, w, accepted, refusals, lock))
                   for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        # Every client ran into the full map, each with the same temporary refusal.
        assert sorted(refusals) == [(452, "4.3.1 Insufficient system storage")] * 4, refusals
        assert 5 <= len(accepted) < 60, len(accepted)  # 2 MiB holds at most ~40 of ~50 KB
        # SIGKILL with the map full: the store must open again, holding exactly what got 250.
        d.kill9()
        d.start()
        wait_until(lambda: port_open(d.admin_port), timeout=10, what="the admin API")
        assert sorted(m["recipients"][0]["address"].split("@")[0] for m in d.queued()) == \
            sorted(accepted), d.queued()
        # Space returns as the upstream comes back and the runner delivers.
        sink.start()
        def tokens():
            return [TOKEN.search(m.data).group(1).decode() for m in sink.messages()]
        wait_until(lambda: set(tokens()) >= accepted, timeout=60, what="the accepted mail delivered")
        wait_until(lambda: d.queued() == [], timeout=30, what="an empty queue")
        assert all(m.data.endswith(b"END\r\n") for m in sink.messages())
        # The same 2 MiB map takes new mail again, as much as filled it (the runner frees space).
        more, refusals = set(), []
        for w in range(2):
            fill_client(d.smtp_port, 10 + w, more, refusals, lock, attempts=len(accepted) // 2 + 1)
        assert refusals == [] and len(more) >= len(accepted), (refusals, len(more))
        wait_until(lambda: set(tokens()) >= accepted | more, timeout=60, what="the new mail delivered")
        print(f"map full after {len(accepted)} accepted; {len(more)} more after it drained; "
              f"{len(tokens()) - len(set(tokens()))} duplicates", flush=True)
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_full_map_gives_452_and_loses_nothing,
               test_map_full_under_load_then_space_returns_as_mail_leaves])
