"""The control API under /__vanceqa__/: reset data, read and set faults, read counters.

It lives outside /api, is matched on the raw path (no dot-segment or percent-decoding
tricks reach it from a documented path), ignores faults (so maintenance can be turned
off again), and can be switched off with `vanceqa mock --no-control`.

    GET    /__vanceqa__/health     {"ok": true, "kittens": N}
    POST   /__vanceqa__/reset      restore the seed data (and clear rate-limit buckets)
    GET    /__vanceqa__/state      deleted ids, data version
    GET    /__vanceqa__/faults     the fault configuration (fields: docs/mock.md)
    PUT    /__vanceqa__/faults     replace it (JSON object; fields not given: off)
    PATCH  /__vanceqa__/faults     merge into it
    DELETE /__vanceqa__/faults     clear all faults
    GET    /__vanceqa__/counters   requests by status and operation, all workers summed
    DELETE /__vanceqa__/counters   zero them

Every answer is JSON and below 500: a body that is not a valid fault configuration
(wrong type, out of range, unknown field) is 400 with the reason and changes nothing.
When the mock has a control token, every endpoint needs it in the
X-Vanceqa-Control-Token header (401 without it).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from vanceqa.errors import UsageError
from vanceqa.mock.config import CONTROL_TOKEN_HEADER
from vanceqa.mock.faults import FaultConfig

if TYPE_CHECKING:
    from vanceqa.mock.app import MockApp, Receive, Scope

Answer = tuple[int, list[Any], bytes]
_JSON = (b"content-type", b"application/json")
_MAX_BODY = 64 * 1024
_TOKEN_HEADER = CONTROL_TOKEN_HEADER.lower().encode()


def _json(status: int, payload: object) -> Answer:
    return status, [_JSON], orjson.dumps(payload)


class ControlAPI:
    def __init__(self, app: MockApp) -> None:
        self.app = app
        token = app.config.control_token
        self._token = token.encode() if token else None
        self._routes: dict[tuple[str, str], Callable[[], Answer]] = {
            ("health", "GET"): self._health,
            ("reset", "POST"): self._reset,
            ("state", "GET"): self._state,
            ("faults", "GET"): self._get_faults,
            ("faults", "DELETE"): self._clear_faults,
            ("counters", "GET"): self._counters,
            ("counters", "DELETE"): self._reset_counters,
        }

    async def handle(self, scope: Scope, receive: Receive, path: bytes) -> Answer:
        if not self._authorised(scope):
            return _json(
                401, {"error": f"the control API needs the control token ({CONTROL_TOKEN_HEADER})"}
            )
        name = path[len(b"/__vanceqa__/") :].decode("latin-1")
        method = scope["method"]
        if name == "faults" and method in ("PUT", "PATCH"):
            body = await _read_body(receive)
            if body is None:
                return _json(413, {"error": f"body over {_MAX_BODY} bytes"})
            return self._set_faults(body, merge=method == "PATCH")
        handler = self._routes.get((name, method))
        if handler is not None:
            return handler()
        allowed = sorted(m for (n, m) in self._routes if n == name)
        if name == "faults":
            allowed = sorted([*allowed, "PATCH", "PUT"])
        if allowed:
            status, headers, body = _json(405, {"error": f"{method} is not allowed here"})
            return status, [*headers, (b"allow", ", ".join(allowed).encode())], body
        return _json(404, {"error": f"no control endpoint {name!r}"})

    def _authorised(self, scope: Scope) -> bool:
        if self._token is None:
            return True
        given = [value for key, value in scope["headers"] if key.lower() == _TOKEN_HEADER]
        # Constant time, so the token cannot be guessed byte by byte from timings.
        return len(given) == 1 and hmac.compare_digest(given[0], self._token)

    def _health(self) -> Answer:
        return _json(200, {"ok": True, "kittens": len(self.app.dataset.kittens)})

    def _reset(self) -> Answer:
        self.app.state.reset_data()
        return _json(200, {"reset": True})

    def _state(self) -> Answer:
        app = self.app
        kittens = app.dataset.kittens
        deleted = [kittens[i].id for i in app.state.deleted_indexes(len(kittens))]
        removed = [k.id for k in kittens if k.removed]
        return _json(
            200,
            {"data_version": app.state.data_version(), "deleted": deleted, "removed": removed},
        )

    def _get_faults(self) -> Answer:
        return _json(200, self.app.state.faults().to_json())

    def _clear_faults(self) -> Answer:
        self.app.state.set_faults(FaultConfig())
        return _json(200, FaultConfig().to_json())

    def _set_faults(self, body: bytes, *, merge: bool) -> Answer:
        try:
            payload = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError as exc:
            return _json(400, {"error": f"body is not JSON: {exc}"})
        try:
            base = self.app.state.faults() if merge else None
            faults = FaultConfig.from_json(payload, base)
            self.app.state.set_faults(faults)  # only a configuration that passed every check
        except UsageError as exc:
            return _json(400, {"error": str(exc)})
        return _json(200, faults.to_json())

    def _counters(self) -> Answer:
        return _json(200, self.app.state.counters())

    def _reset_counters(self) -> Answer:
        self.app.state.reset_counters()
        return _json(200, {"reset": True})


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
