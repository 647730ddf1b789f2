"""A DNS server on a loopback UDP port that answers every query NXDOMAIN, so tests see c-ares
report an unknown host at once instead of waiting on the machine's resolvers."""
import socket
import threading


class NxdomainDns:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                query, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if len(query) < 12:
                continue
            self.queries += 1
            # Same id and question; QR=1, opcode and RD copied, RA=1, RCODE=3 (NXDOMAIN).
            flags = bytes([0x80 | (query[2] & 0x79), 0x83])
            end = 12
            while end < len(query) and query[end] != 0:
                end += query[end] + 1
            question = query[12:end + 5]
            reply = query[:2] + flags + b"\x00\x01\x00\x00\x00\x00\x00\x00" + question
            self.sock.sendto(reply, peer)
