"""The suites' HTTP client: one paced, throttle-aware way to talk to the target.

Every request of the hand-written checks goes through `ApiClient`, so a `--max-rps`
ceiling holds for the whole session, a 429 is waited out as `Retry-After` says (with a
bound) instead of failing a check, and each answer is kept as an `Exchange` that a
finding can quote as a redacted curl line.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from vanceqa.errors import Finding
from vanceqa.redact import curl_line, redact_text

# Sentinel: "send the default regular token" (None means "send no Authorization header").
REGULAR = "\x00regular"
_EXCERPT = 300


@dataclass(frozen=True)
class Exchange:
    """One request and the answer that came back."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed_s: float
    secrets: tuple[str, ...] = field(default=(), repr=False)
    raw: httpx.Response | None = field(default=None, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))

    @property
    def is_json_type(self) -> bool:
        """Whether Content-Type names JSON (parameters such as charset allowed)."""
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media == "application/json" or media.endswith("+json")

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return orjson.loads(self.body)

    def curl(self) -> str:
        return curl_line(self.method, self.url, dict(self.request_headers), self.secrets)

    def excerpt(self, limit: int = _EXCERPT) -> str:
        text = self.body[: limit * 4].decode("utf-8", "replace")
        text = redact_text(text, self.secrets)
        return text if len(text) <= limit else text[:limit] + "…"

    def describe(self) -> str:
        return f"{self.method} {redact_text(self.url, self.secrets)} -> {self.status}"


@dataclass
class ClientStats:
    requests: int = 0
    throttled_retries: int = 0
    throttled_wait_s: float = 0.0
    gave_up_throttled: int = 0


class StillThrottled(Exception):
    """The target kept answering 429 past our retry bound."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(f"still 429 after retries: {exchange.describe()}")
        self.exchange = exchange


class ApiClient:
    """Sends requests to one target, paced and patient with 429s."""

    def __init__(
        self,
        base_url: str,
        api_token: str | None,
        admin_token: str | None = None,
        *,
        max_rps: float | None = None,
        max_retries: int = 8,
        max_retry_wait_s: float = 10.0,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_token = api_token
        self.admin_token = admin_token
        self.secrets = tuple(t for t in (api_token, admin_token) if t)
        self.max_rps = max_rps
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        self.stats = ClientStats()
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._http = httpx.Client(
            timeout=timeout_s, transport=transport, follow_redirects=False, trust_env=False
        )
        # httpx sends `Accept: */*` unless told otherwise; "no Accept" must mean none.
        del self._http.headers["accept"]

    def close(self) -> None:
        self._http.close()

    # -- pacing --------------------------------------------------------------------
    def pace(self) -> None:
        """Wait for the next request slot under --max-rps (a global ceiling, no burst)."""
        if not self.max_rps:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.max_rps
        if slot > now:
            time.sleep(slot - now)

    # -- requests --------------------------------------------------------------------
    def url_for(self, path: str, query: str = "") -> str:
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = REGULAR,
        headers: Mapping[str, str] | None = None,
        query: str | Mapping[str, str] = "",
    ) -> Exchange:
        """Send one request; `token` goes raw into Authorization (None: no header).

        `query` is either already encoded (sent byte for byte) or a mapping to encode.
        Answers 429 are waited out and retried; a target that stays throttled raises
        `StillThrottled`, which the suites turn into a skip, never a pass or a failure.
        """
        if not isinstance(query, str):
            query = encode_query(query.items())
        url = self.url_for(path, query)
        sent: dict[str, str] = {}
        value = self.api_token if token == REGULAR else token
        if value is not None:
            sent["Authorization"] = value
        sent.update(headers or {})
        return self.send(method, url, sent)

    def send(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None = None
    ) -> Exchange:
        """Send a fully built request (paced, 429s waited out); see `request`."""
        attempt = 0
        while True:
            exchange = self._send(method, url, dict(headers), content)
            if exchange.status != 429:
                return exchange
            if attempt >= self.max_retries:
                self.stats.gave_up_throttled += 1
                raise StillThrottled(exchange)
            attempt += 1
            wait = retry_after_s(exchange.headers.get("retry-after"), self.max_retry_wait_s)
            self.stats.throttled_retries += 1
            self.stats.throttled_wait_s += wait
            time.sleep(wait)

    def get(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("GET", path, **kwargs)

    def _send(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> Exchange:
        self.pace()
        started = time.perf_counter()
        try:
            response = self._http.request(method, url, headers=headers, content=content)
        except httpx.TransportError as exc:
            raise Finding(
                check="transport",
                behaviour="The server answers every request with an HTTP response",
                details=f"{type(exc).__name__}: {redact_text(str(exc), self.secrets)}",
                curl=curl_line(method, url, headers, self.secrets),
            ) from None
        finally:
            self.stats.requests += 1
        return Exchange(
            method=method,
            url=url,
            request_headers=headers,
            status=response.status_code,
            headers=response.headers,
            body=response.content,
            elapsed_s=time.perf_counter() - started,
            secrets=self.secrets,
            raw=response,
        )


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Percent-encode every byte outside the unreserved set, so odd text arrives intact."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def encode_segment(text: str) -> str:
    """A path segment carrying arbitrary text (a generated id)."""
    return quote(text, safe="")


def retry_after_s(value: str | None, bound: float) -> float:
    """Seconds to wait from a Retry-After header (delta or HTTP date), within (0, bound]."""
    wait = 1.0
    if value:
        text = value.strip()
        try:
            wait = float(text)
        except ValueError:
            try:
                wait = email.utils.parsedate_to_datetime(text).timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                wait = 1.0  # unreadable: wait a second, as if none were given
    if math.isnan(wait):
        wait = 1.0  # "nan" parses as a float, but time.sleep(nan) raises
    return min(max(wait, 0.05), bound)
