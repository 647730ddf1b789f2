"""Upstream faults on loopback: STARTTLS and SMTPS with a test CA, an untrusted certificate,
AUTH accepted and refused, a drop in the middle of DATA, 421 at the greeting, a slow upstream,
a host name that does not resolve, and every account down. An account's failure moves the mail
to the next account of its pool at once, without spending the message's attempts."""
import os
import shutil
import tempfile

from certs import make_test_certs
from fake_dns import NxdomainDns
from harness import Sluice, run_tests, send, wait_until
from sink import SmtpSink
from upstream import FakeUpstream

FAST = ("smtp_heartbeat_interval = 0\n"
        "smtp_connection_cache_time_limit = 1s\n")


def test_starttls_and_smtps_upstreams_verified_against_the_test_ca():
    certdir = tempfile.mkdtemp(prefix="sluice-certs-")
    certs = make_test_certs(certdir)
    st = FakeUpstream(tls="starttls", cert=certs.server, require_starttls=True)
    ss = FakeUpstream(tls="smtps", cert=certs.server)
    d = None
    try:
        st.start()
        ss.start()
        d = Sluice(accounts=f"st localhost:{st.port} tls=starttls pool=st\n"
                            f"ss localhost:{ss.port} tls=smtps pool=ss\n",
                   extra=FAST + f"smtp_tls_CAfile = {certs.ca_pem}\n"
                         "sender_pool_maps = pools\n")
        with open(os.path.join(d.dir, "pools"), "w") as f:
            f.write("@st.test st\n@ss.test ss\n")
        d.start()
        send(d.smtp_port, ["a@example.com"], "over starttls", sender="app@st.test")
        send(d.smtp_port, ["b@example.com"], "over smtps", sender="app@ss.test")
        [t1] = st.wait_transactions(1, timeout=30)
        [t2] = ss.wait_transactions(1, timeout=30)
        assert t1.tls == "starttls" and list(t1.rcpt_tos) == ["a@example.com"], t1
        assert t2.tls == "smtps" and list(t2.rcpt_tos) == ["b@example.com"], t2
        assert t1.tls_version in ("TLSv1.2", "TLSv1.3"), t1.tls_version
        assert d.stop() == 0
    finally:
        st.stop()
        ss.stop()
        if d:
            d.cleanup()
        shutil.rmtree(certdir, ignore_errors=True)


def test_untrusted_certificate_is_the_accounts_failure_and_mail_waits():
    certdir = tempfile.mkdtemp(prefix="sluice-certs-")
    certs = make_test_certs(certdir)
    up = FakeUpstream(tls="starttls", cert=certs.untrusted)
    d = None
    try:
        up.start()
        d = Sluice(accounts=f"strict localhost:{up.port} tls=starttls\n",
                   extra=FAST + f"smtp_tls_CAfile = {certs.ca_pem}\n")
        d.start()
        qid = send(d.smtp_port, ["a@example.com"], "must not go out unverified")
        wait_until(lambda: "TLS handshake with" in d.read_log(), timeout=30, what="the TLS failure")
        assert "certificate verify failed" in d.read_log(), d.read_log()[-2000:]
        assert up.transaction_count == 0
        [m] = [m for m in d.queued() if m["id"] == qid]
        assert m["state"] == "active" and m["attempts"] == 0, m
        assert d.accounts()["strict"]["faults"] >= 1
        assert d.stop() == 0
    finally:
        up.stop()
        if d:
            d.cleanup()
        shutil.rmtree(certdir, ignore_errors=True)


def test_refused_auth_takes_the_account_out_and_mail_goes_to_the_other():
    good = FakeUpstream(users={"user": "right"}, auth_required=True)
    bad = FakeUpstream(users={"user": "right"}, auth_required=True)
    d = None
    try:
        good.start()
        bad.start()
        d = Sluice(accounts=f"bad 127.0.0.1:{bad.port} tls=none weight=5\n"
                            f"good 127.0.0.1:{good.port} tls=none\n",
                   extra=FAST + "smtp_sasl_password_maps = sasl_passwd\n")
        with open(os.path.join(d.dir, "sasl_passwd"), "w") as f:
            f.write("bad user:wrong\ngood user:right\n")
        d.start()
        for i in range(6):
            send(d.smtp_port, [f"r{i}@example.com"], "authenticated relay")
        good.wait_transactions(6, timeout=30)
        assert all(t.auth_user == "user" for t in good.transactions())
        assert bad.transaction_count == 0
        assert any(not ok for _, _, ok in bad.auth_attempts())
        wait_until(lambda: d.accounts()["bad"]["status"] == "auth_failed", timeout=10,
                   what="the refused account to be out")
        assert "535" in d.accounts()["bad"]["last_error"], d.accounts()["bad"]
        assert "AUTH is sent in clear text" in d.read_log()
        assert "right" not in d.read_log() and "wrong" not in d.read_log(), "no secret in logs"
        assert d.stop() == 0
    finally:
        good.stop()
        bad.stop()
        if d:
            d.cleanup()


