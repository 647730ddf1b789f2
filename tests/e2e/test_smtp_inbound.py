"""The inbound SMTP server against raw and library clients: relay control, smuggling, limits,
pipelining, per-line timeouts, and that the daemon keeps serving afterwards."""
import smtplib
import socket
import threading
import time

from harness import RawClient, Sluice, run_tests, send, wait_until


def ehlo(c):
    assert c.reply()[0] == 220
    c.send(b"EHLO raw.test\r\n")
    code, text = c.reply()
    assert code == 250 and "PIPELINING" in text and "CHUNKING" in text, text


def replies(c, count):
    return [c.reply()[1] for _ in range(count)]


TOO_MANY_ERRORS = "421 4.7.0 relay.test Error: too many errors"


def start(*overrides, extra=""):
    return Sluice(extra=extra).start(*overrides)


def test_relay_denied_outside_mynetworks():
    # The test connects from 127.0.0.1; only 127.0.0.2 may relay.
    d = start("mynetworks=127.0.0.2/32")
    try:
        c = RawClient(d.smtp_port)
        ehlo(c)
        c.send(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<victim@example.com>\r\n"
               b"RCPT TO:<Other@Example.COM>\r\nDATA\r\n")
        assert replies(c, 4) == ["250 2.1.0 Ok", "554 5.7.1 <victim@example.com>: Relay access denied",
                                 "554 5.7.1 <Other@Example.COM>: Relay access denied",
                                 "503 5.5.1 Error: need RCPT command"]
        # Each denial counts against smtpd_hard_error_limit (20): 3 so far, 17 more close it.
        c.send(b"RCPT TO:<victim@example.com>\r\n" * 17)
        got = replies(c, 18)
        assert got[:17] == ["554 5.7.1 <victim@example.com>: Relay access denied"] * 17, got
        assert got[17] == TOO_MANY_ERRORS, got[17]
        assert c.closed()
        c.close()
        # A client inside mynetworks (bound to 127.0.0.2) relays through the same daemon.
        s = smtplib.SMTP(timeout=10, source_address=("127.0.0.2", 0))
        try:
            s.connect("127.0.0.1", d.smtp_port)
            s.ehlo("inside.test")
            assert s.mail("a@b.test")[0] == 250
            assert s.rcpt("friend@example.com")[0] == 250
            code, text = s.data(b"Subject: inside\r\n\r\nrelayed\r\n")
            assert code == 250 and b"queued as" in text, text
        finally:
            s.quit()
        wait_until(lambda: len(d.delivered_files()) == 1, timeout=30, what="the allowed relay")
        assert "friend@example.com" in open(d.delivered_files()[0], "rb").read().decode()
        assert d.stop() == 0
    finally:
        d.cleanup()


BARE_LF = "550 5.5.2 Error: bare <LF> received"
BARE_CR = "550 5.5.2 Error: bare <CR> received"


