"""Servers that treat a client badly, on real loopback sockets, for the hostile tests.

One small reverse proxy (`HostileServer`) stands in front of a real server (usually the
bundled mock) and decides, request by request, how to answer:

    forward      pass the request on and the answer back (and record it)
    silent       read the request, never answer
    drip         answer a byte at a time, one every `interval` seconds
    bomb         answer 200 with a gzip body that inflates to 2 GiB (13 MB on the wire)
    delay        wait, then forward

Policies in this module build the servers the issue describes: `drip_server` (1 byte/s),
`silent_after(n)`, `slow_after(n)`, `bomb_server`, and `recording_proxy`, whose log says
which requests reached the real server. Every connection is closed at shutdown, so no
test waits on a thread that sleeps.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import socketserver
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

Policy = Callable[[int, "Request"], tuple[str, float]]


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request target: path and query
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Record:
    """What reached the hostile server, in order, and what it did with each request."""

    requests: list[tuple[int, Request, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: Request, action: str) -> int:
        with self.lock:
            index = len(self.requests)
            self.requests.append((index, request, action))
            return index

    def forwarded(self, method: str | None = None) -> list[Request]:
        with self.lock:
            return [
                r for _, r, a in self.requests if a in ("forward", "delay")
                and (method is None or r.method == method)
            ]  # fmt: skip


# -- the gzip bomb ---------------------------------------------------------------------


class _Bits:
    """A deflate bit writer: header fields LSB first, Huffman codes MSB first."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def lsb(self, value: int, bits: int) -> None:
        for i in range(bits):
            self._bit((value >> i) & 1)

    def code(self, value: int, bits: int) -> None:
        for i in reversed(range(bits)):
            self._bit((value >> i) & 1)

    def _bit(self, bit: int) -> None:
        self.acc |= bit << self.count
        self.count += 1
        if self.count == 8:
            self.out.append(self.acc)
            self.acc = self.count = 0

    def done(self) -> bytes:
        if self.count:
            self.out.append(self.acc)
        return bytes(self.out)


@cache
def gzip_bomb(size: int = 2 * 1024**3) -> bytes:
    """A valid gzip file of `size` zero bytes: one fixed-Huffman block of a literal and
    matches of 258 at distance 1. Eight matches are 13 bytes, so the block is one short
    pattern repeated; built in a moment instead of compressing 2 GiB."""
    matches = (size - 1) // 258
    groups, rest = divmod(matches, 8)

    def block(groups: int) -> bytes:
        bits = _Bits()
        bits.lsb(1, 1)  # BFINAL
        bits.lsb(1, 2)  # BTYPE: fixed Huffman
        bits.code(0x30, 8)  # literal 0
        for _ in range(groups * 8 + rest):
            bits.code(0b11000101, 8)  # length 258 (symbol 285)
            bits.code(0, 5)  # distance 1
        bits.code(0, 7)  # end of block
        return bits.done()

    small = block(2)
    body = small[:14] + small[14:27] * (groups - 1) + small[27:]
    total = 1 + 258 * matches
    crc, left, zeros = 0, total, bytes(1 << 24)
    while left:
        step = min(left, len(zeros))
        crc = zlib.crc32(zeros if step == len(zeros) else zeros[:step], crc)
        left -= step
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + body + struct.pack("<II", crc, total & 0xFFFFFFFF)


# -- the server ------------------------------------------------------------------------


class HostileServer:
    """A reverse proxy in front of `upstream` that answers each request by `policy`."""

    def __init__(self, upstream: str | None, policy: Policy, interval: float = 1.0) -> None:
        self.upstream = urlsplit(upstream) if upstream else None
        self.policy = policy
        self.interval = interval
        self.record = Record()
        self.stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=10)

    # -- one connection ----------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        reader = sock.makefile("rb")
        try:
            while not self.stopping.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                action, argument = self.policy(len(self.record.requests), request)
                self.record.add(request, action)
                if not self._answer(sock, request, action, argument):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._sockets.discard(sock)

    def _answer(self, sock: socket.socket, request: Request, action: str, arg: float) -> bool:
        if action == "silent":
            self.stopping.wait()
            return False
        if action == "drip":
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000\r\n\r\n"
            )
            for byte in head + b"[" + b" " * 999_999:
                if self.stopping.wait(self.interval):
                    return False
                sock.sendall(bytes([byte]))
            return True
        if action == "bomb":
            body = gzip_bomb()
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(head + body)
            return True
        if action == "delay" and self.stopping.wait(arg):
            return False
        sock.sendall(self._forward(request))
        return True

    def _forward(self, request: Request) -> bytes:
        assert self.upstream is not None, "forwarding needs an upstream"
        connection = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30
        )
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            connection.request(request.method, request.target, request.body or None, headers)
            answer = connection.getresponse()
            body = answer.read()
            lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    lines.append(f"{name}: {value}")
            lines.append(f"Content-Length: {len(body)}")
            return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        finally:
            connection.close()


def _read_request(reader: socketserver.socket.SocketIO | object) -> Request | None:  # type: ignore[name-defined]
    line = reader.readline(65536)  # type: ignore[attr-defined]
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline(65536).decode("latin-1")  # type: ignore[attr-defined]
        if header in ("\r\n", "\n", ""):
            break
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    length = int(headers.get("Content-Length") or headers.get("content-length") or 0)
    body = reader.read(length) if length else b""  # type: ignore[attr-defined]
    return Request(method, target, headers, body)


# -- the servers of the issue --------------------------------------------------------------


@contextlib.contextmanager
def recording_proxy(upstream: str) -> Iterator[HostileServer]:
    """Every request reaches `upstream`; the record says which."""
    with HostileServer(upstream, lambda i, r: ("forward", 0.0)) as server:
        yield server


@contextlib.contextmanager
def drip_server(interval: float = 1.0) -> Iterator[HostileServer]:
    """Answers every request one byte per `interval` seconds, forever."""
    with HostileServer(None, lambda i, r: ("drip", 0.0), interval) as server:
        yield server


@contextlib.contextmanager
def silent_after(upstream: str, n: int) -> Iterator[HostileServer]:
    """Answers the first `n` requests (through `upstream`), then never again."""
    policy: Policy = lambda i, r: ("forward", 0.0) if i < n else ("silent", 0.0)  # noqa: E731
    with HostileServer(upstream, policy) as server:
        yield server


@contextlib.contextmanager
def slow_after(upstream: str, n: int, delay_s: float) -> Iterator[HostileServer]:
    """Answers the first `n` requests at once, every later one after `delay_s`."""
    policy: Policy = lambda i, r: ("forward", 0.0) if i < n else ("delay", delay_s)  # noqa: E731
    with HostileServer(upstream, policy) as server:
        yield server


@contextlib.contextmanager
def bomb_server(upstream: str | None = None, *, only: Callable[[Request], bool] | None = None
                ) -> Iterator[HostileServer]:  # fmt: skip
    """A gzip bomb for every request (or those `only` picks; the rest are forwarded)."""

    def policy(index: int, request: Request) -> tuple[str, float]:
        return ("bomb", 0.0) if only is None or only(request) else ("forward", 0.0)

    with HostileServer(upstream, policy) as server:
        yield server
