"""A scriptable fake upstream SMTP server for the delivery stage's end-to-end tests: aiosmtpd on
127.0.0.1 in its own thread. Told at construction, or at run time with configure(), how to
answer (per-recipient replies, 421 at greeting, a reply at MAIL or end of data, a drop in the
middle of DATA, slow phases, AUTH, STARTTLS or SMTPS, hidden extensions), it records every
transaction it accepted. Run with /usr/bin/python3 (Debian's python3-aiosmtpd).

    with FakeUpstream(rcpt_replies={"b@x.test": "451 4.3.0 try later"}) as up:
        ...  # point sluice at 127.0.0.1:up.port
        up.wait_transactions(1)
"""
import asyncio
import collections
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Optional

from upstream_session import FaultySession, ScriptedHandler

PHASES = ("greeting", "ehlo", "mail", "rcpt", "data")
DEFAULTS = {
    "hostname": "upstream.test",  # in the greeting and the EHLO reply
    "rcpt_replies": {},  # address (any case) -> reply; others get rcpt_default
    "rcpt_default": "250 2.1.5 Ok",
    "greeting_reply": None,  # e.g. "421 4.3.2 not now": sent instead of 220, then closed
    "mail_reply": None,  # e.g. "550 5.4.5 Daily sending quota exceeded"
    "data_reply": None,  # end-of-data reply; None: "250 2.0.0 Ok: queued as U<n>"
    "drop_in_data_after": None,  # bytes of DATA to read, then close without a reply
    "delays": {},  # phase (PHASES) -> seconds before that reply
    "users": None,  # {user: password} enables AUTH PLAIN and LOGIN; None: no AUTH
    "auth_required": False,  # MAIL without AUTH gets 530
    "auth_require_tls": False,  # AUTH offered only after STARTTLS (SMTPS counts as TLS)
    "tls": None,  # None | "starttls" | "smtps" (implicit TLS; takes effect at up())
    "cert": None,  # (certfile, keyfile) for tls
    "require_starttls": False,  # 530 before STARTTLS, like aiosmtpd's require_starttls
    "pipelining": True,  # advertise PIPELINING (aiosmtpd reads pipelined commands in order)
    "size": 10 * 1024 * 1024,  # SIZE limit advertised and enforced; None hides and lifts it
    "smtputf8": True,
    "eightbitmime": True,  # False hides 8BITMIME and answers BODY=8BITMIME with 555
    "idle_timeout": 30.0,  # aiosmtpd closes a connection idle this long
}


@dataclass(frozen=True)
class Transaction:
    """One message the upstream accepted at end of data."""
    connection: int  # 1-based connection number, see FakeUpstream.connections
    helo: Optional[str]
    mail_from: str
    mail_options: tuple  # e.g. ("SIZE=1234", "BODY=8BITMIME"), upper-cased by aiosmtpd
    rcpt_tos: tuple  # the recipients accepted in this transaction, in order
    data: bytes  # the message as received, dot-unstuffed, without the final "."
    tls: Optional[str]  # "starttls", "smtps" or None
    tls_version: Optional[str]  # e.g. "TLSv1.3"
    auth_user: Optional[str]  # the user that authenticated in this session