def failover_case(broken_script, extra="", expect_in_log="", status_after="up"):
    """A broken account (the fault under test) with more weight than a healthy one: every
    message ends at the healthy one, none is lost, none waits for a retry."""
    broken = FakeUpstream(**broken_script)
    healthy = SmtpSink(hostname="healthy.test")
    d = None
    try:
        broken.start()
        healthy.start()
        d = Sluice(accounts=f"broken 127.0.0.1:{broken.port} tls=none weight=10\n"
                            f"healthy 127.0.0.1:{healthy.port} tls=none\n",
                   extra=FAST + "smtp_breaker_failure_threshold = 100\n" + extra)
        d.start()
        ids = [send(d.smtp_port, [f"r{i}@example.com"], "x" * 2000) for i in range(5)]
        healthy.wait_messages(5, timeout=30)
        wait_until(lambda: not d.queued(), timeout=30, what="an empty queue")
        log = d.read_log()
        assert broken.transaction_count == 0
        # Each message tried the heavier broken account first, unless it was taken out of
        # rotation (a quota rest) by an earlier message's failure.
        moved = [qid for qid in ids
                 if f"{qid}: moving 1 recipient(s) from account broken to healthy" in log]
        assert moved and (status_after != "up" or moved == ids), log[-3000:]
        assert d.accounts()["broken"]["status"] == status_after, d.accounts()["broken"]
        if expect_in_log:
            assert expect_in_log in log, log[-3000:]
        assert d.accounts()["broken"]["faults"] >= 1
        assert d.stop() == 0
    finally:
        broken.stop()
        healthy.cleanup()
        if d:
            d.cleanup()


def test_drop_in_the_middle_of_data_moves_the_message():
    failover_case({"drop_in_data_after": 100}, expect_in_log="lost connection with")


def test_421_at_the_greeting_moves_the_message():
    failover_case({"greeting_reply": "421 4.3.2 not now"}, expect_in_log="421 4.3.2 not now")


def test_slow_upstream_hits_the_timeout():
    failover_case({"delays": {"greeting": 4}}, extra="smtp_helo_timeout = 1s\n",
                  expect_in_log="timed out after 1s waiting for the greeting")


def test_quota_reply_rests_the_account():
    failover_case({"mail_reply": "550 5.4.5 Daily sending quota exceeded"},
                  expect_in_log="Daily sending quota exceeded", status_after="resting")


def test_unresolvable_host_is_a_temporary_account_failure():
    with NxdomainDns() as dns:
        sink = SmtpSink(hostname="healthy.test")
        d = None
        try:
            sink.start()
            d = Sluice(accounts="nowhere nowhere.invalid:25 tls=none weight=10\n"
                                f"healthy 127.0.0.1:{sink.port} tls=none\n",
                       extra=FAST + f"dns_servers = 127.0.0.1:{dns.port}\n")
            d.start()
            send(d.smtp_port, ["a@example.com"], "around a name that does not resolve")
            sink.wait_messages(1, timeout=30)
            assert dns.queries >= 1
            assert "nowhere.invalid" in d.read_log() and "not found" in d.read_log()
            assert d.accounts()["nowhere"]["faults"] >= 1
            assert d.stop() == 0
        finally:
            sink.cleanup()
            if d:
                d.cleanup()


def test_with_every_account_down_mail_waits_and_flows_when_one_recovers():
    sink = SmtpSink(hostname="late.test")
    d = None
    try:
        sink.start()
        sink.stop()  # the port is known, nothing listens
        d = Sluice(accounts=f"late 127.0.0.1:{sink.port} tls=none\n",
                   extra="smtp_heartbeat_interval = 1s\nsmtp_breaker_failure_threshold = 2\n"
                         "smtp_breaker_cool_down = 1s\n")
        d.start()
        ids = [send(d.smtp_port, [f"r{i}@example.com"], "waiting") for i in range(3)]
        wait_until(lambda: d.accounts()["late"]["breaker"] != "closed", timeout=30,
                   what="the breaker to open")
        messages = d.queued()
        assert sorted(m["id"] for m in messages) == sorted(ids)
        assert all(m["state"] == "active" and m["attempts"] == 0 for m in messages), messages
        sink.start()  # the upstream comes back: a heartbeat or probe closes the breaker
        sink.wait_messages(3, timeout=30)
        wait_until(lambda: not d.queued(), timeout=30, what="an empty queue")
        wait_until(lambda: d.accounts()["late"]["breaker"] == "closed", timeout=10,
                   what="the breaker to close")
        assert d.stop() == 0
    finally:
        sink.cleanup()
        if d:
            d.cleanup()


if __name__ == "__main__":
    run_tests([test_starttls_and_smtps_upstreams_verified_against_the_test_ca,
               test_untrusted_certificate_is_the_accounts_failure_and_mail_waits,
               test_refused_auth_takes_the_account_out_and_mail_goes_to_the_other,
               test_drop_in_the_middle_of_data_moves_the_message,
               test_421_at_the_greeting_moves_the_message,
               test_slow_upstream_hits_the_timeout,
               test_quota_reply_rests_the_account,
               test_unresolvable_host_is_a_temporary_account_failure,
               test_with_every_account_down_mail_waits_and_flows_when_one_recovers])
