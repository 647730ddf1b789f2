"""Self-test of the delivery-stage fixtures (upstream.FakeUpstream, sink.SmtpSink, certs) with
Python's smtplib alone: no sluice binary. Each fault the delivery tests rely on is shown to
happen the way a real client sees it."""
import contextlib
import shutil
import smtplib
import socket
import ssl
import tempfile
import time

from certs import make_test_certs
from harness import RawClient, run_tests, wait_until
from sink import SmtpSink
from upstream import FakeUpstream

MESSAGE = (b"From: app@shop.test\r\nTo: a@x.test\r\nSubject: fixture\r\n\r\n"
           b"hello\r\n.leading dot\r\n")


@contextlib.contextmanager
def temp_certs():
    directory = tempfile.mkdtemp(prefix="sluice-certs-")
    try:
        yield make_test_certs(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def client_context(certs):
    return ssl.create_default_context(cafile=certs.ca_pem)


def connect(port, timeout=5, ehlo=True):
    s = smtplib.SMTP("127.0.0.1", port, timeout=timeout, local_hostname="client.test")
    if ehlo:
        s.ehlo()
    return s


def test_per_recipient_replies_in_one_transaction():
    up = FakeUpstream(rcpt_replies={"Later@X.test": "451 4.3.0 try later",
                                    "gone@x.test": "550 5.1.1 no such user"}).start()
    try:
        with connect(up.port) as s:
            s.mail("app@shop.test")
            assert s.rcpt("a@x.test") == (250, b"2.1.5 Ok")
            assert s.rcpt("later@x.test") == (451, b"4.3.0 try later")
            assert s.rcpt("gone@x.test") == (550, b"5.1.1 no such user")
            code, text = s.data(MESSAGE)
            assert (code, text) == (250, b"2.0.0 Ok: queued as U1"), (code, text)
            up.set_rcpt_reply("later@x.test", None)  # at run time: the retry is accepted
            refused = s.sendmail("app@shop.test", ["later@x.test", "gone@x.test"], MESSAGE)
            assert list(refused) == ["gone@x.test"], refused
        first, second = up.wait_transactions(2)
        assert first.rcpt_tos == ("a@x.test",) and second.rcpt_tos == ("later@x.test",)
        assert first.mail_from == "app@shop.test" and first.helo == "client.test"
        assert first.data == MESSAGE and first.tls is None and first.auth_user is None
        assert up.accepted() == {"a@x.test": 1, "later@x.test": 1}
        assert up.rcpt_attempts() == {"a@x.test": 1, "later@x.test": 2, "gone@x.test": 2}
        assert up.connections == 1 and up.transaction_count == 2 and not up.errors()
        verbs = [verb for _, verb, _ in up.commands()]
        assert verbs[:6] == ["EHLO", "MAIL", "RCPT", "RCPT", "RCPT", "DATA"], verbs
    finally:
        up.stop()


def test_pipelined_commands_are_answered_in_order():
    up = FakeUpstream(rcpt_replies={"b@x.test": "550 5.1.1 no such user"}).start()
    c = RawClient(up.port)
    try:
        assert c.reply()[0] == 220
        c.send(b"EHLO client.test\r\n")
        assert "PIPELINING" in c.reply()[1]
        c.send(b"MAIL FROM:<app@shop.test>\r\nRCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n")
        assert [c.reply()[0] for _ in range(4)] == [250, 250, 550, 354]
        c.send(b"Subject: p\r\n\r\npipelined\r\n.\r\nQUIT\r\n")
        assert c.reply()[0] == 250 and c.reply()[0] == 221
        assert up.wait_transactions(1)[0].data == b"Subject: p\r\n\r\npipelined\r\n"
    finally:
        c.close()
        up.stop()


def test_greeting_421_closes_then_recovers_at_run_time():
    with FakeUpstream(greeting_reply="421 4.3.2 not now") as up:
        try:
            connect(up.port)
            raise AssertionError("expected a 421 greeting")
        except smtplib.SMTPConnectError as e:
            assert (e.smtp_code, e.smtp_error) == (421, b"4.3.2 not now"), e
        c = RawClient(up.port)
        assert c.reply() == (421, "421 4.3.2 not now") and c.closed()
        c.close()
        up.configure(greeting_reply=None)
        with connect(up.port) as s:
            assert s.noop()[0] == 250
        assert up.connections == 3


def test_drop_in_the_middle_of_data():
    with FakeUpstream(drop_in_data_after=100) as up:
        s = connect(up.port)
        s.mail("app@shop.test")
        s.rcpt("a@x.test")
        try:
            s.data(MESSAGE + b"x" * 20000 + b"\r\n")
            raise AssertionError("expected a disconnect in DATA")
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            pass
        finally:
            s.close()
        assert up.drops() and up.drops()[0] >= 100, up.drops()
        assert up.transaction_count == 0
        up.configure(drop_in_data_after=None)
        with connect(up.port) as s:
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
        assert up.transaction_count == 1


def test_slow_greeting_hits_a_short_client_timeout_and_slow_data_does_not():
    with FakeUpstream(delays={"greeting": 5}) as up:
        started = time.monotonic()
        try:
            connect(up.port, timeout=0.3)
            raise AssertionError("expected a client timeout")
        except smtplib.SMTPServerDisconnected as e:  # smtplib's word for a read timeout
            assert "timed out" in str(e), e
        assert time.monotonic() - started < 4
        up.configure(delays={"data": 0.5})
        with connect(up.port) as s:
            started = time.monotonic()
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
            assert time.monotonic() - started >= 0.5
        assert up.connections == 2


def test_auth_plain_and_login_accepted_wrong_password_refused():
    with FakeUpstream(users={"alice": "s3cret"}, auth_required=True) as up:
        with connect(up.port) as s:
            s.ehlo("client.test")
            assert "PLAIN" in s.esmtp_features["auth"] and "LOGIN" in s.esmtp_features["auth"]
            assert s.mail("app@shop.test")[0] == 530
            try:
                s.login("alice", "wrong")
                raise AssertionError("expected 535")
            except smtplib.SMTPAuthenticationError as e:
                assert e.smtp_code == 535, e
            s.user, s.password = "alice", "s3cret"
            assert s.auth("PLAIN", s.auth_plain)[0] == 235
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
        with connect(up.port) as s:
            s.ehlo("client.test")
            s.user, s.password = "alice", "s3cret"
            assert s.auth("LOGIN", s.auth_login, initial_response_ok=False)[0] == 235
        assert up.wait_transactions(1)[0].auth_user == "alice"
        attempts = up.auth_attempts()  # login() tried PLAIN then LOGIN with the wrong one
        assert attempts == [("alice", "PLAIN", False), ("alice", "LOGIN", False),
                            ("alice", "PLAIN", True), ("alice", "LOGIN", True)], attempts
    with FakeUpstream() as up:  # no users: no AUTH at all
        with connect(up.port) as s:
            s.ehlo("client.test")
            assert not s.has_extn("auth")
            assert s.docmd("AUTH", "PLAIN AGFsaWNlAHMzY3JldA==")[0] == 502


def test_starttls_verified_against_the_test_ca_auth_only_after_tls():
    with temp_certs() as certs, FakeUpstream(tls="starttls", cert=certs.server,
                                            require_starttls=True, users={"bob": "pw"},
                                            auth_require_tls=True) as up:
        with connect(up.port) as s:
            s.ehlo("client.test")
            assert s.has_extn("starttls") and not s.has_extn("auth")
            assert s.mail("app@shop.test")[0] == 530  # require_starttls
            assert s.starttls(context=client_context(certs))[0] == 220
            s.ehlo("client.test")
            assert not s.has_extn("starttls") and s.has_extn("auth")
            s.login("bob", "pw")
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
        t = up.wait_transactions(1)[0]
        assert t.tls == "starttls" and t.tls_version in ("TLSv1.2", "TLSv1.3")
        assert t.auth_user == "bob"
        assert not up.errors(), up.errors()


def test_starttls_with_an_untrusted_certificate_fails_verification():
    with temp_certs() as certs, FakeUpstream(tls="starttls", cert=certs.untrusted) as up:
        with connect(up.port) as s:
            s.ehlo("client.test")
            try:
                s.starttls(context=client_context(certs))
                raise AssertionError("expected a verification failure")
            except ssl.SSLCertVerificationError as e:
                assert "self-signed" in str(e) or "self signed" in str(e), e
        assert up.transaction_count == 0


def test_smtps_verified_then_untrusted_and_wrong_host_fail():
    with temp_certs() as certs, FakeUpstream(tls="smtps", cert=certs.server) as up:
        with smtplib.SMTP_SSL("127.0.0.1", up.port, timeout=5, context=client_context(certs)) as s:
            s.ehlo("client.test")
            assert not s.has_extn("starttls")
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
        with smtplib.SMTP_SSL("localhost", up.port, timeout=5, context=client_context(certs)) as s:
            assert s.noop()[0] == 250
        t = up.wait_transactions(1)[0]
        assert t.tls == "smtps" and t.tls_version, t
        assert (up.accepts, up.connections) == (2, 2)
        for cert, reason in ((certs.untrusted, "self"), (certs.wrong_host, "mismatch")):
            up.down()
            up.configure(cert=cert)
            up.up()  # the listener's certificate is taken at up()
            try:
                smtplib.SMTP_SSL("127.0.0.1", up.port, timeout=5, context=client_context(certs))
                raise AssertionError("expected a verification failure")
            except ssl.SSLCertVerificationError as e:
                assert reason in str(e), e
        # Accepted on TCP, never an SMTP session: the handshake failed.
        wait_until(lambda: up.accepts == 4, timeout=5, what="the failed handshakes' accepts")
        assert up.connections == 2 and up.transaction_count == 1


def test_quota_at_mail_temporary_failure_at_data_and_421_at_mail_closes():
    with FakeUpstream(mail_reply="550 5.4.5 Daily sending quota exceeded") as up:
        with connect(up.port) as s:
            try:
                s.sendmail("app@shop.test", ["a@x.test"], MESSAGE)
                raise AssertionError("expected the sender refused")
            except smtplib.SMTPSenderRefused as e:
                assert (e.smtp_code, e.smtp_error) == (550, b"5.4.5 Daily sending quota exceeded")
            up.configure(mail_reply=None, data_reply="451 4.7.0 Try again later")
            try:
                s.sendmail("app@shop.test", ["a@x.test"], MESSAGE)
                raise AssertionError("expected a data error")
            except smtplib.SMTPDataError as e:
                assert (e.smtp_code, e.smtp_error) == (451, b"4.7.0 Try again later")
        assert up.transaction_count == 0 and up.rcpt_attempts() == {"a@x.test": 1}
        up.configure(data_reply=None, mail_reply="421 4.7.0 Too many connections")
        with connect(up.port) as s:
            assert s.mail("app@shop.test")[0] == 421
            try:
                s.noop()
                raise AssertionError("expected the connection closed after 421")
            except smtplib.SMTPServerDisconnected:
                pass


def test_extensions_offered_and_hidden():
    with FakeUpstream(size=5000) as up:
        with connect(up.port) as s:
            s.ehlo("client.test")
            for name in ("pipelining", "8bitmime", "smtputf8"):
                assert s.has_extn(name), (name, s.esmtp_features)
            assert s.esmtp_features["size"] == "5000"
            assert s.mail("app@shop.test", ["SIZE=6000"])[0] == 552
            assert s.mail("app@shop.test", ["BODY=8BITMIME", "SMTPUTF8"])[0] == 250
    with FakeUpstream(pipelining=False, size=None, smtputf8=False, eightbitmime=False) as up:
        with connect(up.port) as s:
            s.ehlo("client.test")
            for name in ("pipelining", "size", "8bitmime", "smtputf8", "auth", "help"):
                assert not s.has_extn(name), (name, s.esmtp_features)
            assert s.mail("app@shop.test", ["BODY=8BITMIME"])[0] == 555
            assert s.docmd("MAIL", "FROM:<app@shop.test> SMTPUTF8")[0] == 501
            s.rset()
            assert s.mail("app@shop.test", ["SIZE=99999999999"])[0] == 250  # no limit either
            s.rset()
            body = (b"y" * 998 + b"\r\n") * 300
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE + body) == {}
        assert up.wait_transactions(1)[0].data == MESSAGE + body


