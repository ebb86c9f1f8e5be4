"""An ASGI wrapper that breaks one documented behaviour of the bundled mock.

The wrapper sees each request before the mock and each answer after it, and can ask the
mock questions of its own (e.g. "what does the admin see for this id?"), so each defect
is a few lines that read like the bug they plant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

import orjson

from vanceqa.mock.app import MockApp
from vanceqa.paths import ITEM_PREFIX, LIST_PATH

Scope = MutableMapping[str, Any]


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def route(self) -> str:
        if self.path == LIST_PATH:
            return "list"
        return "item" if self.path.startswith(ITEM_PREFIX) else "other"

    @property
    def item_id(self) -> str:
        return self.path[len(ITEM_PREFIX) :] if self.route == "item" else ""

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def token(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    def with_json(self, payload: Any, status: int | None = None) -> Response:
        return replace(self, status=status or self.status, body=orjson.dumps(payload))


@dataclass
class Context:
    """What a defect may use: the mock itself and its tokens."""

    mock: MockApp
    api_token: str
    admin_token: str
    memory: dict[str, Any] = field(default_factory=dict)

    async def ask(
        self, method: str, path: str, query: str = "", token: str | None = None
    ) -> Response:
        """Send a request straight to the mock (admin token by default)."""
        headers = {"authorization": token if token is not None else self.admin_token}
        return await call(self.mock, Request(method, path, query, headers))


RequestRewrite = Callable[[Request, Context], Request]
ResponseRewrite = Callable[[Request, Response, Context], Awaitable[Response]]


@dataclass(frozen=True)
class Defect:
    name: str
    expected_check: str  # the conformance check that must fail
    description: str
    request: RequestRewrite | None = None
    response: ResponseRewrite | None = None


async def call(app: Any, request: Request) -> Response:
    """Run one request through an ASGI app in-process and collect the answer."""
    scope: Scope = {
        "type": "http",
        "method": request.method,
        "path": request.path,
        "raw_path": request.path.encode("latin-1"),
        "query_string": request.query.encode("latin-1"),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()],
    }
    status = 500
    headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.update((k.decode().lower(), v.decode()) for k, v in message["headers"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Response(status, headers, b"".join(chunks))


class DefectApp:
    """The mock with one defect planted."""

    def __init__(self, mock: MockApp, defect: Defect) -> None:
        self.defect = defect
        dataset = mock.dataset
        self.context = Context(mock, dataset.api_token, dataset.admin_token)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__vanceqa__/"):
            await self.context.mock(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = Request(
            method=scope["method"],
            path=raw_path.decode("latin-1").split("?", 1)[0],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        )
        if self.defect.request is not None:
            request = self.defect.request(request, self.context)
        response = await call(self.context.mock, request)
        if self.defect.response is not None:
            response = await self.defect.response(request, response, self.context)
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        body = b"" if request.method == "HEAD" else response.body
        headers["content-length"] = str(len(body))
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})
