"""Campaign speed control end to end, through one real upstream (smtp-sink): pausing campaign A
leaves B and transactional mail flowing; resuming A; a group pause stops both; a daily limit
holds across a restart; an out-of-window campaign sends nothing until its window opens; every
change is audited."""
import datetime
import os
import re
import smtplib
import time

from harness import Sluice, run_tests, wait_until
from sink import SmtpSink


def send_many(port, count, campaign=None, group=None, prefix="m"):
    headers = ""
    if campaign:
        headers += f"X-Campaign-ID: {campaign}\r\n"
    if group:
        headers += f"X-Campaign-Group: {group}\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo("client.test")
        for i in range(count):
            rcpt = f"{prefix}{i}@example.com"
            refused = s.sendmail("app@shop.test", [rcpt],
                                 f"Subject: {prefix}{i}\r\n{headers}\r\nbody\r\n".encode())
            assert not refused, refused


def delivered_by_subject(sink, prefix):
    return sum(1 for m in sink.messages() if re.search(rb"Subject: " + prefix.encode() + rb"\d+",
                                                        m.data))


def campaign(d, cid):
    status, body = d.admin("GET", f"/api/campaigns/{cid}")
    assert status == 200, (status, body)
    return body


def test_pause_resume_and_group_pause():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none max_connections=4\n",
                   extra="smtp_heartbeat_interval = 0\ncampaign_maps = campaigns\n")
        with open(os.path.join(d.dir, "campaigns"), "w") as f:
            f.write("alpha group=acme priority=1\nbeta group=acme priority=1\n")
        d.start()
        status, body = d.admin("POST", "/api/campaigns/alpha/pause", {"reason": "site overloaded"})
        assert status == 200, body
        send_many(d.smtp_port, 20, campaign="alpha", prefix="a")
        send_many(d.smtp_port, 20, campaign="beta", prefix="b")
        send_many(d.smtp_port, 10, prefix="t")  # transactional
        wait_until(lambda: sink.message_count() >= 30, timeout=30, what="beta and transactional")
        time.sleep(1)
        assert delivered_by_subject(sink, "a") == 0, "a paused campaign sends nothing"
        assert delivered_by_subject(sink, "b") == 20 and delivered_by_subject(sink, "t") == 10
        view = campaign(d, "alpha")
        assert view["paused"] is True and view["queued"] == 20, view

        # A group pause stops both campaigns of the business; transactional mail goes on.
        status, _ = d.admin("POST", "/api/groups/acme/pause", {"reason": "all of acme"})
        assert status == 200
        status, _ = d.admin("POST", "/api/campaigns/alpha/resume")
        assert status == 200
        send_many(d.smtp_port, 5, campaign="beta", prefix="c")
        send_many(d.smtp_port, 5, prefix="u")
        wait_until(lambda: delivered_by_subject(sink, "u") == 5, timeout=30, what="transactional")
        time.sleep(1)
        assert delivered_by_subject(sink, "a") == 0 and delivered_by_subject(sink, "c") == 0

        status, _ = d.admin("POST", "/api/groups/acme/resume")
        assert status == 200
        wait_until(lambda: sink.message_count() >= 60, timeout=30, what="everything after resume")
        assert delivered_by_subject(sink, "a") == 20 and delivered_by_subject(sink, "c") == 5

        out = d.ctl("audit", "--campaign", "alpha")
        assert out.returncode == 0, out.stderr
        assert "pause" in out.stdout and "resume" in out.stdout and "site overloaded" in out.stdout, out.stdout
        status, audit = d.admin("GET", "/api/audit?group=acme")
        assert status == 200, audit
        entries = audit["entries"] if isinstance(audit, dict) else audit
        assert [e["action"] for e in entries] == ["pause", "resume"], entries
        assert all(e["actor"] == "e2e" and e["client"].startswith("127.0.0.1") for e in entries), entries
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


def test_controls_survive_a_restart():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none\n",
                   extra="smtp_heartbeat_interval = 0\n")
        d.start()
        assert d.admin("POST", "/api/campaigns/later/pause")[0] == 200
        status, body = d.admin("PUT", "/api/campaigns/fast/rate", {"rate": "5/s", "reason": "x"})
        assert status == 200, body
        assert d.stop() == 0
        d.start()
        send_many(d.smtp_port, 3, campaign="later", prefix="l")
        send_many(d.smtp_port, 3, campaign="fast", prefix="f")
        wait_until(lambda: delivered_by_subject(sink, "f") == 3, timeout=30, what="fast")
        time.sleep(1)
        assert delivered_by_subject(sink, "l") == 0
        assert campaign(d, "fast")["effective_rate"] == "5/s"
        assert campaign(d, "later")["paused"] is True
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