def test_down_refuses_connections_and_up_keeps_the_port():
    up = FakeUpstream().start()
    try:
        port = up.port
        held = connect(port)
        up.down()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            raise AssertionError("expected the connection refused")
        except ConnectionRefusedError:
            pass
        try:
            held.noop()
            raise AssertionError("expected the open connection dropped by down()")
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            pass
        held.close()
        up.up()
        assert up.port == port
        with connect(port) as s:
            assert s.sendmail("app@shop.test", ["a@x.test"], MESSAGE) == {}
        assert up.connections == 2 and up.transaction_count == 1
    finally:
        up.stop()


def test_sink_counts_messages_survives_a_kill_and_restarts_on_the_same_port():
    sink = SmtpSink(hostname="sink.test").start()
    try:
        with connect(sink.port) as s:
            assert s.ehlo("client.test")[1].startswith(b"sink.test")
            for i in range(3):
                s.sendmail("app@shop.test", [f"r{i}@x.test", "cc@x.test"], MESSAGE)
        with connect(sink.port) as s:
            s.sendmail("other@shop.test", ["r3@x.test"], MESSAGE)
        assert sink.wait_messages(4) == 4
        wait_until(lambda: sink.session_count() >= 2, timeout=5, what="two sink sessions")
        assert sink.session_count() == 2
        messages = sorted(sink.messages(), key=lambda m: m.rcpt_tos)
        assert [m.rcpt_tos for m in messages] == [
            ("r0@x.test", "cc@x.test"), ("r1@x.test", "cc@x.test"), ("r2@x.test", "cc@x.test"),
            ("r3@x.test",)], messages
        assert [m.mail_from for m in messages] == ["app@shop.test"] * 3 + ["other@shop.test"]
        assert all(m.helo == "client.test" and m.data == MESSAGE for m in messages), messages[0]
        port = sink.port
        sink.kill()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            raise AssertionError("expected the connection refused")
        except ConnectionRefusedError:
            pass
        sink.start()
        assert sink.port == port
        with connect(port) as s:
            s.sendmail("app@shop.test", ["r4@x.test"], MESSAGE)
        assert sink.wait_messages(5) == 5 and len(sink.messages()) == 5
    finally:
        sink.cleanup()


