"""The mock as a raw ASGI application.

No framework: the mock must answer odd input (bad percent-encoding, non-UTF-8 bytes,
10,000 query parameters) with a documented 4xx rather than a framework's 500, and its
hot path (the list with a valid token) must stay within reach of a static file server.
Answers are pre-rendered bytes, rebuilt only when the data version moves.

Order of decisions for an API request, each a documented status, with the fault stages
(fault_spec.Stage) between them:
[arrival: maintenance 503, capacity queue] -> token 401 -> [authenticated: rate limit
429] -> method 405 -> Accept 406 -> [accepted: injected 500] -> query/id 400 ->
hidden 403 -> unknown 404 -> removed 410 -> 200 -> [answered: latency, stall].
Faults act on the API's paths only; other paths get 404 at once.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from vanceqa import paths
from vanceqa.mock.config import MockConfig
from vanceqa.mock.data import Dataset, Kitten
from vanceqa.mock.fault_spec import FaultContext, Refusal, Stage
from vanceqa.mock.faults import FaultConfig
from vanceqa.mock.shared_state import SharedState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LIST_PATH = paths.LIST_PATH.encode()  # matched on the raw path, as bytes
ITEM_PREFIX = paths.ITEM_PREFIX.encode()
CONTROL_PREFIX = b"/__vanceqa__/"
ALLOW = {"list": b"GET", "item": b"GET, DELETE"}
JSON_TYPE = (b"content-type", b"application/json")

# The error table (docs/includes/_errors.md), used as the message of each error body.
MEANINGS = {
    400: "Bad Request -- Your request is invalid.",
    401: "Unauthorized -- Your API key is wrong.",
    403: "Forbidden -- The kitten requested is hidden for administrators only.",
    404: "Not Found -- The specified kitten could not be found.",
    405: "Method Not Allowed -- You tried to access a kitten with an invalid method.",
    406: "Not Acceptable -- You requested a format that isn't json.",
    410: "Gone -- The kitten requested has been removed from our servers.",
    429: "Too Many Requests -- You're requesting too many kittens! Slow down!",
    500: "Internal Server Error -- We had a problem with our server. Try again later.",
    503: "Service Unavailable -- We're temporarily offline for maintenance. "
    "Please try again later.",
}
_PERCENT_OK = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_FLAG_VALUES = {"true": True, "false": False}
_MAX_ID_DIGITS = 30  # no stored id is longer; longer digit strings are simply unknown


def error_body(status: int, detail: str | None = None) -> bytes:
    error: dict[str, Any] = {"status": status, "message": MEANINGS.get(status, "")}
    if detail:
        error["detail"] = detail
    return orjson.dumps({"error": error})


class Reject(Exception):
    """Stop handling a request with a documented error status."""

    def __init__(
        self, status: int, detail: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


def percent_decode(raw: bytes, plus_is_space: bool = False) -> str:
    """Strict percent-decoding to UTF-8; a malformed escape or byte raises Reject(400)."""
    if plus_is_space:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        if _PERCENT_OK.search(raw):
            raise Reject(400, "malformed percent-encoding")
        out = bytearray()
        parts = raw.split(b"%")
        out += parts[0]
        for part in parts[1:]:
            out.append(int(part[:2], 16))
            out += part[2:]
        raw = bytes(out)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject(400, "not UTF-8") from None


def accepts_json(value: bytes) -> bool:
    """Whether an Accept header admits application/json (q > 0)."""
    try:
        text = value.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return False
    if not text.strip():
        return True
    for item in text.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        media = media.lower()
        quality = 1.0
        for param in params:
            key, _, val = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(val)
                except ValueError:
                    quality = 0.0
        if quality <= 0 or not math.isfinite(quality):
            continue
        if media in ("*/*", "application/*", "application/json") or media.endswith("+json"):
            return True
    return False


class MockApp:
    """The ASGI callable. One per worker process."""

    def __init__(
        self,
        config: MockConfig | None = None,
        state: SharedState | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self._sleep = sleep  # how answers are held (tests may hold them in no time)
        self.config = config or MockConfig()
        self.dataset: Dataset = self.config.dataset()
        self.state = state or SharedState(self.config.state_path)
        if state is None and self.config.state_path is None:
            self.state.set_faults(self.config.faults)
        self.rng = random.Random(self.config.seed)
        self.index_of = self.dataset.by_id()
        self._api = self.dataset.api_token.encode()
        self._admin = self.dataset.admin_token.encode()
        self._data_version = -1
        self._fault_version = -1
        self._faults = FaultConfig()
        self._faults_active = False
        self._lists: dict[tuple[bool, bool, bool], bytes] = {}
        self._items: list[bytes] = [orjson.dumps(k.public()) for k in self.dataset.kittens]
        self._deleted: set[int] = set()
        from vanceqa.mock.control import ControlAPI  # control imports this module

        self.control = ControlAPI(self)

    # -- caches --------------------------------------------------------------------
    def _refresh(self) -> None:
        version = self.state.data_version()
        if version != self._data_version:
            self._data_version = version
            self._deleted = set(self.state.deleted_indexes(len(self.dataset.kittens)))
            self._lists.clear()
        version = self.state.fault_version()
        if version != self._fault_version:
            self._fault_version = version
            self._faults = self.state.faults()
            self._faults_active = self._faults.active

    def gone(self, index: int) -> bool:
        return self.dataset.kittens[index].removed or index in self._deleted

    def visible(self, include_cats: bool, available: bool, admin: bool) -> list[Kitten]:
        return [
            k
            for i, k in enumerate(self.dataset.kittens)
            if not self.gone(i)
            and (include_cats or k.species == "kitten")
            and (not available or k.available)
            and (admin or not k.hidden)
        ]

    def _list_body(self, include_cats: bool, available: bool, admin: bool) -> bytes:
        key = (include_cats, available, admin)
        body = self._lists.get(key)
        if body is None:
            kittens = self.visible(include_cats, available, admin)
            body = self._lists[key] = orjson.dumps([k.public() for k in kittens])
        return body

    @property
    def faults(self) -> FaultConfig:
        self._refresh()
        return self._faults

    # -- ASGI ------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return  # websockets are not part of the API; the server closes them
        path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        path = path.split(b"?", 1)[0]
        if path.startswith(CONTROL_PREFIX) and self.config.control:
            status, headers, body = await self.control.handle(scope, receive, path)
            await _respond(send, status, headers, body, scope["method"])
            return
        self._refresh()
        context = None
        if self._faults_active:
            context = FaultContext(self.state, self.rng, time.time(), time.monotonic())
        operation, status, headers, body = self._answer(scope, path, context)
        if context is not None and context.hold_s > 0:
            await self._sleep(context.hold_s)
        self.state.count(status, operation)
        await _respond(send, status, headers, body, scope["method"])

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _answer(
        self, scope: Scope, path: bytes, context: FaultContext | None
    ) -> tuple[str, int, list[Any], bytes]:
        """Decide the answer to an API request: (operation, status, headers, body)."""
        if path == LIST_PATH:
            route, raw_id = "list", b""
        elif path.startswith(ITEM_PREFIX) and len(path) > len(ITEM_PREFIX):
            route, raw_id = "item", path[len(ITEM_PREFIX) :]
            if b"/" in raw_id:
                return "undocumented", 404, [JSON_TYPE], error_body(404, "no such path")
        else:
            return "undocumented", 404, [JSON_TYPE], error_body(404, "no such path")
        method: str = scope["method"]
        operation = _operation(route, method)
        try:
            status, headers, body = self._decide(scope, route, method, raw_id, context)
        except Reject as reject:
            status, headers, body = _refused(route, reject)
        if context is not None:
            try:
                self._apply(Stage.ANSWERED, context)
            except Reject as reject:
                status, headers, body = _refused(route, reject)
        return operation, status, headers, body

    def _apply(self, stage: Stage, context: FaultContext) -> None:
        """Run the faults of `stage`: add their holds, or refuse with the first refusal."""
        for fault in self._faults.by_stage[stage]:
            outcome = fault.effect(context)
            if isinstance(outcome, Refusal):
                raise Reject(outcome.status, outcome.detail, outcome.retry_after)
            context.hold_s += outcome

    def _decide(
        self, scope: Scope, route: str, method: str, raw_id: bytes, context: FaultContext | None
    ) -> tuple[int, list[Any], bytes]:
        if context is not None:
            self._apply(Stage.ARRIVAL, context)
        token = accept = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                token = value
            elif name == b"accept":
                accept = value
        if token == self._api:
            admin = False
        elif token == self._admin:
            admin = True
        else:
            raise Reject(401, "missing token" if not token else None)
        if context is not None:
            context.admin = admin
            self._apply(Stage.AUTHENTICATED, context)
        if method != "GET" and not (route == "item" and method == "DELETE"):
            raise Reject(405)
        if accept is not None and not accepts_json(accept):
            raise Reject(406)
        if context is not None:
            self._apply(Stage.ACCEPTED, context)
        query: bytes = scope.get("query_string", b"")
        if route == "list":
            include_cats, available = _flags(query)
            return 200, [JSON_TYPE], self._list_body(include_cats, available, admin)
        if query:
            _check_encoding(query)
        index = self._find(raw_id)
        kitten = self.dataset.kittens[index]
        if kitten.hidden and not admin:
            raise Reject(403)
        if self.gone(index):
            raise Reject(410)
        if method == "DELETE":
            self.state.mark_deleted(index)
            self._refresh()
            return 200, [JSON_TYPE], orjson.dumps({"id": kitten.id, "deleted": ":("})
        return 200, [JSON_TYPE], self._items[index]

    def _find(self, raw_id: bytes) -> int:
        text = percent_decode(raw_id)
        if not _DIGITS.fullmatch(text):
            raise Reject(400, "the id must be a positive integer")
        if len(text) > _MAX_ID_DIGITS:
            raise Reject(404)
        index = self.index_of.get(int(text))
        if index is None:
            raise Reject(404)
        return index


def _refused(route: str, reject: Reject) -> tuple[int, list[Any], bytes]:
    headers: list[Any] = [JSON_TYPE]
    if reject.status == 405:
        headers.append((b"allow", ALLOW[route]))
    if reject.retry_after is not None:
        headers.append((b"retry-after", str(reject.retry_after).encode()))
    return reject.status, headers, error_body(reject.status, reject.detail)


def _operation(route: str, method: str) -> str:
    if route == "list":
        return "listKittens" if method == "GET" else "undocumented"
    return {"GET": "getKitten", "DELETE": "deleteKitten"}.get(method, "undocumented")


def _check_encoding(query: bytes) -> None:
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        percent_decode(name, True)
        percent_decode(value, True)


def _flags(query: bytes) -> tuple[bool, bool]:
    """The list's flags from a query string; undocumented parameters are ignored."""
    include_cats, available = False, True
    if not query:
        return include_cats, available
    seen: dict[str, bool] = {}
    for pair in query.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = percent_decode(raw_name, True)
        value = percent_decode(raw_value, True)
        if name not in ("include_cats", "available"):
            continue
        flag = _FLAG_VALUES.get(value)
        if flag is None:
            raise Reject(400, f"{name} must be true or false")
        if seen.setdefault(name, flag) != flag:
            raise Reject(400, f"{name} given twice with different values")
    include_cats = seen.get("include_cats", include_cats)
    available = seen.get("available", available)
    return include_cats, available


async def _respond(send: Send, status: int, headers: list[Any], body: bytes, method: str) -> None:
    if method == "HEAD":
        body = b""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(config: MockConfig | None = None) -> MockApp:
    """A mock app for in-process use (e.g. httpx.ASGITransport)."""
    return MockApp(config)