def test_smuggling_variants_are_not_end_of_data():
    d = start()
    try:
        # The smuggling dots (<LF>.<LF>, <CR>.<CR>, <LF>.<CRLF>, <CR><LF>.<LF>) and bare CR or
        # LF anywhere else in the body.
        for variant, expected in ((b"\n.\n", BARE_LF), (b"\r.\r", BARE_CR), (b"\n.\r\n", BARE_LF),
                                  (b"\r\n.\n", BARE_LF), (b"\r\nhalf\nline\r\n", BARE_LF),
                                  (b"\r\nhalf\rline\r\n", BARE_CR), (b"\r\nend\r\r\n", BARE_CR)):
            c = RawClient(d.smtp_port)
            ehlo(c)
            c.send(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n")
            assert [c.reply()[0] for _ in range(3)] == [250, 250, 354]
            # The smuggled transaction's own <CRLF>.<CRLF> is the only real end of data: the
            # whole thing is one message with a bare line end, refused, and the session closed.
            c.send(b"Subject: s\r\n\r\nfirst" + variant +
                   b"MAIL FROM:<evil@b.test>\r\nRCPT TO:<smuggled@example.com>\r\nDATA\r\nsmuggled\r\n.\r\n")
            assert c.reply()[1] == expected, variant
            assert c.closed(), variant
        # The daemon serves the next client; its message is the only one ever stored.
        qid = send(d.smtp_port, ["honest@example.com"], "honest")
        [path] = wait_until(lambda: d.delivered_files(), what="the honest message")
        data = open(path, "rb").read()
        assert qid.encode() in data and b"smuggled" not in data, data
        wait_until(lambda: d.queued() == [], what="an empty queue")
        assert len(d.delivered_files()) == 1
        assert "smuggled" not in d.read_log() and "evil@b.test" not in d.read_log()
    finally:
        d.stop(); d.cleanup()


def test_pipelined_transaction_and_dot_unstuffing():
    d = start()
    try:
        c = RawClient(d.smtp_port)
        assert c.reply()[0] == 220
        c.send(b"EHLO p.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<r1@example.com>\r\n"
               b"RCPT TO:<r2@example.com>\r\nDATA\r\n")
        codes = [c.reply()[0] for _ in range(5)]
        assert codes == [250, 250, 250, 250, 354], codes
        c.send(b"Subject: dots\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n")
        code, text = c.reply()
        assert code == 250 and "queued as" in text, text
        assert c.reply()[0] == 221
        files = wait_until(lambda: len(d.delivered_files()) == 2 and d.delivered_files(), what="delivery")
        assert "\r\n.leading dot\r\n" in open(files[0], newline="").read()
    finally:
        d.stop(); d.cleanup()


def test_size_limit_and_recipient_limit():
    d = start("message_size_limit=2000", "smtpd_recipient_limit=2")
    try:
        c = RawClient(d.smtp_port)
        ehlo(c)
        c.send(b"MAIL FROM:<a@b.test> SIZE=5000\r\n")
        code, text = c.reply()
        assert code == 552 and "5.3.4" in text, text
        c.send(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<1@x.test>\r\nRCPT TO:<2@x.test>\r\nRCPT TO:<3@x.test>\r\n")
        assert [c.reply()[0] for _ in range(3)] == [250, 250, 250]
        code, text = c.reply()
        assert code == 452 and "4.5.3" in text, text
        c.send(b"DATA\r\n")
        assert c.reply()[0] == 354
        c.send(b"Subject: big\r\n\r\n" + b"y" * 5000 + b"\r\n.\r\n")
        code, text = c.reply()
        assert code == 552 and "5.3.4" in text, text
        c.send(b"NOOP\r\n")
        assert c.reply()[0] == 250  # the session goes on
    finally:
        d.stop(); d.cleanup()


def test_trickling_client_times_out_per_line():
    d = start("smtpd_timeout=3s")
    try:
        result = {}
        honest = threading.Thread(target=_honest_slow_client, args=(d.smtp_port, result))
        honest.start()
        # One byte per second: no line ever completes, so the per-line deadline (3 s) ends it.
        c = RawClient(d.smtp_port, timeout=15)
        assert c.reply()[0] == 220
        started = time.monotonic()
        dropped = None
        for ch in b"EHLO slow.example.com\r\n":
            try:
                c.send(bytes([ch]))
            except OSError:
                break
            c.sock.settimeout(1.0)
            try:
                dropped = c.reply()
                break
            except socket.timeout:
                pass
            if time.monotonic() - started > 8:
                break
        elapsed = time.monotonic() - started
        assert dropped == (421, "421 4.4.2 relay.test Error: timeout exceeded"), dropped
        assert 2.5 <= elapsed <= 7, elapsed
        assert c.closed()
        c.close()
        honest.join(timeout=30)
        # Six lines 1.2 s apart: the session lasted well past smtpd_timeout, each line within it.
        assert result.get("error") is None, result
        assert result["elapsed"] > 5, result
        wait_until(lambda: len(d.delivered_files()) == 1, timeout=30, what="the slow client's mail")
        assert d.stop() == 0
    finally:
        d.cleanup()


def _honest_slow_client(port, result):
    """Each line in two halves 0.6 s apart, the next line 0.6 s later: slow, never idle 3 s."""
    started = time.monotonic()
    try:
        c = RawClient(port, timeout=15)
        assert c.reply()[0] == 220
        for line, expect in ((b"EHLO honest.test", 250), (b"MAIL FROM:<slow@b.test>", 250),
                             (b"RCPT TO:<patient@example.com>", 250), (b"DATA", 354),
                             (b"Subject: slow\r\n\r\nslowly but surely\r\n.", 250),
                             (b"QUIT", 221)):
            half = len(line) // 2
            c.send(line[:half])
            time.sleep(0.6)
            c.send(line[half:] + b"\r\n")
            code, text = c.reply()
            assert code == expect, (line, code, text)
            time.sleep(0.6)
        c.close()
    except Exception as e:  # reported by the test
        result["error"] = repr(e)
    result["elapsed"] = time.monotonic() - started


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])


def test_endless_line_is_bounded():
    d = start()
    try:
        c = RawClient(d.smtp_port)
        ehlo(c)
        before = peak_rss_kib(d.proc.pid)
        chunk = b"A" * 65536
        for _ in range(160):  # 10 MB without a line end
            c.send(chunk)
        c.send(b"\r\nNOOP\r\n")
        assert c.reply()[1] == "500 5.5.2 Error: line too long"
        assert c.reply()[1] == "250 2.0.0 Ok"
        # Dropped as it arrived, never held: the peak resident set grew by far less than 10 MB.
        growth = peak_rss_kib(d.proc.pid) - before
        assert growth < 4 * 1024, f"peak RSS grew by {growth} KiB"
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            assert s.noop()[0] == 250
    finally:
        d.stop(); d.cleanup()


if __name__ == "__main__":
    run_tests([test_relay_denied_outside_mynetworks, test_smuggling_variants_are_not_end_of_data,
               test_pipelined_transaction_and_dot_unstuffing, test_size_limit_and_recipient_limit,
               test_trickling_client_times_out_per_line, test_endless_line_is_bounded])