def test_sink_soft_rejects_and_421():
    sink = SmtpSink(soft_reject=["RCPT"], reply_421_on=["DATA"], dump=False).start()
    try:
        with connect(sink.port) as s:
            s.mail("app@shop.test")
            assert s.rcpt("a@x.test")[0] == 450
        s = connect(sink.port)
        try:
            s.ehlo("client.test")
            s.mail("app@shop.test")
            s.putcmd("DATA")  # smtplib's data() needs a 250 RCPT first
            assert s.getreply()[0] == 421
        finally:
            s.close()
        assert sink.message_count() == 0
    finally:
        sink.cleanup()


if __name__ == "__main__":
    run_tests([test_per_recipient_replies_in_one_transaction,
               test_pipelined_commands_are_answered_in_order,
               test_greeting_421_closes_then_recovers_at_run_time,
               test_drop_in_the_middle_of_data,
               test_slow_greeting_hits_a_short_client_timeout_and_slow_data_does_not,
               test_auth_plain_and_login_accepted_wrong_password_refused,
               test_starttls_verified_against_the_test_ca_auth_only_after_tls,
               test_starttls_with_an_untrusted_certificate_fails_verification,
               test_smtps_verified_then_untrusted_and_wrong_host_fail,
               test_quota_at_mail_temporary_failure_at_data_and_421_at_mail_closes,
               test_extensions_offered_and_hidden,
               test_down_refuses_connections_and_up_keeps_the_port,
               test_sink_counts_messages_survives_a_kill_and_restarts_on_the_same_port,
               test_sink_soft_rejects_and_421])
