"""Shared fixtures of the toolkit's own tests.

Hypothesis profiles: `fast` (default) and `thorough`, chosen with
`--hypothesis-profile thorough` or HYPOTHESIS_PROFILE (which picks this suite's profile
only: it is not passed on to the suites and commands the tests start).

The developer's own settings do not reach the tests: a target, proxy, CA bundle or locust
option exported in the shell (VANCEQA_BASE_URL, HTTPS_PROXY, SSL_CERT_FILE, LOCUST_HOST,
...) is removed at start, so that no test sends its requests elsewhere or measures
something else than it says. The tests about those variables set them on what they start;
the installers the tests run (npm, pip) get the proxy and CA settings back
(`installer_env`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

from vanceqa.mock import MockConfig, create_app
from vanceqa.mock.app import MockApp
from vanceqa.mock.data import load_dataset
from vanceqa.mock.launcher import MockServer, serve_mock

# This suite's own settings: VANCEQA_REQUIRE_BROWSER (CI requires the browser test), and
# VANCEQA_TESTS_* (what the first process of a run took from the shell, handed on to the
# pytest-xdist workers, which start from its already cleaned environment).
_OWN = ("VANCEQA_REQUIRE_BROWSER",)
_OWN_PREFIX = "VANCEQA_TESTS_"
_TARGET_PREFIXES = ("VANCEQA_", "LOCUST_")
_NETWORK_PREFIXES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
_NETWORK_NAMES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_PROFILE_ENV = "VANCEQA_TESTS_PROFILE"  # the tests' Hypothesis profile
_NETWORK_ENV = "VANCEQA_TESTS_NETWORK"  # the shell's proxy and CA variables, as JSON


def _network(name: str) -> bool:
    return name.upper().startswith(_NETWORK_PREFIXES) or name.upper() in _NETWORK_NAMES


def _outside(name: str) -> bool:
    if name in _OWN or name.startswith(_OWN_PREFIX):
        return False
    return name.upper().startswith(_TARGET_PREFIXES) or _network(name)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a command a test starts: no target, proxy, CA or locust
    variable (any case; one a test set with monkeypatch included), plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if not _outside(k)}, **extra}


def installer_env() -> dict[str, str]:
    """The environment for an installer that reaches a registry (npm, pip): the shell's
    proxy and CA settings back, so that it works behind a company proxy or CA."""
    return {**os.environ, **json.loads(os.environ.get(_NETWORK_ENV, "{}"))}


if _PROFILE_ENV not in os.environ:  # the first process of this run
    os.environ[_PROFILE_ENV] = os.environ.get("HYPOTHESIS_PROFILE", "fast")
    network = {name: value for name, value in os.environ.items() if _network(name)}
    os.environ[_NETWORK_ENV] = json.dumps(network)
os.environ.pop("HYPOTHESIS_PROFILE", None)
for _name in [name for name in os.environ if _outside(name)]:
    del os.environ[_name]

settings.register_profile(
    "fast", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ[_PROFILE_ENV])

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

_seed = load_dataset()
API_TOKEN = _seed.api_token
ADMIN_TOKEN = _seed.admin_token


def asgi_call(
    app: Any,
    method: str,
    raw_path: bytes,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request through the raw ASGI interface; returns status, headers, body."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": query,
        "headers": headers if headers is not None else [(b"authorization", API_TOKEN.encode())],
    }
    asyncio.run(app(scope, receive, send))
    start, body = messages[0], messages[1]
    return start["status"], dict(start["headers"]), body["body"]


@contextlib.contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small stand-in server (a hand-written defect) on a free loopback port: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def app() -> MockApp:
    """A fresh in-process mock with the bundled data."""
    return create_app(MockConfig(seed=1))


@pytest.fixture
async def client(app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to `app` in-process, with the regular token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock", headers={"Authorization": API_TOKEN}
    ) as c:
        yield c


@pytest.fixture(scope="session")
def served_mock() -> Iterator[MockServer]:
    """The mock on a real loopback socket, shared by a session; reset it before use."""
    with serve_mock() as server:
        yield server


@pytest.fixture
def mock_server(served_mock: MockServer) -> MockServer:
    """The session's socket mock with data, faults and counters reset."""
    served_mock.reset()
    served_mock.control("DELETE", "faults")
    served_mock.control("DELETE", "counters")
    return served_mock
