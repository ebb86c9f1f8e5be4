"""The control API under /__vanceqa__/: reset data, read and set faults, read counters.

It lives outside /api, is matched on the raw path (no dot-segment or percent-decoding
tricks reach it from a documented path), ignores faults (so maintenance can be turned
off again), and can be switched off with `vanceqa mock --no-control`.

    GET    /__vanceqa__/health     {"ok": true}
    POST   /__vanceqa__/reset      restore the seed data (and clear rate-limit buckets)
    GET    /__vanceqa__/state      deleted ids, data version
    GET    /__vanceqa__/faults     the fault configuration
    PUT    /__vanceqa__/faults     replace it (JSON body, fields of FaultConfig)
    PATCH  /__vanceqa__/faults     merge into it
    DELETE /__vanceqa__/faults     clear all faults
    GET    /__vanceqa__/counters   requests by status and operation, all workers summed
    DELETE /__vanceqa__/counters   zero them
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from vanceqa.errors import UsageError
from vanceqa.mock.faults import FaultConfig

if TYPE_CHECKING:
    from vanceqa.mock.app import MockApp, Receive, Scope

Answer = tuple[int, list[Any], bytes]
_JSON = (b"content-type", b"application/json")
_MAX_BODY = 64 * 1024


def _json(status: int, payload: object) -> Answer:
    return status, [_JSON], orjson.dumps(payload)


class ControlAPI:
    def __init__(self, app: MockApp) -> None:
        self.app = app

    async def handle(self, scope: Scope, receive: Receive, path: bytes) -> Answer:
        name = path[len(b"/__vanceqa__/") :].decode("latin-1")
        method = scope["method"]
        routes = {
            ("health", "GET"): self._health,
            ("reset", "POST"): self._reset,
            ("state", "GET"): self._state,
            ("faults", "GET"): self._get_faults,
            ("faults", "DELETE"): self._clear_faults,
            ("counters", "GET"): self._counters,
            ("counters", "DELETE"): self._reset_counters,
        }
        if name == "faults" and method in ("PUT", "PATCH"):
            body = await _read_body(receive)
            if body is None:
                return _json(413, {"error": "body too large"})
            return self._set_faults(body, merge=method == "PATCH")
        handler = routes.get((name, method))
        if handler is not None:
            return handler()
        allowed = sorted(m for (n, m) in routes if n == name)
        if name == "faults":
            allowed += ["PATCH", "PUT"]
        if allowed:
            status, headers, body = _json(405, {"error": "method not allowed"})
            return status, [*headers, (b"allow", ", ".join(sorted(allowed)).encode())], body
        return _json(404, {"error": f"no control endpoint {name!r}"})

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
            base = self.app.state.faults() if merge else None
            faults = FaultConfig.from_json(payload, base)
        except orjson.JSONDecodeError as exc:
            return _json(400, {"error": f"body is not JSON: {exc}"})
        except UsageError as exc:
            return _json(400, {"error": str(exc)})
        self.app.state.set_faults(faults)
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
