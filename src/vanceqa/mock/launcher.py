"""The bundled mock in a child process on a free loopback port: `serve_mock()`.

Every entry point that runs against "no target given" starts the mock through here, and
gets back a `MockServer`: its URL, its tokens, a client for its control API, and the
`TargetConfig` that points at it (marked as the bundled mock, where DELETE may touch any
id). The mock itself never imports this module; this module is the mock's client side.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vanceqa.errors import TargetUnavailable
from vanceqa.processes import free_port, stop_process, wait_until_ready
from vanceqa.target import TargetConfig


@dataclass
class MockServer:
    """A running mock: its URL, tokens, and a client for its control API."""

    base_url: str
    api_token: str
    admin_token: str
    process: subprocess.Popen[bytes]
    log_path: Path
    hidden_ids: tuple[int, ...] = field(default=())

    def control(self, method: str, name: str, json: object = None) -> object:
        # trust_env=False: the mock is on our loopback, never behind the user's proxy.
        response = httpx.request(
            method, f"{self.base_url}/__vanceqa__/{name}", json=json, timeout=10, trust_env=False
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
) -> Iterator[MockServer]:
    """Start `vanceqa mock` on a free port, wait until it answers, stop it afterwards."""
    from vanceqa.mock.data import load_dataset

    dataset = load_dataset(data)
    tokens = (api_token or dataset.api_token, admin_token or dataset.admin_token)
    hidden = tuple(k.id for k in dataset.kittens if k.hidden and not k.removed)
    for attempt in range(3):
        port = free_port(host)
        with tempfile.NamedTemporaryFile(prefix="vanceqa-mock-", suffix=".log", delete=False) as f:
            log_path = Path(f.name)
        cmd = [sys.executable, "-m", "vanceqa", "mock", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(workers)]
        # Tokens travel in the environment: a command line is visible to every local user.
        env = {
            **os.environ,
            "VANCEQA_MOCK_API_TOKEN": tokens[0],
            "VANCEQA_MOCK_ADMIN_TOKEN": tokens[1],
        }
        if data is not None:
            cmd += ["--data", str(data)]
        for fault in faults:
            cmd += ["--fault", fault]
        if not control:
            cmd.append("--no-control")
        cmd += list(extra_args)
        with log_path.open("wb") as log:
            process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        base_url = f"http://{host}:{port}"
        try:
            probe = f"{base_url}/__vanceqa__/health" if control else f"{base_url}/api/kittens"
            wait_until_ready(probe, timeout, process)
        except TargetUnavailable:
            stop_process(process)
            text = log_path.read_text(errors="replace")
            log_path.unlink(missing_ok=True)
            if "address" in text.lower() and "in use" in text.lower() and attempt < 2:
                continue  # someone took the free port between our probe and the bind
            raise TargetUnavailable(f"the bundled mock did not start:\n{text[-2000:]}") from None
        server = MockServer(base_url, tokens[0], tokens[1], process, log_path, hidden)
        try:
            yield server
        finally:
            stop_process(process)
            log_path.unlink(missing_ok=True)
        return
