"""A full queue map refuses new mail with 452 4.3.1 and keeps serving; what was accepted before
stays intact and is delivered once there is room again."""
import smtplib

from harness import Sluice, run_tests, wait_until


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


if __name__ == "__main__":
    run_tests([test_full_map_gives_452_and_loses_nothing])