class FakeUpstream:
    """The fake upstream and its records. The test thread calls the public methods; the sessions
    on the event-loop thread read the script and write the records; one lock guards both."""

    def __init__(self, port=0, **script):
        self._lock = threading.Condition()  # guards _script and every record below
        self._script = dict(DEFAULTS)
        self._tls_contexts = {}
        self.configure(**script)
        self.port = port  # 0: picked at the first up(), kept for later ones
        self._thread = None
        self._loop = None
        self._live = set()  # sessions with an open connection; event-loop thread only
        self.reset_records()

    # ---- lifecycle -------------------------------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        return self.up()

    def stop(self):
        self.down()

    def up(self):
        """Listens on 127.0.0.1:port (a fresh port the first time, the same one afterwards)."""
        if self._thread is not None:
            return self
        listener_tls = self._context() if self.setting("tls") == "smtps" else None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(
            lambda loop, context: self._note_error(
                f"{context.get('message', 'event loop error')}: {context.get('exception')!r}"))
        ready = threading.Event()
        self._start_error = None
        self._thread = threading.Thread(target=self._serve, args=(sock, listener_tls, ready),
                                        name=f"fake-upstream-{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(10) or self._start_error:
            self.down()
            raise AssertionError(f"fake upstream did not start listening: {self._start_error}")
        return self

    def down(self):
        """Stops listening (connections to the port are refused) and drops open connections."""
        if self._thread is None:
            return
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if self._thread.is_alive():
            raise AssertionError("fake upstream thread did not stop within 10s")
        self._thread = None
        self._loop = None

    @property
    def listening(self):
        return self._thread is not None

    def _serve(self, sock, listener_tls, ready):
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                loop.create_server(self._new_session, sock=sock, ssl=listener_tls))
        except Exception as error:  # reported by up(); the loop never runs
            self._start_error = repr(error)
            sock.close()
            loop.close()
            ready.set()
            return
        loop.call_soon(ready.set)
        loop.run_forever()
        server.close()
        for session in list(self._live):
            session.abort()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.run_until_complete(asyncio.sleep(0))  # lets the aborted transports finish closing
        loop.close()

    def _new_session(self):
        with self._lock:
            self._accepts += 1
        s = self.settings()
        handler = ScriptedHandler(self)
        starttls = s["tls"] == "starttls"
        return FaultySession(
            self, handler, loop=self._loop, hostname=s["hostname"], ident="ESMTP fake upstream",
            data_size_limit=s["size"], enable_SMTPUTF8=s["smtputf8"],
            tls_context=self._context() if starttls else None,
            require_starttls=starttls and s["require_starttls"], timeout=s["idle_timeout"],
            auth_require_tls=starttls and s["auth_require_tls"],
            authenticator=handler.authenticate)

    def _context(self):
        cert = self.setting("cert")
        if cert is None:
            raise ValueError("tls needs cert=(certfile, keyfile)")
        with self._lock:
            context = self._tls_contexts.get(tuple(cert))
        if context is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            with self._lock:
                self._tls_contexts[tuple(cert)] = context
        return context

    # ---- the script ------------------------------------------------------------------------
    def configure(self, **changes):
        """Changes the script; each session reads it at every decision, so a change applies from
        the next command on (the listener's tls = "smtps" from the next up())."""
        unknown = set(changes) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown fake upstream settings: {sorted(unknown)}")
        if set(changes.get("delays", {})) - set(PHASES):
            raise ValueError(f"delays phases are {PHASES}")
        if changes.get("tls") not in (None, "starttls", "smtps"):
            raise ValueError("tls is None, 'starttls' or 'smtps'")
        with self._lock:
            for key, value in changes.items():
                if key == "rcpt_replies":
                    value = {address.lower(): reply for address, reply in value.items()}
                elif isinstance(value, dict):
                    value = dict(value)
                self._script[key] = value
        return self

    def set_rcpt_reply(self, address, reply):
        """One recipient's reply; None restores rcpt_default for it."""
        with self._lock:
            replies = dict(self._script["rcpt_replies"])
            if reply is None:
                replies.pop(address.lower(), None)
            else:
                replies[address.lower()] = reply
            self._script["rcpt_replies"] = replies

    def set_delay(self, phase, seconds):
        if phase not in PHASES:
            raise ValueError(f"delays phases are {PHASES}")
        with self._lock:
            self._script["delays"] = {**self._script["delays"], phase: seconds}

    def setting(self, key):
        with self._lock:
            return self._script[key]

    def settings(self):
        with self._lock:
            return dict(self._script)

    # ---- records ---------------------------------------------------------------------------
    def reset_records(self):
        with self._lock:
            self._transactions = []
            self._accepts = 0
            self._connections = 0
            self._drops = []
            self._accepted = collections.Counter()
            self._rcpt_attempts = collections.Counter()
            self._commands = []
            self._auth_attempts = []
            self._errors = []

    def transactions(self):
        """Every accepted Transaction, in order of acceptance."""
        with self._lock:
            return list(self._transactions)

    @property
    def transaction_count(self):
        with self._lock:
            return len(self._transactions)

    @property
    def accepts(self):
        """TCP connections accepted, including SMTPS ones whose TLS handshake then failed."""
        with self._lock:
            return self._accepts

    @property
    def connections(self):
        """Connections that reached the SMTP session (for SMTPS: past the TLS handshake)."""
        with self._lock:
            return self._connections

    def accepted(self):
        """Counter: recipient address -> messages accepted for it (as the client spelled it)."""
        with self._lock:
            return collections.Counter(self._accepted)

    def rcpt_attempts(self):
        """Counter: lower-cased recipient address -> RCPT TO commands seen, whatever the reply."""
        with self._lock:
            return collections.Counter(self._rcpt_attempts)

    def drops(self):
        """Bytes of DATA read before each scripted mid-DATA drop."""
        with self._lock:
            return list(self._drops)

    def commands(self):
        """(connection, VERB, argument) for every SMTP command, AUTH continuations excluded."""
        with self._lock:
            return list(self._commands)

    def auth_attempts(self):
        """(user, mechanism, succeeded) for every AUTH PLAIN/LOGIN that reached a check."""
        with self._lock:
            return list(self._auth_attempts)

    def errors(self):
        """Exceptions in sessions and event-loop errors (e.g. a failed TLS handshake)."""
        with self._lock:
            return list(self._errors)

    def wait_transactions(self, count, timeout=10.0):
        """Waits until at least count transactions were accepted; returns them all."""
        self._wait(lambda: len(self._transactions) >= count, timeout,
                   f"{count} accepted transactions")
        return self.transactions()

    def wait_connections(self, count, timeout=10.0):
        self._wait(lambda: self._connections >= count, timeout, f"{count} connections")
        return self.connections

    def _wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                self._lock.wait(left)

    # ---- called by the sessions (event-loop thread) ----------------------------------------
    def _note_connection(self):
        with self._lock:
            self._connections += 1
            self._lock.notify_all()
            return self._connections

    def _note_command(self, connection, verb, arg):
        with self._lock:
            self._commands.append((connection, verb, arg))

    def _note_transaction(self, **fields):
        transaction = Transaction(**fields)
        with self._lock:
            self._transactions.append(transaction)
            self._accepted.update(transaction.rcpt_tos)
            self._lock.notify_all()
            return len(self._transactions)

    def _note_drop(self, received):
        with self._lock:
            self._drops.append(received)

    def _note_auth(self, user, mechanism, ok):
        with self._lock:
            self._auth_attempts.append((user, mechanism, ok))

    def _note_error(self, text):
        with self._lock:
            self._errors.append(text)

    def _rcpt_reply(self, address):
        with self._lock:
            self._rcpt_attempts[address.lower()] += 1
            return self._script["rcpt_replies"].get(address.lower(), self._script["rcpt_default"])

    async def _delay(self, phase):
        seconds = self.setting("delays").get(phase)
        if seconds:
            await asyncio.sleep(seconds)
