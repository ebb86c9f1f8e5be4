"""The bundled mock in a child process on a free loopback port: `serve_mock()`.

Every entry point that runs against "no target given" starts the mock through here, and
gets back a `MockServer`: its URL, its tokens, a client for its control API, and the
`TargetConfig` that points at it (marked as the bundled mock, where DELETE may touch any
id). The mock itself never imports this module; this module is the mock's client side.

Off loopback (`host="0.0.0.0"`, say) the mock requires a control token: the launcher
makes one, hands it over in the environment (never the command line) and sends it with
every control call. With `tls=MockTLS(...)` the mock serves HTTPS and every client made
here trusts the given CA (and presents the given client certificate).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vanceqa.errors import TargetUnavailable, UsageError
from vanceqa.mock.config import (
    ADMIN_TOKEN_ENV,
    API_TOKEN_ENV,
    CONTROL_TOKEN_ENV,
    CONTROL_TOKEN_HEADER,
)
from vanceqa.mock.tls import ServerTLS
from vanceqa.processes import free_port, is_loopback, stop_process, wait_until_ready
from vanceqa.target import TargetConfig
from vanceqa.transport import ssl_context


@dataclass(frozen=True)
class MockTLS:
    """HTTPS for a mock we start: its certificate, and what our own clients use."""

    cert: Path  # the server's certificate chain (PEM)
    key: Path  # its private key
    ca: Path  # the authority that signed `cert`: every client made here trusts it
    client_ca: Path | None = None  # the mock requires client certificates signed by it
    client_cert: Path | None = None  # what our clients present (needed with client_ca)
    client_key: Path | None = None

    def server(self) -> ServerTLS:
        return ServerTLS(self.cert, self.key, self.client_ca)

    def target_values(self) -> dict[str, object]:
        values: dict[str, object] = {"ca_bundle": str(self.ca)}
        if self.client_cert:
            values["client_cert"] = str(self.client_cert)
            values["client_key"] = str(self.client_key) if self.client_key else None
        return values


@dataclass
class MockServer:
    """A running mock: its URL, tokens, and a client for its control API."""

    base_url: str
    api_token: str
    admin_token: str
    process: subprocess.Popen[bytes]
    log_path: Path
    hidden_ids: tuple[int, ...] = field(default=())
    # Required by a mock off loopback; sent with every control call, never shown.
    control_token: str | None = field(default=None, repr=False)
    tls: MockTLS | None = None
    verify: ssl.SSLContext | bool = field(default=True, repr=False)  # for our own clients

    def control(self, method: str, name: str, json: object = None) -> object:
        """Call the control API (e.g. "GET", "counters"); its JSON answer."""
        headers = {CONTROL_TOKEN_HEADER: self.control_token} if self.control_token else {}
        response = httpx.request(
            method,
            f"{self.base_url}/__vanceqa__/{name}",
            json=json,
            headers=headers,
            timeout=10,
            verify=self.verify,
            trust_env=False,  # the mock is on our loopback, never behind the user's proxy
        )
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def set_faults(self, **faults: object) -> object:
        return self.control("PUT", "faults", faults)

    def counters(self) -> dict[str, int]:
        result = self.control("GET", "counters")
        assert isinstance(result, dict)
        return result

    def target_values(self) -> dict[str, object]:
        """What of a TargetConfig this mock decides: URL, tokens, hidden ids, and that it
        is the bundled mock (where DELETE may touch any id)."""
        return {
            "base_url": self.base_url,
            "api_token": self.api_token,
            "admin_token": self.admin_token,
            "hidden_ids": self.hidden_ids,
            "bundled_mock": True,
            **(self.tls.target_values() if self.tls else {}),
        }

    def target(self, **overrides: object) -> TargetConfig:
        """A TargetConfig pointing at this mock: the bundled mock, with its own tokens."""
        return TargetConfig(**{**self.target_values(), **overrides})  # type: ignore[arg-type]

    def stand_in_for(self, given: TargetConfig, **overrides: object) -> TargetConfig:
        """`given` (the user's pacing, deadlines, caps, headers...) pointed at this mock."""
        return given.with_changes(**{**self.target_values(), **overrides})

    def staging_target(self, **overrides: object) -> TargetConfig:
        """This mock as a staging user would give it: not marked as the bundled mock."""
        return self.target(bundled_mock=False, **overrides)


@contextlib.contextmanager
def serve_mock(
    *,
    data: str | Path | None = None,
    faults: Sequence[str] = (),
    workers: int = 1,
    api_token: str | None = None,
    admin_token: str | None = None,
    control: bool = True,
    host: str = "127.0.0.1",
    timeout: float = 30.0,
    extra_args: Sequence[str] = (),
    tls: MockTLS | None = None,
    control_token: str | None = None,
) -> Iterator[MockServer]:
    """Start `vanceqa mock` on a free port, wait until it answers, stop it afterwards.

    `control_token`: require it on the control API (made up when `host` is not a
    loopback address and none is given). `tls`: serve HTTPS (see MockTLS).
    """
    from vanceqa.mock.data import load_dataset

    dataset = load_dataset(data)
    tokens = (api_token or dataset.api_token, admin_token or dataset.admin_token)
    hidden = tuple(k.id for k in dataset.kittens if k.hidden and not k.removed)
    if control and control_token is None and not is_loopback(host):
        control_token = secrets.token_urlsafe(24)
    verify: ssl.SSLContext | bool = True
    if tls is not None:
        if tls.client_ca and not tls.client_cert:
            raise UsageError("MockTLS: with client_ca, give client_cert for our own clients")
        verify = ssl_context(TargetConfig(**tls.target_values()))  # type: ignore[arg-type]
    for attempt in range(3):
        port = free_port(host)
        with tempfile.NamedTemporaryFile(prefix="vanceqa-mock-", suffix=".log", delete=False) as f:
            log_path = Path(f.name)
        cmd = [sys.executable, "-m", "vanceqa", "mock", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(workers)]
        # Tokens travel in the environment: a command line is visible to every local user.
        env = {**os.environ, API_TOKEN_ENV: tokens[0], ADMIN_TOKEN_ENV: tokens[1]}
        env.pop(CONTROL_TOKEN_ENV, None)  # one the user exported is not this mock's
        if control_token is not None:
            env[CONTROL_TOKEN_ENV] = control_token
        if data is not None:
            cmd += ["--data", str(data)]
        for fault in faults:
            cmd += ["--fault", fault]
        if not control:
            cmd.append("--no-control")
        if tls is not None:
            cmd += tls.server().argv()
        cmd += list(extra_args)
        with log_path.open("wb") as log:
            process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        url_host = f"[{host}]" if ":" in host else host
        base_url = f"{'https' if tls else 'http'}://{url_host}:{port}"
        try:
            probe = f"{base_url}/__vanceqa__/health" if control else f"{base_url}/api/kittens"
            wait_until_ready(probe, timeout, process, verify=verify)
        except TargetUnavailable:
            stop_process(process)
            text = log_path.read_text(errors="replace")
            log_path.unlink(missing_ok=True)
            if "address" in text.lower() and "in use" in text.lower() and attempt < 2:
                continue  # someone took the free port between our probe and the bind
            raise TargetUnavailable(f"the bundled mock did not start:\n{text[-2000:]}") from None
        server = MockServer(
            base_url,
            tokens[0],
            tokens[1],
            process,
            log_path,
            hidden,
            control_token=control_token,
            tls=tls,
            verify=verify,
        )
        try:
            yield server
        finally:
            stop_process(process)
            log_path.unlink(missing_ok=True)
        return
