"""Servers for the load test's own tests: hostile ones, TLS, a gateway, a forward proxy.

`hostile_server(mode, good)` answers its first `good` requests as a correct Vance API
would (so a preflight passes), then turns hostile: it drips its answers one byte a
second, stops answering, or sends a gzip bomb. It may speak TLS, with one certificate
for its first connections and another after (`tls`, `tls_switch`). `forward_proxy()`
is a small HTTP forward proxy (absolute-form requests and CONNECT) that logs what went
through it. Real sockets on 127.0.0.1, one thread per connection; every thread ends
when its server is stopped.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

KITTENS = [
    {"id": 1, "name": "Fluffums", "breed": "calico", "fluffiness": 6, "cuteness": 7},
    {"id": 2, "name": "Max", "breed": "unknown", "fluffiness": 5, "cuteness": 10},
]
BOMB_INFLATED = 1024 * 1024 * 1024  # 1 GiB of zeros once inflated
_BOMB: list[bytes] = []


def gzip_bomb() -> bytes:
    """About 1 MB of valid gzip that inflates to `BOMB_INFLATED` zero bytes (built once).

    One 16 MiB block of zeros is deflated and fully flushed (which makes the piece
    self-contained and byte-aligned), then repeated: a second, not four, to build.
    """
    if not _BOMB:
        block = bytes(16 * 1024 * 1024)
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        piece = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
        count = BOMB_INFLATED // len(block)
        crc = 0
        for _ in range(count):
            crc = zlib.crc32(block, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
        trailer = b"\x03\x00" + struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)
        _BOMB.append(header + piece * count + trailer)
    return _BOMB[0]


def _status(code: int, message: str) -> bytes:
    body = orjson.dumps({"error": message})
    return (
        f"HTTP/1.1 {code} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _answer(path: str, method: str = "GET") -> bytes:
    if method == "DELETE":
        return _status(404, "no such kitten")  # documented; a second DELETE may say so
    if path.split("?", 1)[0].rstrip("/").endswith("/kittens"):
        body = orjson.dumps(KITTENS)
    else:
        body = orjson.dumps(KITTENS[0])
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


@dataclass
class HostileServer:
    """`mode`: drip | silent | bomb; hostile from request number `good` + 1 on.

    `prefix` and `key`: a gateway that answers only below the path prefix and only with
    the header `X-Gateway-Key: key` (401 otherwise). `log`: every request line seen."""

    mode: str
    good: int = 2
    prefix: str = ""
    key: str | None = None
    requests: int = 0
    base_url: str = ""
    log: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while not self.stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                method, target = head.decode("latin-1").split(" ", 2)[:2]
                path = urlsplit(target).path  # absolute-form too (from a proxy)
                with self.lock:
                    self.requests += 1
                    self.log.append(f"{method} {path}")
                    hostile = self.requests > self.good
                refusal = self._gateway_refusal(head, path)
                if refusal is not None:
                    conn.sendall(refusal)
                elif not hostile:
                    conn.sendall(_answer(path, method))
                elif self.mode == "drip":
                    for byte in _answer(path):
                        if self.stop.wait(1.0):
                            return
                        conn.sendall(bytes([byte]))
                elif self.mode == "silent":
                    self.stop.wait()  # holds the connection open, says nothing
                    return
                elif self.mode == "bomb":
                    bomb = gzip_bomb()
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Encoding: gzip\r\n"
                        + f"Content-Length: {len(bomb)}\r\n\r\n".encode()
                        + bomb
                    )
                else:
                    raise ValueError(self.mode)

    def _gateway_refusal(self, head: bytes, path: str) -> bytes | None:
        if self.key is not None and f"x-gateway-key: {self.key}".encode() not in head.lower():
            return _status(401, "no gateway key")
        if not path.startswith(self.prefix + "/api/"):
            return _status(404, "not below the prefix")
        return None


@contextlib.contextmanager
def hostile_server(
    mode: str,
    good: int = 2,
    *,
    tls: tuple[ssl.SSLContext, ...] = (),
    tls_switch: int = 2,
    prefix: str = "",
    key: str | None = None,
) -> Iterator[HostileServer]:
    """A `HostileServer` on a free loopback port, stopped (threads and all) on exit.

    With `tls`, its first `tls_switch` connections use `tls[0]`, later ones `tls[-1]`."""
    if mode == "bomb":
        gzip_bomb()
    server = HostileServer(mode, good, prefix=prefix, key=key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    scheme = "https" if tls else "http"
    server.base_url = f"{scheme}://127.0.0.1:{listener.getsockname()[1]}{prefix}"
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            if tls:
                context = tls[0] if len(threads) < tls_switch else tls[-1]
                thread = threading.Thread(
                    target=_handshake, args=(server, conn, context), daemon=True
                )
            else:
                thread = threading.Thread(target=_quietly, args=(server, conn), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        server.stop.set()
        acceptor.join(timeout=10)
        listener.close()
        for thread in threads:
            thread.join(timeout=10)


def _quietly(server: HostileServer, conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        server.serve(conn)


def _handshake(server: HostileServer, conn: socket.socket, context: ssl.SSLContext) -> None:
    conn.settimeout(10)
    with contextlib.suppress(OSError):
        wrapped = context.wrap_socket(conn, server_side=True)
        wrapped.settimeout(None)
        server.serve(wrapped)
    conn.close()


# -- a forward proxy -----------------------------------------------------------------------


@dataclass
class ForwardProxy:
    """What went through the proxy: 'GET http://...' and 'CONNECT host:port' lines."""

    url: str = ""
    log: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _relay(one: socket.socket, other: socket.socket, stop: threading.Event) -> None:
    with contextlib.suppress(OSError):
        while not stop.is_set():
            data = one.recv(65536)
            if not data:
                break
            other.sendall(data)
    with contextlib.suppress(OSError):
        other.shutdown(socket.SHUT_WR)


def _proxy_connection(proxy: ForwardProxy, client: socket.socket) -> None:
    with client, contextlib.ExitStack() as stack:
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = client.recv(65536)
            if not data:
                return
            buffer += data
        head, _, rest = buffer.partition(b"\r\n\r\n")
        method, target = head.decode("latin-1").split(" ", 2)[:2]
        proxy.log.append(f"{method} {target}")
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = stack.enter_context(socket.create_connection((host, int(port)), 10))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:  # absolute-form: pass the connection through, logging each request line
            parts = urlsplit(target)
            address = (parts.hostname or "", parts.port or 80)
            upstream = stack.enter_context(socket.create_connection(address, 10))
            upstream.sendall(head + b"\r\n\r\n" + rest)
        back = threading.Thread(target=_relay, args=(upstream, client, proxy.stop), daemon=True)
        back.start()
        if method == "CONNECT":
            _relay(client, upstream, proxy.stop)
        else:
            _log_requests(proxy, client, upstream)
        back.join(timeout=10)


def _log_requests(proxy: ForwardProxy, client: socket.socket, upstream: socket.socket) -> None:
    """Relay client -> upstream, logging the request line of each further request."""
    with contextlib.suppress(OSError):
        while not proxy.stop.is_set():
            data = client.recv(65536)
            if not data:
                break
            for line in data.split(b"\r\n"):
                if line.startswith((b"GET ", b"DELETE ", b"POST ")):
                    proxy.log.append(" ".join(line.decode("latin-1").split(" ")[:2]))
            upstream.sendall(data)
    with contextlib.suppress(OSError):
        upstream.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def forward_proxy() -> Iterator[ForwardProxy]:
    proxy = ForwardProxy()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    proxy.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not proxy.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(30)
            thread = threading.Thread(target=_proxy_connection, args=(proxy, conn), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield proxy
    finally:
        proxy.stop.set()
        acceptor.join(timeout=10)
        listener.close()
        for thread in threads:
            thread.join(timeout=35)
