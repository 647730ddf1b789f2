"""Postfix's smtp-sink as a fast, dumb upstream for the end-to-end tests: one process on
127.0.0.1:port, its running counters (-c) read from its stdout, each message dumped into a
directory (-d) for inspection. kill() simulates a dead upstream; start() again listens on the
same port. Counts add up across restarts. Run with /usr/bin/python3.

    with SmtpSink() as sink:
        ...  # point sluice at sink.port
        sink.wait_messages(3)
"""
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

from harness import free_port, port_open, wait_until

SMTP_SINK = os.environ.get("SMTP_SINK_BIN", "/usr/sbin/smtp-sink")
COUNTERS = re.compile(rb"sess=(\d+) quit=(\d+) mesg=(\d+)")


@dataclass(frozen=True)
class SinkMessage:
    """One message parsed back from smtp-sink's dump file."""
    helo: str
    mail_from: str
    mail_args: str  # MAIL parameters after the path, e.g. "SIZE=123 BODY=8BITMIME"
    rcpt_tos: tuple
    data: bytes  # header and body as received, lines re-joined with CRLF


class SmtpSink:
    """Owns one smtp-sink process at a time and a temp dir (dumps, stdout of each run). Not
    thread-safe: one test thread drives it."""

    def __init__(self, hostname="sink.test", port=None, dump=True, pipelining=True,
                 eightbitmime=True, auth=True, soft_reject=(), hard_reject=(), reply_421_on=(),
                 disconnect_on=(), delays=None, extra_args=()):
        """soft_reject / hard_reject / reply_421_on / disconnect_on: smtp-sink command names
        (CONNECT, HELO, EHLO, MAIL, RCPT, DATA, ".", RSET, QUIT...) answered 450 / 500, 421 +
        close, or closed without a reply (-r, -f, -Q, -q). delays: command -> seconds (-W).
        Note that -r and -f also stop it announcing PIPELINING."""
        self.hostname = hostname
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="sluice-sink-")
        self.dump_dir = os.path.join(self.dir, "dump") if dump else None
        self.args = ["-c", "-h", hostname, *extra_args]
        for flag, off in (("-p", not pipelining), ("-8", not eightbitmime), ("-a", not auth)):
            if off:
                self.args.append(flag)
        for flag, commands in (("-r", soft_reject), ("-f", hard_reject), ("-Q", reply_421_on),
                               ("-q", disconnect_on)):
            if commands:
                self.args += [flag, ",".join(commands)]
        for command, seconds in (delays or {}).items():
            self.args += ["-W", f"{command}:{seconds}"]
        self.proc = None
        self._runs = 0
        self._base = (0, 0)  # (sessions, messages) of the runs that ended
        self._probes = 0  # readiness connections of the current run
        self._out = None
        self._prepare_dirs()

    def _prepare_dirs(self):
        # smtp-sink refuses to keep root privileges: as root it runs as nobody, which must be
        # able to reach and write the dump directory.
        self._user = []
        if self.dump_dir:
            os.makedirs(self.dump_dir)
        if os.geteuid() == 0:
            self._user = ["-u", "nobody"]
            os.chmod(self.dir, 0o711)
            if self.dump_dir:
                nobody = pwd.getpwnam("nobody")
                os.chown(self.dump_dir, nobody.pw_uid, nobody.pw_gid)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    def start(self, timeout=10.0):
        """Starts smtp-sink (on a free port the first time, the same port afterwards) and waits
        until it answers. A first start that loses its port to another process retries."""
        assert self.proc is None, "smtp-sink already running"
        for attempt in range(3):
            fresh = self.port is None
            if fresh:
                self.port = free_port()
            if self._launch(timeout):
                return self
            if not fresh or attempt == 2:
                raise AssertionError(f"smtp-sink did not start on port {self.port}:\n"
                                     + self._read_out().decode(errors="replace"))
            self.port = None
        return self

    def _launch(self, timeout):
        self._runs += 1
        self._out = os.path.join(self.dir, f"run{self._runs}.out")
        args = [SMTP_SINK, *self._user, *self.args]
        if self.dump_dir:
            args += ["-d", os.path.join(self.dump_dir, "msg.")]
        args += [f"127.0.0.1:{self.port}", "128"]
        with open(self._out, "wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        self._probes = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if port_open(self.port):
                self._probes = 1
                # The probe's session ends at once; wait until counted so sessions() is exact.
                wait_until(lambda: self._counters()[0] >= 1, timeout=5,
                           what="smtp-sink to count its readiness probe")
                return True
            time.sleep(0.02)
        self._terminate(signal.SIGKILL)
        return False

    def stop(self, sig=signal.SIGTERM):
        """Stops the process; its counts are kept."""
        if self.proc is None:
            return
        sessions, messages = self._run_counts()
        self._terminate(sig)
        self._base = (self._base[0] + sessions, self._base[1] + messages)

    def kill(self):
        """SIGKILL: the upstream dies mid-whatever; connections to the port are then refused."""
        self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _terminate(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- counts and messages ---------------------------------------------------------------
    def _read_out(self):
        try:
            with open(self._out, "rb") as f:
                return f.read()
        except (OSError, TypeError):
            return b""

    def _counters(self):
        """(sessions, messages) smtp-sink printed last for the current run."""
        found = COUNTERS.findall(self._read_out())
        if not found:
            return 0, 0
        sessions, _, messages = found[-1]
        return int(sessions), int(messages)

    def _run_counts(self):
        if self.proc is None:
            return 0, 0
        sessions, messages = self._counters()
        return sessions - self._probes, messages

    def message_count(self):
        """Messages received (final "." answered), all runs together."""
        return self._base[1] + self._run_counts()[1]

    def session_count(self):
        """Finished SMTP sessions, all runs together, without the readiness probes."""
        return self._base[0] + self._run_counts()[0]

    def wait_messages(self, count, timeout=10.0):
        wait_until(lambda: self.message_count() >= count, timeout=timeout,
                   what=f"smtp-sink to receive {count} messages")
        return self.message_count()

    def messages(self, timeout=5.0):
        """The dumped messages by file time (within one clock tick in no set order: sort them
        yourself when order matters). smtp-sink writes a dump while the transaction runs
        and removes it if the transaction fails, so this first waits until as many dumps are
        complete as messages were counted."""
        assert self.dump_dir, "SmtpSink(dump=False) keeps no messages"
        wait_until(lambda: len(self._complete_dumps()) >= self.message_count(), timeout=timeout,
                   what="smtp-sink dumps to match its message count")
        return [parse_dump(raw) for _, raw in sorted(self._complete_dumps())]

    def _complete_dumps(self):
        dumps = []
        for name in os.listdir(self.dump_dir):
            path = os.path.join(self.dump_dir, name)
            try:
                with open(path, "rb") as f:
                    raw = f.read()
                mtime = os.stat(path).st_mtime_ns
            except OSError:
                continue
            if raw.endswith(b"\n\n"):  # the blank line smtp-sink appends after the message
                dumps.append(((mtime, name), raw))
        return dumps


def parse_dump(raw):
    """A SinkMessage from one smtp-sink dump file (see DUMP FILE FORMAT in smtp-sink(1))."""
    lines = raw[:-1].split(b"\n")  # the last b"\n" is the appended blank line's
    helo, mail, rcpts = "", "", []
    i = 0
    while not lines[i].startswith(b"Received: "):
        key, _, value = lines[i].decode(errors="replace").partition(": ")
        if key == "X-Helo-Args":
            helo = value
        elif key == "X-Mail-Args":
            mail = value
        elif key == "X-Rcpt-Args":
            rcpts.append(value.split(" ")[0].strip("<>"))
        i += 1
    path, _, mail_args = mail.partition(" ")
    body = lines[i + 3:]  # Received: is three lines
    data = b"\r\n".join(body[:-1]) + b"\r\n" if len(body) > 1 else b""
    return SinkMessage(helo=helo, mail_from=path.strip("<>"), mail_args=mail_args,
                       rcpt_tos=tuple(rcpts), data=data)
