"""A stand-in gateway on loopback: a small real reverse proxy in front of the mock.

It does what the ingress in front of a company's staging server does: require a header
(a gateway key) and strip a path prefix before forwarding to the real served mock; it
can also plant a defect in the answers. Every request it saw is recorded, so a test can say
that the requests really went through it, with the header, under the prefix.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Hop-by-hop headers (RFC 9110 7.6.1) are the gateway's own, never forwarded.
_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "proxy-authenticate", "proxy-authorization"}
)  # fmt: skip


Headers = list[tuple[str, str]]
# A defect the gateway plants: (method, path, status, headers, body) -> the same, changed.
Answer = Callable[[str, str, int, Headers, bytes], tuple[int, Headers, bytes]]


@dataclass(frozen=True)
class Seen:
    """One request as the gateway received it."""

    method: str
    target: str  # the request target, prefix included
    headers: dict[str, str]


@dataclass
class Gateway:
    """A running gateway: its URL (with the prefix) and what it saw."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    refused: int = 0  # requests turned away for want of the header or the prefix


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Set per instance by serve_gateway.
    gateway: Gateway
    upstream: tuple[str, int]
    prefix: str
    required: tuple[str, str] | None
    answer: Answer | None

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-answer is no news in a test


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def __getattr__(self, name: str) -> Any:
        # Every method, even ones http.server has no do_X for: the suites send odd ones.
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _refuse(self, status: int, message: str) -> None:
        self.server.gateway.refused += 1
        body = json.dumps({"gateway": message}).encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self) -> None:
        server = self.server
        headers = {k: v for k, v in self.headers.items()}
        server.gateway.seen.append(Seen(self.command, self.path, headers))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if server.required is not None:
            name, value = server.required
            if self.headers.get(name) != value:
                self._refuse(403, f"the {name} header is missing or wrong")
                return
        prefix = server.prefix
        if prefix and not (self.path == prefix or self.path.startswith(prefix + "/")):
            self._refuse(404, f"no route: this gateway serves {prefix}/...")
            return
        path = self.path[len(prefix) :] or "/"
        forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP}
        connection = http.client.HTTPConnection(*server.upstream, timeout=30)
        try:
            connection.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in forwarded.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            answer = connection.getresponse()
            content = answer.read()
        finally:
            connection.close()
        status = answer.status
        kept = [(n, v) for n, v in answer.getheaders() if n.lower() not in _HOP]
        if server.answer is not None:
            status, kept, content = server.answer(self.command, path, status, kept, content)
            kept = [(n, v) for n, v in kept if n.lower() != "content-length"]
            kept.append(("Content-Length", str(len(content))))
        self.send_response_only(status)
        for name, value in kept:
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name, _ in kept):
            self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)


@contextlib.contextmanager
def serve_gateway(
    upstream: str,
    *,
    prefix: str = "",
    required: tuple[str, str] | None = None,
    answer: Answer | None = None,
    host: str = "127.0.0.1",
) -> Iterator[Gateway]:
    """Serve a gateway to `upstream` (http://host:port) on a free loopback port."""
    parts = urlsplit(upstream)
    server = _Server((host, 0), _Forward)
    server.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
    server.prefix = prefix.rstrip("/")
    server.required = required
    server.answer = answer
    server.gateway = Gateway(f"http://{host}:{server.server_address[1]}{server.prefix}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
