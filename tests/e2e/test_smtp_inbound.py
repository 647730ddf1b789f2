"""The inbound SMTP server against raw and library clients: relay control, smuggling, limits,
pipelining, per-line timeouts, and that the daemon keeps serving afterwards."""
import smtplib
import time

from harness import RawClient, Sluice, run_tests, send, wait_until


def ehlo(c):
    assert c.reply()[0] == 220
    c.send(b"EHLO raw.test\r\n")
    code, text = c.reply()
    assert code == 250 and "PIPELINING" in text and "CHUNKING" in text, text


def start(*overrides, extra=""):
    return Sluice(extra=extra).start(*overrides)


def test_relay_denied_outside_mynetworks():
    d = start("mynetworks=10.0.0.0/8")
    try:
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("outside.test")
            s.mail("a@b.test")
            code, text = s.rcpt("victim@example.com")
            assert code == 554 and b"5.7.1" in text and b"Relay access denied" in text, (code, text)
    finally:
        d.stop(); d.cleanup()


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
    d = start("smtpd_timeout=2s")
    try:
        c = RawClient(d.smtp_port, timeout=15)
        assert c.reply()[0] == 220
        started = time.monotonic()
        try:
            for ch in b"EHLO slow.example.com":  # one byte every 0.5 s, never a full line
                c.send(bytes([ch]))
                time.sleep(0.5)
                if time.monotonic() - started > 8:
                    break
        except OSError:
            pass
        code, text = c.reply()
        elapsed = time.monotonic() - started
        assert text == "421 4.4.2 relay.test Error: timeout exceeded", text
        assert 1.5 <= elapsed <= 6, elapsed
        # Others are still served.
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            assert s.noop()[0] == 250
    finally:
        d.stop(); d.cleanup()


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
