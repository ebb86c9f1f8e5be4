"""Serving the mock on a real socket with granian.

granian imports `vanceqa.mock.server:app` in each worker process; the configuration
travels in the VANCEQA_MOCK_CONFIG environment variable and the shared state in a
memory-mapped file the parent creates (see state.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.mock.app import MockApp
from vanceqa.mock.config import CONFIG_ENV, MockConfig
from vanceqa.mock.shared_state import SharedState
from vanceqa.mock.tls import ServerTLS


class _LazyApp:
    """Build the app in the worker on first use, not at import in the parent."""

    def __init__(self) -> None:
        self._app: MockApp | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self._app
        if app is None:
            app = self._app = MockApp(MockConfig.from_env())
        await app(scope, receive, send)


app = _LazyApp()


def serve(
    config: MockConfig, host: str, port: int, workers: int = 1, tls: ServerTLS | None = None
) -> None:
    """Serve until SIGINT/SIGTERM. Validates the configuration before binding."""
    from granian.constants import HTTPModes, Interfaces, TaskImpl
    from granian.server import Server

    config.dataset()  # fail fast, in the parent, on a bad data file or tokens
    ensure_port_free(host, port)
    with tempfile.TemporaryDirectory(prefix="vanceqa-mock-") as tmp:
        state_path = Path(tmp) / "state"
        SharedState.create_file(state_path, config.faults)
        env_config = MockConfig(
            data_path=str(Path(config.data_path).resolve()) if config.data_path else None,
            api_token=config.api_token,
            admin_token=config.admin_token,
            faults=config.faults,
            control=config.control,
            control_token=config.control_token,
            state_path=str(state_path),
            seed=config.seed,
        )
        os.environ[CONFIG_ENV] = env_config.to_env()
        server = Server(
            "vanceqa.mock.server:app",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            log_access=False,
            # Measured with benchmarks/mock_throughput.py: HTTP/1 only and granian's
            # Rust task implementation (Python < 3.12 only) add ~20% requests/s.
            http=HTTPModes.http1,
            websockets=False,
            task_impl=TaskImpl.rust if sys.version_info < (3, 12) else TaskImpl.asyncio,
            **(tls.granian_options() if tls else {}),
        )
        scheme = "https" if tls else "http"
        print(f"vanceqa mock: serving {scheme}://{_url_host(host)}:{port}", flush=True)
        # granian handles SIGINT/SIGTERM itself: it stops the workers and returns.
        with contextlib.suppress(KeyboardInterrupt):
            server.serve()
        print("vanceqa mock: stopped", file=sys.stderr, flush=True)


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port someone already listens on.

    granian binds with SO_REUSEPORT, so a second server on a busy port starts quietly
    and the kernel splits the connections between the two. A probe without that
    option is refused while anyone listens there (SO_REUSEADDR only lets it past
    connections lingering in TIME_WAIT).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"address {_url_host(host)}:{port} is already in use ({exc.strerror})"
            ) from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
