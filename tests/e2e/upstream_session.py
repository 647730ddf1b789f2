"""The per-connection half of FakeUpstream (upstream.py): an aiosmtpd SMTP protocol and handler
that read the upstream's current script at every decision and report what happened to it. All
code here runs on the upstream's event-loop thread; the FakeUpstream methods it calls lock.
"""
import functools
import logging

from aiosmtpd.smtp import MISSING, SMTP, AuthResult

# aiosmtpd 1.4.3 logs a deprecation warning on every successful AUTH (it sets
# Session.login_data itself); without a handler Python prints it to stderr.
logging.getLogger("mail.log").addFilter(
    lambda record: "login_data is deprecated" not in record.getMessage())

EXTENSIONS_HIDDEN_BY_DEFAULT = ("HELP",)


def tls_state(protocol):
    """("starttls" | "smtps" | None, TLS version or None) of one connection."""
    transport = protocol.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport else None
    if ssl_object is None:
        return None, None
    mode = "starttls" if protocol._tls_protocol is not None else "smtps"
    return mode, ssl_object.version()


class FaultySession(SMTP):
    """One client connection. Adds to aiosmtpd's SMTP: a scripted (or delayed) greeting, closing
    after any 421 reply, dropping the connection in the middle of DATA, and a log of commands."""

    def __init__(self, upstream, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.upstream = upstream
        self.connection = 0  # 1-based number among this upstream's connections
        for verb, method in list(self._smtp_methods.items()):
            self._smtp_methods[verb] = self._logged(verb, method)

    def _logged(self, verb, method):
        @functools.wraps(method)
        async def logged(arg):
            self.upstream._note_command(self.connection, verb, arg)
            await method(arg)
        return logged

    def connection_made(self, transport):
        first = self.transport is None
        super().connection_made(transport)
        if first:
            self.upstream._live.add(self)

    def connection_lost(self, error):
        self.upstream._live.discard(self)
        super().connection_lost(error)

    def abort(self):
        """Drops the connection at once, without a TLS close_notify or a FIN-first close."""
        transport = self._original_transport or self.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    async def _handle_client(self):
        self.connection = self.upstream._note_connection()
        await self.upstream._delay("greeting")
        reply = self.upstream.setting("greeting_reply")
        if reply:
            await self.push(reply)
            self.transport.close()
            return
        await super()._handle_client()

    async def push(self, status):
        await super().push(status)
        text = status if isinstance(status, str) else status.decode(errors="replace")
        if text.startswith("421") and self.transport is not None:
            # 421 means the server closes the channel (RFC 5321 3.8); aiosmtpd would keep reading.
            self._handler_coroutine.cancel()
            self.transport.close()

    async def smtp_DATA(self, arg):
        after = self.upstream.setting("drop_in_data_after")
        if after is None or arg or not self.session.host_name or not self.envelope.rcpt_tos:
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        received = b""
        while len(received) < after and not received.endswith(b"\r\n.\r\n"):
            chunk = await self._reader.read(65536)
            if not chunk:
                break
            received += chunk
        self.upstream._note_drop(len(received))
        self._handler_coroutine.cancel()
        self.abort()


class ScriptedHandler:
    """aiosmtpd handler hooks: each reply comes from the upstream's script at that moment, and
    accepted transactions are recorded with the session's TLS state and authenticated user."""

    def __init__(self, upstream):
        self.upstream = upstream

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self.upstream._delay("ehlo")
        session.host_name = hostname
        s = self.upstream.settings()
        hidden = set(EXTENSIONS_HIDDEN_BY_DEFAULT)
        if not s["eightbitmime"]:
            hidden.add("8BITMIME")
        if s["users"] is None:
            hidden.add("AUTH")
        keywords = [line[4:] for line in responses[1:] if line[4:].split(" ")[0] not in hidden]
        if s["pipelining"]:
            keywords.insert(0, "PIPELINING")
        lines = [responses[0][4:]] + keywords
        return [("250 " if i == len(lines) - 1 else "250-") + text for i, text in enumerate(lines)]

    async def handle_AUTH(self, server, session, envelope, args):
        if self.upstream.setting("users") is None:
            return "502 5.5.1 AUTH not offered"
        return MISSING

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        """aiosmtpd's authenticator callback for PLAIN and LOGIN."""
        user = auth_data.login.decode(errors="replace")
        password = auth_data.password.decode(errors="replace")
        users = self.upstream.setting("users") or {}
        ok = user in users and users[user] == password
        self.upstream._note_auth(user, mechanism, ok)
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self.upstream._delay("mail")
        s = self.upstream.settings()
        if s["auth_required"] and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if not s["eightbitmime"] and "BODY=8BITMIME" in mail_options:
            return "555 5.5.4 BODY=8BITMIME not offered"
        if s["mail_reply"]:
            return s["mail_reply"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self.upstream._delay("rcpt")
        reply = self.upstream._rcpt_reply(address)
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return reply

    async def handle_DATA(self, server, session, envelope):
        await self.upstream._delay("data")
        reply = self.upstream.setting("data_reply")
        if reply and not reply.startswith("2"):
            return reply
        tls, tls_version = tls_state(server)
        number = self.upstream._note_transaction(
            connection=server.connection, helo=session.host_name, mail_from=envelope.mail_from,
            mail_options=tuple(envelope.mail_options), rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content), tls=tls, tls_version=tls_version,
            auth_user=session.auth_data if session.authenticated else None)
        return reply or f"250 2.0.0 Ok: queued as U{number}"

    async def handle_exception(self, error):
        self.upstream._note_error(repr(error))
        return f"500 5.0.0 fake upstream error: {error.__class__.__name__}"
