"""Crash safety: concurrent clients send thousands of messages, the daemon is killed with
SIGKILL at a random moment, restarted, and every message that got 250 must be delivered, each
file complete. Duplicates (at-least-once) are counted and reported, not failed."""
import collections
import os
import random
import re
import smtplib
import threading
import time

from harness import Sluice, run_tests, wait_until

CLIENTS = int(os.environ.get("CRASH_CLIENTS", "16"))
PER_CLIENT = int(os.environ.get("CRASH_PER_CLIENT", "300"))
TOKEN = re.compile(rb"token=(c\d+-m\d+) ")


def client(port, index, accepted, lock, stop):
    sent = 0
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            while sent < PER_CLIENT and not stop.is_set():
                token = f"c{index}-m{sent}"
                body = (f"Subject: {token}\r\n\r\ntoken={token} \r\n" + "x" * 200 + "\r\nEND " + token + "\r\n")
                s.sendmail("load@shop.test", [f"u{index}@example.com"], body.encode())
                with lock:
                    accepted.add(token)  # sendmail returns only after the final 250
                sent += 1
    except (smtplib.SMTPException, OSError):
        pass  # the daemon died under us: whatever got no 250 is the client's to retry


def test_kill9_under_load_loses_nothing():
    d = Sluice()
    try:
        d.start()
        accepted, lock, stop = set(), threading.Lock(), threading.Event()
        threads = [threading.Thread(target=client, args=(d.smtp_port, i, accepted, lock, stop))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        total = CLIENTS * PER_CLIENT
        # Kill somewhere between a fifth and four fifths of the load, after at least 1000.
        kill_at = random.randint(max(1000, total // 5), total * 4 // 5)
        wait_until(lambda: len(accepted) >= kill_at, timeout=300, interval=0.01, what="load")
        d.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        got_250 = set(accepted)
        print(f"killed after {len(got_250)} accepted messages (target {kill_at})", flush=True)
        assert len(got_250) >= 1000, len(got_250)

        d.start()
        def delivered_tokens():
            counts = collections.Counter()
            for path in d.delivered_files():
                data = open(path, "rb").read()
                m = TOKEN.search(data)
                assert m, f"{path}: no token: {data[:300]!r}"
                token = m.group(1).decode()
                # Complete, not half-written: the last line is there and the headers are ours.
                assert data.startswith(b"Delivered-To: "), path
                assert data.endswith(f"END {token}\r\n".encode()), f"{path}: truncated"
                counts[token] += 1
            return counts
        counts = wait_until(lambda: (lambda c: c if got_250 <= set(c) else None)(delivered_tokens()),
                            timeout=300, interval=0.5, what="every accepted message delivered")
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        extra = set(counts) - got_250
        print(f"delivered {len(counts)} distinct messages; {duplicates} duplicates; "
              f"{len(extra)} delivered without a 250 seen by the client (killed before the reply)",
              flush=True)
        listing = d.ctl("queue")
        assert listing.returncode == 0, listing.stderr
        wait_until(lambda: "Mail queue is empty" in d.ctl("queue").stdout or
                   "0 Requests" in d.ctl("queue").stdout, timeout=60, what="empty queue")
        assert d.stop() == 0
    finally:
        d.cleanup()


if __name__ == "__main__":
    run_tests([test_kill9_under_load_loses_nothing])