def test_daily_limit_holds_across_a_restart():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none daily_limit=7\n",
                   extra="smtp_heartbeat_interval = 0\n")
        d.start()
        send_many(d.smtp_port, 5, prefix="x")
        wait_until(lambda: sink.message_count() == 5, timeout=30, what="the first five")
        assert d.stop() == 0
        d.start()
        send_many(d.smtp_port, 6, prefix="y")
        wait_until(lambda: sink.message_count() >= 7, timeout=30, what="up to the limit")
        time.sleep(2)
        assert sink.message_count() == 7, "a daily limit of 7 delivers exactly 7 that day"
        waiting = [m for m in d.queued() if m["state"] == "active"]
        assert len(waiting) == 4 and all(m["attempts"] == 0 for m in waiting), waiting
        assert "used its quota" in waiting[0]["last_error"], waiting[0]
        up = d.accounts()["up"]
        assert up["daily_limit"] == 7 and up["quota_used_day"] == 7, up
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


def test_out_of_window_campaign_waits_for_its_window():
    now = datetime.datetime.now(datetime.timezone.utc)
    if now.second > 45:  # leave room: the window opens at the next minute
        time.sleep(61 - now.second)
        now = datetime.datetime.now(datetime.timezone.utc)
    opens = (now + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
    closes = opens + datetime.timedelta(minutes=30)
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none\n",
                   extra="smtp_heartbeat_interval = 0\ncampaign_maps = campaigns\n")
        with open(os.path.join(d.dir, "campaigns"), "w") as f:
            f.write(f"evening window={opens:%H:%M}-{closes:%H:%M} tz=UTC\n")
        d.start()
        send_many(d.smtp_port, 3, campaign="evening", prefix="e")
        send_many(d.smtp_port, 2, prefix="t")
        wait_until(lambda: delivered_by_subject(sink, "t") == 2, timeout=30, what="transactional")
        assert delivered_by_subject(sink, "e") == 0
        assert campaign(d, "evening")["in_window"] is False
        assert all(m["attempts"] == 0 for m in d.queued())
        wait_until(lambda: delivered_by_subject(sink, "e") == 3, timeout=90,
                   what="the campaign once its window opened")
        assert datetime.datetime.now(datetime.timezone.utc) >= opens
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


def test_temporary_rate_cancel_and_account_limits():
    sink = SmtpSink(hostname="sink.test")
    d = None
    try:
        sink.start()
        d = Sluice(accounts=f"up 127.0.0.1:{sink.port} tls=none\n",
                   extra="smtp_heartbeat_interval = 0\n")
        d.start()
        # A temporary 1/s rate: about one message a second, then the configured (unlimited)
        # rate returns by itself and the rest leaves at once.
        out = d.ctl("campaign", "rate", "promo", "1/s", "--for", "4s", "--reason", "front overloaded")
        assert out.returncode == 0, out.stdout + out.stderr
        assert campaign(d, "promo")["effective_rate"] == "1/s"
        send_many(d.smtp_port, 8, campaign="promo", prefix="p")
        time.sleep(2)
        early = delivered_by_subject(sink, "p")
        assert 1 <= early <= 4, early
        wait_until(lambda: delivered_by_subject(sink, "p") == 8, timeout=30, what="the rest after expiry")
        status, audit = d.admin("GET", "/api/audit?campaign=promo")
        actors = [e["actor"] for e in audit["entries"]]
        assert actors == ["e2e", "expiry"], audit
        assert campaign(d, "promo")["effective_rate"] == "0"

        # Cancel removes a campaign's queued mail; nothing of it is ever delivered.
        assert d.ctl("campaign", "pause", "gone").returncode == 0
        send_many(d.smtp_port, 3, campaign="gone", prefix="g")
        wait_until(lambda: campaign(d, "gone")["queued"] == 3, timeout=10, what="three queued")
        out = d.ctl("campaign", "cancel", "gone", "--reason", "stale")
        assert out.returncode == 0, out.stderr
        wait_until(lambda: not [m for m in d.queued() if m["state"] != "dead"], timeout=10,
                   what="the cancelled mail to go")
        assert d.ctl("campaign", "resume", "gone").returncode == 0
        time.sleep(1)
        assert delivered_by_subject(sink, "g") == 0

        # Account limits at run time: a daily limit of 10 (8 already sent) lets 2 more go.
        out = d.ctl("account", "limits", "up", "--daily", "10", "--reason", "provider plan")
        assert out.returncode == 0, out.stdout + out.stderr
        send_many(d.smtp_port, 5, prefix="q")
        wait_until(lambda: delivered_by_subject(sink, "q") == 2, timeout=30, what="two within the limit")
        time.sleep(1)
        assert delivered_by_subject(sink, "q") == 2
        listing = d.ctl("campaigns")
        assert listing.returncode == 0 and "promo" in listing.stdout and "gone" in listing.stdout, listing.stdout
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_pause_resume_and_group_pause,
               test_controls_survive_a_restart,
               test_temporary_rate_cancel_and_account_limits,
               test_daily_limit_holds_across_a_restart,
               test_out_of_window_campaign_waits_for_its_window])
