"""Hostile servers for the load test's own tests (minimal; see the lead's `servers.py`).

Each answers its first `good` requests as a correct Vance API would (so a preflight
passes), then turns hostile: it drips its answers one byte a second, stops answering,
or sends a gzip bomb. Real sockets on 127.0.0.1, one thread per connection; every
thread ends when the server is stopped.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

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


def _answer(path: str) -> bytes:
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
    """`mode`: drip | silent | bomb; hostile from request number `good` + 1 on."""

    mode: str
    good: int = 2
    requests: int = 0
    base_url: str = ""
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
                path = head.split(b" ", 2)[1].decode("latin-1")
                with self.lock:
                    self.requests += 1
                    hostile = self.requests > self.good
                if not hostile:
                    conn.sendall(_answer(path))
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


@contextlib.contextmanager
def hostile_server(mode: str, good: int = 2) -> Iterator[HostileServer]:
    """A `HostileServer` on a free loopback port, stopped (threads and all) on exit."""
    if mode == "bomb":
        gzip_bomb()
    server = HostileServer(mode, good)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    server.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
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
