"""Crash drill: repeated kill -9 under sustained load. Each cycle starts the daemon on the same
queue, lets concurrent clients send unique tokens while it delivers to an smtp-sink upstream,
and kills it with SIGKILL at a random moment. At the end every token that got 250 has reached
the sink at least once, each copy complete, and the queue is empty. Duplicates (at-least-once
delivery) are counted and printed, not failed. SLUICE_DRILL_SEED replays a run's kill moments."""
import collections
import os
import random
import re
import smtplib
import threading
import time

from harness import Sluice, run_tests, wait_until
from sink import SmtpSink

CYCLES = int(os.environ.get("SLUICE_DRILL_CYCLES", "10"))
CLIENTS = 6
TOKEN = re.compile(rb"token=(k\d+-c\d+-m\d+) ")


def body_of(token):
    return f"Subject: {token}\r\n\r\ntoken={token} \r\n" + "x" * 500 + f"\r\nEND {token}\r\n"


def client(port, cycle, index, accepted, lock, stop):
    sent = 0
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            while not stop.is_set() and sent < 2000:
                token = f"k{cycle}-c{index}-m{sent}"
                s.sendmail("load@shop.test", [f"u{index}@example.com"], body_of(token).encode())
                with lock:
                    accepted.add(token)  # sendmail returns only after the final 250
                sent += 1
    except (smtplib.SMTPException, OSError):
        pass  # killed under us: what got no 250 is the client's to retry


def one_cycle(d, cycle, rng, accepted):
    """Starts the daemon, loads it, kills it at a random moment; returns tokens accepted."""
    d.start()
    lock, stop = threading.Lock(), threading.Event()
    mine = set()
    threads = [threading.Thread(target=client, args=(d.smtp_port, cycle, i, mine, lock, stop))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    # Some load first, so every cycle kills mid-stream, then anywhere in the next 1.5 s.
    wait_until(lambda: len(mine) >= 5, timeout=60, interval=0.01, what=f"cycle {cycle} load")
    time.sleep(rng.uniform(0.0, 1.5))
    d.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        accepted |= mine
    return len(mine)


def test_ten_kill9_cycles_under_load_lose_nothing():
    seed = int(os.environ.get("SLUICE_DRILL_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"SLUICE_DRILL_SEED={seed}", flush=True)
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"sink 127.0.0.1:{sink.port} tls=none max_connections=4\n",
                   extra="smtp_heartbeat_interval = 0\n")
        accepted = set()
        for cycle in range(CYCLES):
            n = one_cycle(d, cycle, rng, accepted)
            print(f"cycle {cycle}: {n} accepted, sink has {sink.message_count()}", flush=True)

        d.start()
        def delivered():
            counts = collections.Counter()
            for m in sink.messages(timeout=30):
                found = TOKEN.search(m.data)
                assert found, f"no token in {m.data[:300]!r}"
                token = found.group(1).decode()
                # Complete, not cut short: the body ends as the client sent it.
                assert m.data.endswith(f"END {token}\r\n".encode()), f"{token}: truncated"
                counts[token] += 1
            return counts
        # First the queue drains (every delivery recorded), then the sink's dumps are read: while
        # deliveries still arrive its message count keeps running ahead of the dumps.
        wait_until(lambda: d.queued() == [], timeout=120, interval=0.5, what="an empty queue")
        counts = delivered()
        missing = accepted - set(counts)
        assert not missing, f"{len(missing)} accepted tokens never delivered: {sorted(missing)[:10]}"
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        unseen = set(counts) - accepted
        print(f"{CYCLES} kill -9 cycles: {len(accepted)} accepted, {len(counts)} distinct "
              f"delivered, {duplicates} duplicates, {len(unseen)} delivered whose 250 the client "
              f"never saw (killed before the reply)", flush=True)
        assert len(accepted) >= CYCLES * 5
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_ten_kill9_cycles_under_load_lose_nothing])
