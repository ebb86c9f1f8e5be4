"""The one client every suite talks to the target through (conformance, generated
coverage, docs examples, preflight): `TargetClient`.

What it promises, whoever sends:
- a DELETE the user did not name never leaves the process (`DeleteRefused`, reading 14);
- every request ends by its deadline, and no answer is read past `--max-body`
  (`transport`); an oversized answer is a finding on that request;
- `--max-rps` holds for the whole run and a 429 is waited out (`pacing`);
- after `NO_ANSWER_LIMIT` requests in a row with no answer, the target is given up on
  (`TargetStoppedAnswering`): every later request fails at once, sending nothing;
- independent requests may be sent side by side (`submit`, `map`): at most
  `--concurrency` in flight, all of them under the same pacing, guard and deadlines;
- each answer is kept as an `Exchange` a finding can quote as a redacted curl line.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote

import httpx
import orjson

from vanceqa.errors import Finding, TargetUnavailable
from vanceqa.pacing import MAX_RETRIES_ON_429, MAX_RETRY_WAIT_S, Pacer, patiently
from vanceqa.redact import curl_line, redact_text
from vanceqa.target import TargetConfig
from vanceqa.transport import (
    deadline,
    describe_tls_error,
    http_client,
    read_body,
)
from vanceqa.units import format_size

# Sentinel: "send the default regular token" (None means "send no Authorization header").
REGULAR = "\x00regular"
NO_ANSWER_LIMIT = 3
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})  # RFC 9110 9.2.2
_EXCERPT = 300
P = ParamSpec("P")
R = TypeVar("R")
Item = TypeVar("Item")


class DeleteRefused(Exception):
    """A DELETE the user did not name was stopped before it left the process."""


class TargetStoppedAnswering(TargetUnavailable):
    """Several requests in a row got no answer: the run stops, keeping its results."""


class RunOutOfTime(TargetUnavailable):
    """The run's time limit passed: no request is sent after it; results so far stand."""


