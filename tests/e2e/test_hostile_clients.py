"""Hostile clients against the running daemon: 100 000 pipelined RCPT commands, NUL bytes in
commands and data, a client that never reads its replies, a flood of connections. Each case
checks the exact replies and that the daemon then serves an ordinary client. (Smuggling, relay
from outside mynetworks, the 10 MB line and the trickling client are in test_smtp_inbound.py.)"""
import socket
import threading
import time

from harness import RawClient, Sluice, run_tests, send, wait_until

TOO_MANY_ERRORS = "421 4.7.0 relay.test Error: too many errors"


def start(*overrides):
    return Sluice().start(*overrides)


def peak_rss_kib(pid):
    """The process's peak resident set (VmHWM): what a burst of input made it hold at most."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def greet(c):
    code, text = c.reply()
    assert code == 220 and text == "220 relay.test ESMTP sluice", text
    c.send(b"EHLO raw.test\r\n")
    assert c.reply()[0] == 250


def replies(c, count):
    return [c.reply()[1] for _ in range(count)]


def still_serves(d, rcpt="after@example.com"):
    """An ordinary client gets its message queued and delivered after the attack."""
    qid = send(d.smtp_port, [rcpt], "ordinary mail after the attack")
    wait_until(lambda: any(qid in open(p, "rb").read().decode(errors="replace")
                           for p in d.delivered_files()), timeout=30, what=f"{qid} delivered")
    return qid


def test_100000_pipelined_rcpt_hit_the_recipient_and_error_limits():
    # Defaults: smtpd_recipient_limit = 1000, smtpd_hard_error_limit = 20.
    d = start()
    try:
        c = RawClient(d.smtp_port, timeout=30)
        greet(c)
        before = peak_rss_kib(d.proc.pid)
        batch = b"MAIL FROM:<a@b.test>\r\n" + b"".join(
            b"RCPT TO:<r%d@example.com>\r\n" % i for i in range(100000))
        # Sent from a thread while this one reads, so replies never wait behind our send; the
        # daemon closes long before the end, so the send is cut short by design.
        sender = threading.Thread(target=lambda: _send_ignoring_close(c.sock, batch))
        sender.start()
        got = replies(c, 1 + 1000 + 20 + 1)
        assert got[0] == "250 2.1.0 Ok"
        assert got[1:1001] == ["250 2.1.5 Ok"] * 1000, set(got[1:1001])
        assert got[1001:1021] == ["452 4.5.3 Error: too many recipients"] * 20, got[1001:1021]
        assert got[1021] == TOO_MANY_ERRORS, got[1021]
        assert c.closed(timeout=10)
        sender.join(timeout=30)
        c.close()
        growth = peak_rss_kib(d.proc.pid) - before
        print(f"peak RSS growth for 100 000 RCPT: {growth} KiB", flush=True)
        assert growth < 16 * 1024, growth  # 3.5 MB of commands; nowhere near all of it kept
        still_serves(d)
        assert len(d.delivered_files()) == 1, "a message from the flood"
        assert d.stop() == 0
    finally:
        d.cleanup()


def _send_ignoring_close(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass  # reset or broken pipe once the daemon closed the connection


def test_nul_bytes_in_commands_are_refused_and_in_data_kept():
    d = start()
    try:
        c = RawClient(d.smtp_port)
        greet(c)
        c.send(b"NOOP\x00\r\nMAIL FROM:<a\x00b@b.test>\r\nMAIL\x00 FROM:<a@b.test>\r\n\x00\r\n")
        assert replies(c, 4) == ["501 5.5.2 Syntax error: bare CR, LF or NUL"] * 4
        # No transaction was started by any of them; a clean one works on the same connection.
        c.send(b"RCPT TO:<r@example.com>\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<nul\x00@example.com>\r\n"
               b"RCPT TO:<nul@example.com>\r\nDATA\r\n")
        assert replies(c, 5) == ["503 5.5.1 Error: need MAIL command", "250 2.1.0 Ok",
                                 "501 5.5.2 Syntax error: bare CR, LF or NUL", "250 2.1.5 Ok",
                                 "354 End data with <CR><LF>.<CR><LF>"]
        # In the body a NUL is content (as in Postfix, whose message_reject_characters is empty
        # by default): stored and delivered byte for byte.
        c.send(b"Subject: nul\r\n\r\nbefore\x00after\r\n\x00\r\n.\r\n")
        code, text = c.reply()
        assert code == 250 and "queued as" in text, text
        qid = text.rsplit(" ", 1)[1]
        c.send(b"QUIT\r\n")
        assert c.reply()[1] == "221 2.0.0 Bye"
        [path] = wait_until(lambda: d.delivered_files(), timeout=30, what="delivery")
        data = open(path, "rb").read()
        assert qid.encode() in data and data.endswith(b"\r\n\r\nbefore\x00after\r\n\x00\r\n"), data[-80:]
        still_serves(d)
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_client_that_never_reads_its_replies_is_dropped():
    # Pipelined NOOPs, no reply ever read: once the socket buffers are full the daemon stops
    # reading (back-pressure, no unbounded reply buffer) and the 2 s deadline ends the session.
    d = start("smtpd_timeout=2s")
    try:
        c = RawClient(d.smtp_port, timeout=10)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        started, sent, stopped = time.monotonic(), 0, None
        burst = b"NOOP\r\n" * 10000
        while time.monotonic() - started < 20 and sent < 200 * len(burst):
            try:
                c.sock.sendall(burst)
            except OSError as e:  # reset by the daemon's close, or our send blocked 10 s
                stopped = e
                break
            sent += len(burst)
        elapsed = time.monotonic() - started
        print(f"sent {sent} bytes before the daemon dropped us after {elapsed:.1f}s", flush=True)
        assert isinstance(stopped, (ConnectionResetError, BrokenPipeError)), stopped
        assert elapsed < 15 and sent < 100 * len(burst), (elapsed, sent)
        c.close()
        # The log is written asynchronously: give its line a moment to land.
        wait_until(lambda: "timeout after 2s from [127.0.0.1]" in d.read_log(), timeout=10,
                   what="the timeout log line")
        still_serves(d)
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_flood_of_connections_beyond_smtpd_max_connections():
    d = start("smtpd_max_connections=4")
    try:
        # Twice the limit, all opened before any is read.
        socks = [socket.create_connection(("127.0.0.1", d.smtp_port), timeout=10) for _ in range(8)]
        clients = []
        for s in socks:
            c = RawClient.__new__(RawClient)
            c.sock, c.buf = s, b""
            clients.append((c, c.reply()[1]))
        greetings = sorted(text for _, text in clients)
        assert greetings == (["220 relay.test ESMTP sluice"] * 4 +
                             ["421 4.7.0 relay.test Error: too many connections"] * 4), greetings
        for c, text in clients:
            if text.startswith("421"):
                assert c.closed(), "a refused connection is closed"
            else:  # the admitted ones work normally while the limit is reached
                c.send(b"NOOP\r\n")
                assert c.reply()[1] == "250 2.0.0 Ok"
        # Still full: one more is turned away.
        extra = RawClient(d.smtp_port)
        assert extra.reply()[1] == "421 4.7.0 relay.test Error: too many connections"
        extra.close()
        for c, _ in clients:
            c.close()
        # Once they go, the daemon serves again (sessions notice the close asynchronously).
        wait_until(lambda: _greeting(d.smtp_port) == "220 relay.test ESMTP sluice", timeout=10,
                   what="a free connection slot")
        still_serves(d)
        assert d.stop() == 0
    finally:
        d.cleanup()


def _greeting(port):
    c = RawClient(port)
    try:
        return c.reply()[1]
    finally:
        c.close()


if __name__ == "__main__":
    run_tests([test_100000_pipelined_rcpt_hit_the_recipient_and_error_limits,
               test_nul_bytes_in_commands_are_refused_and_in_data_kept,
               test_client_that_never_reads_its_replies_is_dropped,
               test_flood_of_connections_beyond_smtpd_max_connections])
