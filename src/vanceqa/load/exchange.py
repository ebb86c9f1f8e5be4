"""How a locust user's request reaches the target, with `TargetClient`'s promises.

Locust users send through geventhttpclient (httpx would cost the load generator four
times the CPU), so they cannot use `TargetClient`; they keep its promises with the
same shared pieces instead:

- a DELETE the user did not name never leaves the process (`TargetConfig.delete_refusal`);
- one deadline for the whole request (`--request-timeout`: connect, TLS, proxy tunnel,
  send and the whole answer), a `gevent.Timeout` around all of it: geventhttpclient's
  own timeouts bound each socket operation, and a server dripping a byte a second
  never trips them;
- no body read past `--max-body` after decompression: geventhttpclient would inflate a
  gzip body whole, in one call that blocks every user of the process, so we read the
  raw bytes in chunks and inflate them with `transport.BodyDecoder`;
- TLS verified by default (`transport.ssl_context`: --ca-bundle, --client-cert,
  --insecure), the proxy of `transport.proxy_for` (a CONNECT tunnel for https targets),
  `--header` on every request, and the base URL's path prefix.

Imports gevent: only locust processes import it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import gevent
import gevent.ssl
from geventhttpclient._parser import HTTPParseError
from geventhttpclient.client import HTTPClient

from vanceqa.errors import UsageError
from vanceqa.target import TargetConfig
from vanceqa.transport import ACCEPT_ENCODING, BodyDecoder, describe_tls_error, proxy_for
from vanceqa.transport import ssl_context as make_ssl_context
from vanceqa.units import format_size

_CHUNK = 64 * 1024
# What a failed exchange may raise: sockets and TLS (OSError), a broken answer
# (HTTPParseError), a refused proxy tunnel (RuntimeError).
_TRANSPORT_ERRORS = (OSError, HTTPParseError, RuntimeError)


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    user: str | None
    password: str | None

    @property
    def shown(self) -> str:
        """Where the proxy is, without its credentials (for load.json)."""
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Route:
    """What every user of a process shares: TLS context, proxy, headers, caps."""

    target: TargetConfig
    scheme: str
    host: str
    port: int
    prefix: str
    tls: ssl.SSLContext | None
    proxy: Proxy | None
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, target: TargetConfig) -> Route:
        """Resolve a target once per process; a bad TLS file or proxy is a UsageError."""
        assert target.base_url is not None
        parts = urlsplit(target.base_url)
        https = parts.scheme == "https"
        tls = None
        if https:
            tls = make_ssl_context(target)
            if not isinstance(tls, gevent.ssl.SSLContext):  # pragma: no cover - import order
                raise RuntimeError("the TLS context is not gevent's: was locust imported first?")
        headers = (*target.headers, ("Accept-Encoding", ACCEPT_ENCODING))
        return cls(
            target=target,
            scheme=parts.scheme,
            host=parts.hostname or "",
            port=parts.port or (443 if https else 80),
            prefix=target.path_prefix,
            tls=tls,
            proxy=parse_proxy(proxy_for(target.base_url, target)),
            headers=headers,
        )

    def request_headers(self, token: str | None) -> dict[str, str]:
        """The headers of every request with this token (built once per user)."""
        headers = dict(self.headers)
        if token:
            headers["Authorization"] = token
        return headers

    def describe(self) -> dict[str, Any]:
        """How the target was reached, for load.json (no secret, no proxy password)."""
        return {
            "tls_verified": None if self.tls is None else not self.target.insecure,
            "proxy": self.proxy.shown if self.proxy else None,
            "headers": [name for name, _ in self.target.headers],
            "request_timeout_s": self.target.request_timeout_s,
            "max_body": self.target.max_body,
            "max_rps": self.target.max_rps,
        }


def parse_proxy(url: str | None) -> Proxy | None:
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(
            f"the load test reaches a proxy over plain http (http://host:port); got {url!r}"
        )
    return Proxy(
        parts.hostname,
        parts.port or 80,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


@dataclass(slots=True)
class Reply:
    """One request's outcome: an answer (status > 0) or why there is none."""

    status: int = 0
    content_type: str | None = None
    body: bytes = b""
    oversized: bool = False
    failure: str | None = None  # no (complete) answer: the reason
    refused: str | None = None  # never sent: the DELETE guard's reason

    @property
    def status_code(self) -> int:
        """locust's name for the status (its listeners read it)."""
        return self.status


class Connection:
    """One user's connection to the target (geventhttpclient, one socket at a time)."""

    def __init__(self, route: Route) -> None:
        self.route = route
        target = route.target
        self.deadline_s = target.request_timeout_s
        self.max_body = target.max_body
        proxy = route.proxy
        tls = route.tls
        self.client = HTTPClient(
            route.host,
            port=route.port,
            ssl=route.scheme == "https",
            # geventhttpclient asks the factory for a context and then sets
            # check_hostname = not insecure: ours already holds the user's choice.
            ssl_context_factory=(lambda **_: tls) if tls is not None else None,
            insecure=target.insecure,
            proxy_host=proxy.host if proxy else None,
            proxy_port=proxy.port if proxy else None,
            proxy_user=proxy.user if proxy else None,
            proxy_password=proxy.password if proxy else None,
            connection_timeout=self.deadline_s,
            network_timeout=self.deadline_s,
            concurrency=1,
        )

    def url(self, path: str) -> str:
        return f"{self.route.target.base_url}{path}"

    def send(self, method: str, path: str, headers: dict[str, str]) -> Reply:
        """Send one request (path below the base URL, query included) and read the answer."""
        if method.upper() == "DELETE":  # the guard judges DELETEs only; skip the rest fast
            refusal = self.route.target.delete_refusal(method, self.url(path))
            if refusal is not None:
                return Reply(refused=refusal)
        timer = gevent.Timeout(self.deadline_s)
        timer.start()
        try:
            return self._exchange(method, self.route.prefix + path, headers)
        except gevent.Timeout as exc:
            if exc is not timer:
                raise
            return Reply(failure=no_answer_within(self.deadline_s))
        except _TRANSPORT_ERRORS as exc:
            return Reply(failure=describe_failure(exc))
        finally:
            timer.close()

    def _exchange(self, method: str, uri: str, headers: dict[str, str]) -> Reply:
        response = self.client.request(method, uri, headers=headers)
        try:
            encoding = _one(response.get("content-encoding"))
            body = BodyDecoder(encoding, self.max_body)
            while raw := response.read(_CHUNK):
                if body.feed(raw):
                    break
            read = body.finish()
        finally:
            response.release()  # an unfinished answer closes its socket
        return Reply(
            status=response.status_code,
            content_type=_one(response.get("content-type")),
            body=read.content,
            oversized=read.oversized,
        )

    def close(self) -> None:
        self.client.close()


def _one(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):  # a repeated header
        return ", ".join(value)
    return value


def no_answer_within(seconds: float) -> str:
    return f"no complete answer within {seconds:g}s (--request-timeout)"


def oversized(max_body: int) -> str:
    return f"response body over {format_size(max_body)} after decompression (--max-body)"


def describe_failure(exc: BaseException) -> str:
    """A short, stable reason (it is a key of failures_by_reason)."""
    hint = describe_tls_error(exc) if isinstance(exc, ssl.SSLError) else None
    if hint:
        return hint
    if isinstance(exc, TimeoutError):
        return "TimeoutError: a socket operation timed out"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