@dataclass(frozen=True)
class Exchange:
    """One request and the answer that came back (the body decoded, within the cap)."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed_s: float
    secrets: tuple[str, ...] = field(default=(), repr=False)
    raw: httpx.Response | None = field(default=None, repr=False, compare=False)
    secret_headers: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))

    @property
    def is_json_type(self) -> bool:
        """Whether Content-Type names JSON (parameters such as charset allowed)."""
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media == "application/json" or media.endswith("+json")

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return orjson.loads(self.body)

    def curl(self) -> str:
        return curl_line(
            self.method, self.url, dict(self.request_headers), self.secrets, self.secret_headers
        )

    def excerpt(self, limit: int = _EXCERPT) -> str:
        text = self.body[: limit * 4].decode("utf-8", "replace")
        text = redact_text(text, self.secrets)
        return text if len(text) <= limit else text[:limit] + "…"

    def describe(self) -> str:
        return f"{self.method} {redact_text(self.url, self.secrets)} -> {self.status}"

    def __str__(self) -> str:
        return self.describe()


@dataclass
class ClientStats:
    requests: int = 0
    throttled_retries: int = 0
    refused_deletes: int = 0


class TargetClient:
    """Sends requests to one target, safely, paced and patient with 429s."""

    def __init__(
        self,
        target: TargetConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = MAX_RETRIES_ON_429,
        max_retry_wait_s: float = MAX_RETRY_WAIT_S,
    ) -> None:
        assert target.base_url is not None, "a resolved target has a base URL"
        self.target = target
        self.base_url = target.base_url
        self.api_token = target.api_token
        self.admin_token = target.admin_token
        self.secrets = target.secrets
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        self.stats = ClientStats()
        self.stopped: str | None = None  # why the target was given up on
        self.ends_at: float | None = None  # monotonic: the run's time limit, if it has one
        self.time_limit_s: float = 0.0
        self._pace = Pacer(target.max_rps)
        self._lock = threading.Lock()
        self._silent = 0
        self._http = http_client(target, transport=transport)
        self._transport = transport
        self._one_shot: httpx.Client | None = None  # see _transmit
        self._pool: ThreadPoolExecutor | None = None

    @property
    def max_rps(self) -> float | None:
        return self.target.max_rps

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()
        if self._one_shot is not None:
            self._one_shot.close()

    # -- side by side ------------------------------------------------------------------
    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Run `fn` (requests and their checks) beside others: at most --concurrency at
        once. `fn` must not wait on another submitted call (the pool is bounded)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.target.concurrency, thread_name_prefix="vanceqa-request"
                )
        return self._pool.submit(fn, *args, **kwargs)

    def map(self, fn: Callable[[Item], R], items: Iterable[Item]) -> list[R]:
        """`fn` over `items` side by side; results in order; the first error is raised
        once every call has ended (no request is left running behind a failure)."""
        futures = [self.submit(fn, item) for item in items]
        return wait_all(futures)

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------
    def url_for(self, path: str, query: str = "") -> str:
        return self.target.url(path, query)

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
        sent: dict[str, str] = {}
        value = self.api_token if token == REGULAR else token
        if value is not None:
            sent["Authorization"] = value
        sent.update(headers or {})
        return self.send(method, self.url_for(path, query), sent)

    def get(self, path: str, **kwargs: Any) -> Exchange:
        return self.request("GET", path, **kwargs)

    def send(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None = None
    ) -> Exchange:
        """Send a fully built request (guarded, paced, 429s waited out); see `request`."""
        # Only what the transport can decode within --max-body is asked for (the client's
        # own Accept-Encoding), whatever the caller's client asks (requests asks for br).
        headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
        refusal = self.target.delete_refusal(method, url)
        if refusal is not None:
            with self._lock:
                self.stats.refused_deletes += 1
            raise DeleteRefused(refusal)

        def waited(seconds: float) -> None:
            with self._lock:
                self.stats.throttled_retries += 1

        return patiently(
            lambda: self._send(method, url, dict(headers), content),
            max_retries=self.max_retries,
            max_wait_s=self.max_retry_wait_s,
            on_wait=waited,
        )

    def _send(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> Exchange:
        if self.stopped is not None:
            raise TargetStoppedAnswering(self.stopped)
        self._pace()
        limit = self._deadline_s()
        started = time.perf_counter()
        # The repro line carries the --header headers too: behind a gateway it fails without.
        shown = _with_target_headers(self.target, headers)
        curl = curl_line(method, url, shown, self.secrets, self.target.secret_header_names)
        with self._lock:
            self.stats.requests += 1
        try:
            with deadline(limit):
                request = self._http.build_request(method, url, headers=headers, content=content)
                response = self._transmit(request)
                body = read_body(response, self.target.max_body)
        except httpx.TransportError as exc:
            self._no_answer(exc, limit)
            raise Finding(
                check="transport",
                behaviour="The server answers every request with a complete HTTP response "
                "within the request deadline",
                details=self._explain(exc, limit),
                curl=curl,
            ) from None
        with self._lock:
            self._silent = 0
        if body.oversized:
            status, encoding = response.status_code, body.encoding
            # Drop the capped body now: a stored exception keeps its frame's locals alive,
            # and a check may keep many of them until it is judged.
            del body, response
            raise Finding(
                check="response_size",
                behaviour="An answer fits within --max-body once decompressed",
                details=(
                    f"the body passed {format_size(self.target.max_body)}"
                    f"{' after ' + encoding + ' decompression' if encoding else ''}; "
                    "reading stopped there (raise --max-body if answers this large are real)"
                ),
                curl=curl,
                status=status,
            )
        answer = httpx.Response(
            response.status_code,
            headers=[(k, v) for k, v in response.headers.multi_items() if k != "content-encoding"],
            content=body.content,
            request=request,
        )
        answer.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=shown,
            status=response.status_code,
            headers=response.headers,
            body=body.content,
            elapsed_s=time.perf_counter() - started,
            secrets=self.secrets,
            raw=answer,
            secret_headers=self.target.secret_header_names,
        )
        return exchange

    def start_clock(self, seconds: float, started: float | None = None) -> None:
        """The run ends `seconds` after `started` (monotonic; default now): no request is
        sent past it, and none is given longer than what is left of it."""
        self.time_limit_s = seconds
        self.ends_at = (time.monotonic() if started is None else started) + seconds

    def _deadline_s(self) -> float:
        """This request's deadline: --request-timeout, cut to what is left of the run."""
        limit = self.target.request_timeout_s
        if self.ends_at is None:
            return limit
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise RunOutOfTime(
                f"the run's time limit ({self.time_limit_s:g}s, --time-limit) passed"
            )
        return min(limit, left)

    def _transmit(self, request: httpx.Request) -> httpx.Response:
        """Send, so that a kept-alive connection dying under a request costs no answer.

        Proxies and gateways close idle connections without saying so (tinyproxy closes
        every one after its answer): a request sent on such a connection as it closes gets
        no answer at all. An idempotent request is then sent once more on a new connection
        (RFC 9112 9.3.1), never on another kept-alive one (the pool's others may be dead
        too); any other (POST, PATCH) is never sent twice, so it goes on a new connection
        of its own, closed after its answer.
        """
        if request.method not in IDEMPOTENT:
            return self._on_a_new_connection(request)
        try:
            return self._http.send(request, stream=True)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            return self._on_a_new_connection(request)

    def _on_a_new_connection(self, request: httpx.Request) -> httpx.Response:
        request.headers["Connection"] = "close"
        return self._fresh_connections().send(request, stream=True)

    def _fresh_connections(self) -> httpx.Client:
        with self._lock:
            if self._one_shot is None:
                self._one_shot = http_client(self.target, transport=self._transport)
            return self._one_shot

    def _explain(self, exc: httpx.TransportError, limit: float) -> str:
        if isinstance(exc, httpx.TimeoutException):
            text = f"no complete answer within the request deadline of {limit:g}s"
        else:
            text = describe_tls_error(exc) or f"{type(exc).__name__}: {exc or 'no answer'}"
        return redact_text(text, self.secrets)

    def _no_answer(self, exc: httpx.TransportError, limit: float) -> None:
        with self._lock:
            self._silent += 1
            if self._silent >= NO_ANSWER_LIMIT and self.stopped is None:
                self.stopped = (
                    f"{self.base_url} stopped answering: {self._silent} requests in a row got "
                    f"no answer (last: {self._explain(exc, limit)})"
                )


def _with_target_headers(target: TargetConfig, headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a request carried: the target's --header ones, unless it set its own."""
    own = {name.lower() for name in headers}
    return {**{n: v for n, v in target.headers if n.lower() not in own}, **headers}


def wait_all(futures: Iterable[Future[R]]) -> list[R]:
    """Every future's result, in order; the first failure (in order) raised at the end."""
    results: list[R] = []
    error: BaseException | None = None
    for future in futures:
        exc = future.exception()
        if exc is not None:
            error = error or exc
        else:
            results.append(future.result())
    if error is not None:
        raise error
    return results


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Percent-encode every byte outside the unreserved set, so odd text arrives intact."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def encode_segment(text: str) -> str:
    """A path segment carrying arbitrary text (a generated id)."""
    return quote(text, safe="")
