"""How every request reaches the target: TLS, proxies, a total deadline, a body cap.

One place for what every client of the target must do the same way:

- TLS is verified by default: the system's authorities, or `--ca-bundle`; `--client-cert`
  for mutual TLS; `--insecure` only when asked (`ssl_context`).
- A proxy from `--proxy` or the usual `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` variables,
  read as curl and requests read them (`proxy_for`).
- Every request has one deadline for all of it: connect, TLS, send and the whole answer.
  httpx's timeouts bound each socket operation; a server dripping one byte a second
  never trips them. `DeadlineBackend` clamps every socket operation to what is left of
  the request's deadline instead.
- No answer is read past `max_body` bytes after decompression: a 2 MB gzip bomb costs
  us 2 MB of network and `max_body` of memory, then stops (`read_body`).

The load test cannot use httpx (it runs under gevent with its own client); it takes its
TLS context, proxy and caps from here too.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from vanceqa.errors import UsageError
from vanceqa.target import TargetConfig

# We decode these ourselves, within the cap; nothing else is asked for.
ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_CHUNK = 64 * 1024


# -- TLS -------------------------------------------------------------------------------


def ssl_context(target: TargetConfig) -> ssl.SSLContext:
    """The TLS context of every client: verifying, unless the user said --insecure."""
    try:
        if target.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            where = target.ca_bundle
            if where is not None and os.path.isdir(where):
                context = ssl.create_default_context(capath=where)
            else:
                context = ssl.create_default_context(cafile=where)
        if target.client_cert:
            context.load_cert_chain(target.client_cert, target.client_key)
    except ssl.SSLError as exc:
        what = "--client-cert/--client-key" if target.client_cert else "--ca-bundle"
        raise UsageError(f"{what}: cannot load it ({exc.reason or exc})") from None
    except OSError as exc:
        raise UsageError(f"cannot read a TLS file: {exc}") from None
    return context


def describe_tls_error(exc: BaseException) -> str | None:
    """A hint for a certificate problem, or None when `exc` is none."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = text.split("certificate verify failed:", 1)[-1].split("(_ssl")[0].strip()
        return (
            f"the server's TLS certificate is not trusted ({reason or 'verify failed'}): "
            "pass --ca-bundle FILE (or set SSL_CERT_FILE/REQUESTS_CA_BUNDLE) with the "
            "authority that signed it, or --insecure to skip verification"
        )
    if "TLSV13_ALERT_CERTIFICATE_REQUIRED" in text or "CERTIFICATE_REQUIRED" in text:
        return "the server requires a client certificate: pass --client-cert (and --client-key)"
    if "WRONG_VERSION_NUMBER" in text:
        return "the server did not speak TLS: is the base URL http:// rather than https://?"
    return None


# -- proxies ---------------------------------------------------------------------------


def proxy_for(
    url: str, target: TargetConfig, environ: Mapping[str, str] | None = None
) -> str | None:
    """The proxy for `url`: --proxy, else the *_PROXY variables; None past NO_PROXY.

    None for the bundled mock: we started it on this machine's loopback, where a
    company proxy (set for staging) cannot reach it.
    """
    if target.bundled_mock:
        return None
    proxies = _environment_proxies(environ)
    host = urlsplit(url).hostname or ""
    if proxies.get("no") and _bypassed(host, urlsplit(url).port, proxies["no"]):
        return None
    if target.proxy:
        return target.proxy
    scheme = urlsplit(url).scheme
    return proxies.get(scheme) or proxies.get("all") or None


def _environment_proxies(environ: Mapping[str, str] | None) -> dict[str, str]:
    if environ is None:
        return urllib.request.getproxies_environment()
    found: dict[str, str] = {}
    for name, value in environ.items():  # lower case wins, as in urllib
        if value and name.lower().endswith("_proxy"):
            key = name.lower()[: -len("_proxy")]
            if name.islower() or key not in found:
                found[key] = value
    return found


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    if no_proxy.strip() == "*":
        return True
    names = {host, f"{host}:{port}"} if port else {host}
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry in names:
            return True
        bare = entry.lstrip("*").lstrip(".")
        if bare and (host == bare or host.endswith("." + bare)):
            return True
    return False


# -- one deadline for the whole request --------------------------------------------------

_DEADLINE = threading.local()


@dataclass
class _Clamp:
    def timeout(self, timeout: float | None, error: type[Exception]) -> float:
        deadline: float | None = getattr(_DEADLINE, "at", None)
        if deadline is None:
            return timeout if timeout is not None else 3600.0
        left = deadline - time.monotonic()
        if left <= 0:
            raise error("the request's deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self._clamp = _Clamp()

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._clamp.timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._clamp.timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        clamped = self._clamp.timeout(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, clamped))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, every operation clamped to the request's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()
        self._clamp = _Clamp()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        clamped = self._clamp.timeout(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, clamped, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - the target is a URL
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class deadline:
    """`with deadline(10):` every socket operation of this thread ends within 10 s."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def __enter__(self) -> deadline:
        self._outer = getattr(_DEADLINE, "at", None)
        _DEADLINE.at = self.at if self._outer is None else min(self.at, self._outer)
        return self

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.at = self._outer

    @property
    def left(self) -> float:
        return self.at - time.monotonic()


# -- the client ------------------------------------------------------------------------


def http_client(
    target: TargetConfig, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An httpx client for `target`: TLS, proxy and headers as configured, no redirects,
    no Accept header unless a request sets one, and every request under a deadline.

    `trust_env=False`: httpx would read .netrc and add credentials to requests the auth
    checks send without any; the variables users expect are read here instead.
    """
    timeout = httpx.Timeout(target.request_timeout_s)
    if transport is None:
        assert target.base_url is not None
        proxy = proxy_for(target.base_url, target)
        real = httpx.HTTPTransport(verify=ssl_context(target), proxy=proxy, trust_env=False)
        # httpx 0.28 builds its pool without a backend argument; ours clamps deadlines.
        real._pool._network_backend = DeadlineBackend()
        transport = real
    client = httpx.Client(
        timeout=timeout, transport=transport, follow_redirects=False, trust_env=False
    )
    # httpx sends `Accept: */*` unless told otherwise; "no Accept" must mean none.
    del client.headers["accept"]
    client.headers["accept-encoding"] = ACCEPT_ENCODING
    for name, value in target.headers:
        client.headers[name] = value
    return client


@dataclass(frozen=True)
class Body:
    """What was read of one answer: the bytes (decoded) and whether the cap cut them."""

    content: bytes
    oversized: bool
    encoding: str | None


class BodyDecoder:
    """Decodes an answer's body as its raw bytes arrive, never past `max_body`.

    Shared by `read_body` (httpx) and the load test (geventhttpclient, with its own
    decompression off): gzip and deflate are inflated a bounded piece at a time, so a
    gzip bomb costs `max_body` of memory and stops there.
    """

    def __init__(self, encoding: str | None, max_body: int) -> None:
        self.encoding = encoding.strip().lower() or None if encoding else None
        self.max_body = max_body
        wbits = _WBITS.get(self.encoding or "")
        self._decoder = zlib.decompressobj(wbits) if wbits is not None else None
        self._out = bytearray()
        self.oversized = False

    def feed(self, raw: bytes) -> bool:
        """Take the next raw bytes; True once the cap is passed (stop reading)."""
        if self.oversized:
            return True
        for piece in _decode(self._decoder, raw, self.max_body + 1 - len(self._out)):
            self._out += piece
            if len(self._out) > self.max_body:
                self.oversized = True
                break
        return self.oversized

    def finish(self) -> Body:
        """The body read so far (the stream ended, or the cap stopped it)."""
        decoder = self._decoder
        if not self.oversized and decoder is not None and not decoder.eof:
            with contextlib.suppress(zlib.error):
                self._out += decoder.flush()[: self.max_body + 1 - len(self._out)]
            self.oversized = len(self._out) > self.max_body
        return Body(bytes(self._out[: self.max_body]), self.oversized, self.encoding)


def read_body(response: httpx.Response, max_body: int) -> Body:
    """Read a streamed answer, decompressing within `max_body`; stop past it."""
    encoding = response.headers.get("content-encoding", "").strip().lower() or None
    if response.is_stream_consumed:  # built in memory (a test's MockTransport): read already
        data = response.content
        return Body(data[:max_body], len(data) > max_body, encoding)
    body = BodyDecoder(encoding, max_body)
    for raw in response.iter_raw(_CHUNK):
        if body.feed(raw):
            break
    response.close()
    return body.finish()


def _decode(decoder: Any, raw: bytes, room: int) -> Iterator[bytes]:
    """Decompress `raw` a bounded piece at a time (never more than `room` at once)."""
    if decoder is None:
        yield raw
        return
    data = raw
    try:
        while data and room > 0:
            piece = decoder.decompress(data, min(room, _CHUNK * 16))
            yield piece
            room -= len(piece)
            data = decoder.unconsumed_tail
            if decoder.eof:
                return
    except zlib.error:
        yield b""  # a broken stream: keep what decoded; the checks will see it
