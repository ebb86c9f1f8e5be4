"""Serve the whole defect catalogue from one server on a real socket (granian, one worker).

    python -m tests.defects.serve --port PORT [--data FILE]      (from the repository root)

Each defect is the mock with that one defect planted, under its own path prefix:
`http://127.0.0.1:PORT/<defect name>/api/kittens`, so a suite run against that base URL
tests it as a staging user would test a server mounted under a prefix. Each prefix gets
its own mock (its own data and state, created on its first request), so runs against two
defects never see each other's deletes. `/__vanceqa__/health` answers at the root for
the readiness probe. One worker: a second one would hold a second copy of each state.

granian imports `tests.defects.serve:app` in its worker (from `working_dir`); the data
file travels in the environment (VANCEQA_DEFECT_DATA), like the mock's own configuration.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from tests.defects.catalogue import BY_NAME
from tests.defects.wrapper import DefectApp, Scope

ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "VANCEQA_DEFECT_DATA"
HEALTH = "/__vanceqa__/health"


async def _plain(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CatalogueApp:
    """Routes `/<defect>/...` to that defect's app, with the prefix taken off the path."""

    def __init__(self, data: str | None = None) -> None:
        self.data = data
        self.apps: dict[str, DefectApp] = {}

    def _app(self, name: str) -> DefectApp:
        if name not in self.apps:
            from vanceqa.mock import MockConfig, create_app

            self.apps[name] = DefectApp(create_app(MockConfig(data_path=self.data)), BY_NAME[name])
        return self.apps[name]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # Nothing to start or stop: each defect's mock is built on its first request.
            for step in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{step}.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["path"] == HEALTH:
            await _plain(send, 200, b'{"status":"ok"}')
            return
        # Split on the raw path: the mock judges odd paths (%2F, ..) by their raw bytes.
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        name, slash, rest = raw_path.removeprefix(b"/").partition(b"/")
        defect = name.decode("latin-1")
        if defect not in BY_NAME:
            await _plain(send, 404, b'{"error":"no defect is served under this prefix"}')
            return
        prefix = f"/{defect}"
        inner = dict(scope)
        inner["raw_path"] = (slash + rest) or b"/"
        inner["path"] = scope["path"].removeprefix(prefix) or "/"
        inner["root_path"] = scope.get("root_path", "") + prefix
        await self._app(defect)(inner, receive, send)


class _LazyApp:
    """Built in granian's worker on its first request, not at import in the parent."""

    def __init__(self) -> None:
        self._app: CatalogueApp | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = CatalogueApp(os.environ.get(DATA_ENV) or None)
        await self._app(scope, receive, send)


app = _LazyApp()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data")
    args = parser.parse_args()
    from granian.constants import Interfaces
    from granian.server import Server

    os.environ[DATA_ENV] = str(Path(args.data).resolve()) if args.data else ""
    Server(
        "tests.defects.serve:app",
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.ASGI,
        workers=1,
        log_access=False,
        working_dir=ROOT,
    ).serve()


if __name__ == "__main__":
    main()
