"""Inbound security against the real daemon: STARTTLS and SMTPS with real TLS clients, AUTH
PLAIN and LOGIN with hashes made by `sluicectl passwd`, brute-force lockout, the STARTTLS
injection class, relay and sender rules, per-IP connection limits and the minimum data rate;
each with the exact reply and the daemon still serving others afterwards."""
import os
import smtplib
import socket
import ssl
import subprocess
import time

from certs import make_test_certs
from harness import QUEUED, SLUICECTL_BIN, RawClient, Sluice, free_port, run_tests, wait_until

OTHER = "127.0.0.3"  # a second client address on loopback (never in mynetworks here)
USERS = {"alice": "alice-pw-1", "bob": "bob pw 2"}


def hash_entry(user, password):
    out = subprocess.run([SLUICECTL_BIN, "passwd", user], input=password + "\n",
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(user + " $pbkdf2-sha256$100000$"), out.stdout
    assert password not in out.stdout
    return out.stdout


def secure(extra="", users=USERS, level="may"):
    """A daemon with a certificate, AUTH on (after TLS only) and mynetworks excluding every
    test client, so relaying needs authentication."""
    d = Sluice()
    certs = make_test_certs(d.dir)
    with open(os.path.join(d.dir, "sasl_users"), "w") as f:
        for user, password in users.items():
            f.write(hash_entry(user, password))
    d.write_config("dev maildir:maildir\n",
                   f"smtpd_tls_cert_file = {certs.server_pem}\n"
                   f"smtpd_tls_key_file = {certs.server_key}\n"
                   f"smtpd_tls_security_level = {level}\n"
                   "smtpd_sasl_auth_enable = yes\n"
                   "smtpd_sasl_password_maps = texthash:sasl_users\n"
                   "mynetworks = 127.0.0.9/32\n" + extra)
    d.certs = certs
    d.tls = ssl.create_default_context(cafile=certs.ca_pem)
    return d


def message(sender, rcpt, subject="test"):
    return (f"From: {sender}\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\r\nbody\r\n").encode()


def ehlo(c, name="raw.test"):
    c.send(f"EHLO {name}\r\n".encode())
    code, text = c.reply()
    assert code == 250, text
    return text


def test_starttls_then_auth_plain_and_login_relay():
    d = secure().start()
    try:
        for mechanism in ("PLAIN", "LOGIN"):
            with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
                s.ehlo("client.test")
                assert s.has_extn("starttls")
                assert not s.has_extn("auth"), "AUTH offered before TLS"
                code, text = s.docmd("AUTH", "PLAIN AGFsaWNlAGFsaWNlLXB3LTE=")
                assert code == 503, (code, text)
                s.starttls(context=d.tls)
                s.ehlo("client.test")
                assert not s.has_extn("starttls")
                assert "PLAIN" in s.esmtp_features["auth"] and "LOGIN" in s.esmtp_features["auth"]
                s.user, s.password = "alice", USERS["alice"]
                auth = s.auth_plain if mechanism == "PLAIN" else s.auth_login
                code, text = s.auth(mechanism, auth, initial_response_ok=mechanism == "PLAIN")
                assert code == 235 and b"2.7.0" in text, (code, text)
                s.mail("app@shop.test")
                code, _ = s.rcpt(f"{mechanism.lower()}@example.com")
                assert code == 250
                code, text = s.data(message("app@shop.test", "x@example.com", mechanism))
                assert code == 250 and QUEUED.search(text.decode()), text
        files = wait_until(lambda: len(d.delivered_files()) == 2 and d.delivered_files(),
                           what="both messages delivered")
        bodies = "".join(open(f).read() for f in files)
        assert "Subject: PLAIN" in bodies and "Subject: LOGIN" in bodies
        log = d.read_log()
        assert "TLS established" in log and "sasl_username=alice" in log
        assert USERS["alice"] not in log, "a password reached the log"
    finally:
        d.stop(); d.cleanup()


def test_relay_outside_mynetworks_needs_auth():
    d = secure().start()
    try:
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("outside.test")
            s.starttls(context=d.tls)
            s.ehlo("outside.test")
            code, text = s.mail("a@b.test")
            assert (code, text) == (530, b"5.7.0 Authentication required"), (code, text)
        # Without AUTH configured, an outside client gets the relay refusal at RCPT.
        plain = Sluice(extra="mynetworks = 127.0.0.9/32\n").start()
        try:
            with smtplib.SMTP("127.0.0.1", plain.smtp_port, timeout=10) as s:
                s.ehlo("outside.test")
                assert s.mail("a@b.test")[0] == 250
                code, text = s.rcpt("victim@example.com")
                assert (code, text) == (554, b"5.7.1 <victim@example.com>: Relay access denied")
        finally:
            plain.stop(); plain.cleanup()
        assert d.delivered_files() == []
    finally:
        d.stop(); d.cleanup()


def tls_auth(port, context, user, password, source=None):
    """A raw client after STARTTLS and one AUTH PLAIN; returns (client, code, text)."""
    import base64
    c = RawClient(port, source=source)
    assert c.reply()[0] == 220
    ehlo(c)
    c.send(b"STARTTLS\r\n")
    assert c.reply()[0] == 220
    c.starttls(context)
    ehlo(c)
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    c.send(f"AUTH PLAIN {token}\r\n".encode())
    code, text = c.reply()
    return c, code, text


def test_auth_brute_force_is_locked_out_per_client():
    d = secure("smtpd_auth_failure_limit = 3\nsmtpd_auth_failure_window = 300s\n").start()
    try:
        started = time.monotonic()
        c, code, text = tls_auth(d.smtp_port, d.tls, "alice", "guess-1")
        assert (code, text) == (535, "535 5.7.8 Error: authentication failed"), text
        assert time.monotonic() - started >= 0.9, "no smtpd_error_sleep_time before the 535"
        c.send(b"AUTH PLAIN AGFsaWNlAGd1ZXNzLTI=\r\n")  # alice / guess-2
        assert c.reply()[0] == 535
        c.close()
        # An unknown user counts the same and answers the same.
        c, code, text = tls_auth(d.smtp_port, d.tls, "mallory", "guess-3")
        assert code == 535, text
        c.send(b"AUTH PLAIN AGFsaWNlAGFsaWNlLXB3LTE=\r\n")  # the right password, too late
        code, text = c.reply()
        assert (code, text) == (
            454, "454 4.7.0 Too many failed authentication attempts, try again later"), text
        c.close()
        c, code, text = tls_auth(d.smtp_port, d.tls, "alice", USERS["alice"])
        assert code == 454, "the lockout holds across connections"
        c.close()
        # Another client is not affected and still relays.
        c, code, text = tls_auth(d.smtp_port, d.tls, "bob", USERS["bob"], source=OTHER)
        assert code == 235, text
        c.send(b"MAIL FROM:<bob@shop.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n")
        assert [c.reply()[0] for _ in range(3)] == [250, 250, 354]
        c.send(b"Subject: other\r\n\r\nhi\r\n.\r\nQUIT\r\n")
        assert c.reply()[0] == 250
        wait_until(lambda: len(d.delivered_files()) == 1, what="delivery")
        assert "guess-" not in d.read_log()
    finally:
        d.stop(); d.cleanup()


def test_starttls_injection_is_discarded():
    d = secure().start()
    try:
        for injected in (b"RSET\r\n", b"EHLO evil\r\nMAIL FROM:<evil@x.test>\r\n"):
            c = RawClient(d.smtp_port)
            assert c.reply()[0] == 220
            ehlo(c)
            c.send(b"STARTTLS\r\n" + injected)  # one write
            code, text = c.reply()
            assert (code, text) == (220, "220 2.0.0 Ready to start TLS"), text
            c.sock.settimeout(0.5)
            try:
                stray = c.sock.recv(100)
            except socket.timeout:
                stray = b""
            assert stray == b"", f"a plaintext reply to the injected command: {stray!r}"
            c.sock.settimeout(10)
            c.starttls(d.tls)
            # A fresh session: no EHLO, no transaction from before the handshake.
            c.send(b"MAIL FROM:<a@b.test>\r\n")
            code, text = c.reply()
            assert (code, text) == (503, "503 5.5.1 Error: send HELO/EHLO first"), text
            assert "AUTH" in ehlo(c)
            c.send(b"RCPT TO:<r@example.com>\r\n")
            assert c.reply()[0] == 503, "a MAIL injected before the handshake survived"
            c.close()
    finally:
        d.stop(); d.cleanup()


def test_encrypt_level_refuses_mail_before_tls():
    d = Sluice()
    certs = make_test_certs(d.dir)
    d.write_config("dev maildir:maildir\n",
                   f"smtpd_tls_cert_file = {certs.server_pem}\n"
                   f"smtpd_tls_key_file = {certs.server_key}\n"
                   "smtpd_tls_security_level = encrypt\n")
    d.start()
    try:
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("client.test")
            code, text = s.mail("a@b.test")
            assert (code, text) == (530, b"5.7.0 Must issue a STARTTLS command first"), text
            s.starttls(context=ssl.create_default_context(cafile=certs.ca_pem))
            s.ehlo("client.test")
            s.mail("a@b.test")
            assert s.rcpt("r@example.com")[0] == 250
            assert s.data(message("a@b.test", "r@example.com"))[0] == 250
        wait_until(lambda: len(d.delivered_files()) == 1, what="delivery")
    finally:
        d.stop(); d.cleanup()


def test_authenticated_sender_restriction():
    d = secure("smtpd_sender_login_maps = texthash:logins\n")
    with open(os.path.join(d.dir, "logins"), "w") as f:
        f.write("app@shop.test alice\n@bob.test bob\n")
    d.start()
    try:
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("client.test")
            s.starttls(context=d.tls)
            s.ehlo("client.test")
            s.login("alice", USERS["alice"])
            code, text = s.mail("news@bob.test")
            assert (code, text) == (
                553, b"5.7.1 <news@bob.test>: Sender address rejected: not owned by user alice")
            assert s.mail("app@shop.test")[0] == 250
            assert s.rcpt("r@example.com")[0] == 250
            assert s.data(message("app@shop.test", "r@example.com"))[0] == 250
        wait_until(lambda: len(d.delivered_files()) == 1, what="delivery")
    finally:
        d.stop(); d.cleanup()


def test_smtps_listener():
    smtps_port = free_port()
    d = secure(f"smtpd_tls_wrapper_listen = 127.0.0.1:{smtps_port}\n").start()
    try:
        wait_until(lambda: d.proc.poll() is None and "smtps" in d.read_log(), what="smtps listening")
        with smtplib.SMTP_SSL("127.0.0.1", smtps_port, timeout=10, context=d.tls) as s:
            s.ehlo("client.test")
            assert not s.has_extn("starttls"), "STARTTLS offered inside TLS"
            assert "PLAIN" in s.esmtp_features["auth"]
            s.login("bob", USERS["bob"])
            s.mail("bob@shop.test")
            assert s.rcpt("r@example.com")[0] == 250
            assert s.data(message("bob@shop.test", "r@example.com"))[0] == 250
        wait_until(lambda: len(d.delivered_files()) == 1, what="delivery")
        # Plaintext on the SMTPS port gets no SMTP greeting.
        c = RawClient(smtps_port)
        c.send(b"EHLO plain.test\r\n")
        answer, ended = b"", False
        try:
            while chunk := c.sock.recv(1000):  # at most a TLS alert, then the close
                answer += chunk
            ended = True
        except ConnectionResetError:
            ended = True
        assert ended and b"220" not in answer and b"250" not in answer, answer
    finally:
        d.stop(); d.cleanup()


def test_per_ip_connection_limit():
    d = Sluice(extra="smtpd_client_connection_count_limit = 3\n"
                     "smtpd_client_event_limit_exceptions =\n").start()
    try:
        held = [RawClient(d.smtp_port) for _ in range(3)]
        for c in held:
            assert c.reply()[0] == 220
        refused = RawClient(d.smtp_port)
        code, text = refused.reply()
        assert (code, text) == (
            421, "421 4.7.0 relay.test Error: too many connections from 127.0.0.1"), text
        assert refused.closed()
        for c in held:
            c.send(b"NOOP\r\n")
            assert c.reply()[0] == 250, "a connection under the limit stopped working"
        other = RawClient(d.smtp_port, source=OTHER)
        assert other.reply()[0] == 220, "the limit is per client address"
        held.pop().close()
        # The slot comes back when its connection ends.
        def admitted():
            c = RawClient(d.smtp_port)
            ok = c.reply()[0] == 220
            if ok:
                held.append(c)
            else:
                c.close()
            return ok
        wait_until(admitted, timeout=10, what="a freed slot")
        for c in held + [other]:
            c.close()
    finally:
        d.stop(); d.cleanup()


def test_connection_rate_limit_and_exceptions():
    # 127.0.0.1 (also the harness's start-up probe) is exempt; OTHER is counted.
    d = Sluice(extra="smtpd_client_connection_rate_limit = 2\n"
                     "smtpd_client_event_limit_exceptions = 127.0.0.1/32\n").start()
    try:
        for _ in range(2):
            c = RawClient(d.smtp_port, source=OTHER)
            assert c.reply()[0] == 220
            c.close()
        c = RawClient(d.smtp_port, source=OTHER)
        assert c.reply() == (421, f"421 4.7.0 relay.test Error: too many connections from {OTHER}")
        assert c.closed()
        for _ in range(4):  # an exempt client is never counted
            c = RawClient(d.smtp_port)
            assert c.reply()[0] == 220
            c.close()
    finally:
        d.stop(); d.cleanup()


def test_min_data_rate_drops_a_trickling_client():
    d = Sluice(extra="smtpd_timeout = 3s\nsmtpd_min_data_rate = 500\n").start()
    try:
        c = RawClient(d.smtp_port, timeout=20)
        assert c.reply()[0] == 220
        ehlo(c)
        c.send(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<r@example.com>\r\nDATA\r\n")
        assert [c.reply()[0] for _ in range(3)] == [250, 250, 354]
        started = time.monotonic()
        # A line every 0.3 s keeps a per-line deadline happy, but 30 bytes/s is far below 500.
        c.sock.settimeout(0.3)
        got = b""
        while time.monotonic() - started < 15 and b"\r\n" not in got:
            try:
                c.sock.sendall(b"trickle trickle trickle line\r\n")
            except OSError:
                break
            try:
                chunk = c.sock.recv(1000)
                if not chunk:
                    break
                got += chunk
            except socket.timeout:
                pass
        elapsed = time.monotonic() - started
        assert got == b"421 4.4.2 relay.test Error: timeout exceeded\r\n", (got, elapsed)
        assert 2.5 <= elapsed <= 8, elapsed
        # Meanwhile an honest client is served.
        with smtplib.SMTP("127.0.0.1", d.smtp_port, timeout=10) as s:
            s.ehlo("honest.test")
            s.mail("a@b.test")
            s.rcpt("r@example.com")
            assert s.data(message("a@b.test", "r@example.com"))[0] == 250
        assert "smtpd_min_data_rate" in d.read_log()
    finally:
        d.stop(); d.cleanup()


def test_unloadable_certificate_is_a_clear_fatal_error():
    d = Sluice()
    certs = make_test_certs(d.dir)
    bad = os.path.join(d.dir, "garbage.pem")
    with open(bad, "w") as f:
        f.write("not a certificate\n")
    d.write_config("dev maildir:maildir\n",
                   f"smtpd_tls_cert_file = {bad}\nsmtpd_tls_key_file = {certs.server_key}\n"
                   "smtpd_tls_security_level = may\n")
    try:
        d.start(wait=False)
        assert d.proc.wait(timeout=30) != 0
        assert f"smtpd_tls_cert_file {bad}" in d.read_log(), d.read_log()
        # A key that does not belong to the certificate.
        d.write_config("dev maildir:maildir\n",
                       f"smtpd_tls_cert_file = {certs.server_pem}\n"
                       f"smtpd_tls_key_file = {certs.untrusted_key}\n")
        d.start(wait=False)
        assert d.proc.wait(timeout=30) != 0
        assert f"smtpd_tls_key_file {certs.untrusted_key}: cannot load the private key" in \
            d.read_log(), d.read_log()
    finally:
        d.cleanup()


if __name__ == "__main__":
    run_tests([
        test_starttls_then_auth_plain_and_login_relay,
        test_relay_outside_mynetworks_needs_auth,
        test_auth_brute_force_is_locked_out_per_client,
        test_starttls_injection_is_discarded,
        test_encrypt_level_refuses_mail_before_tls,
        test_authenticated_sender_restriction,
        test_smtps_listener,
        test_per_ip_connection_limit,
        test_connection_rate_limit_and_exceptions,
        test_min_data_rate_drops_a_trickling_client,
        test_unloadable_certificate_is_a_clear_fatal_error,
    ])
