"""What to test: the target's address and credentials, or a bundled mock started here.

`TargetConfig` is shared by the conformance suites, the load tests and `vanceqa run`, so
every entry point reads the same options and environment variables. `serve_mock()` starts
the mock in its own process on a free loopback port and yields it once it answers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from vanceqa.errors import TargetUnavailable, UsageError

ENV = {
    "base_url": "VANCEQA_BASE_URL",
    "api_token": "VANCEQA_API_TOKEN",
    "admin_token": "VANCEQA_ADMIN_TOKEN",
    "hidden_ids": "VANCEQA_HIDDEN_IDS",
    "destructive": "VANCEQA_DESTRUCTIVE",
    "delete_ids": "VANCEQA_DELETE_IDS",
    "max_rps": "VANCEQA_MAX_RPS",
}


@dataclass(frozen=True)
class TargetConfig:
    """A target and what the user allows against it."""

    base_url: str | None = None  # None: start the bundled mock
    api_token: str | None = None
    admin_token: str | None = None
    hidden_ids: tuple[int, ...] = ()
    destructive: bool = False
    delete_ids: tuple[int, ...] = ()
    max_rps: float | None = None

    @property
    def is_mock(self) -> bool:
        return self.base_url is None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.api_token, self.admin_token) if t)

    @property
    def may_delete(self) -> bool:
        return self.destructive and bool(self.delete_ids)

    @classmethod
    def from_sources(
        cls, options: Mapping[str, object], environ: Mapping[str, str] | None = None
    ) -> TargetConfig:
        """Options win over environment variables; both use the same names.

        `options` maps field names to values (None or empty when not given).
        """
        env = os.environ if environ is None else environ

        def pick(name: str) -> object:
            value = options.get(name)
            if _given(value):
                return value
            return env.get(ENV[name]) or None

        base_url = pick("base_url")
        config = cls(
            base_url=validate_base_url(str(base_url)) if base_url else None,
            api_token=_opt_str(pick("api_token")),
            admin_token=_opt_str(pick("admin_token")),
            hidden_ids=parse_ids(pick("hidden_ids"), "hidden ids"),
            destructive=parse_bool(pick("destructive"), ENV["destructive"]),
            delete_ids=parse_ids(pick("delete_ids"), "delete ids"),
            max_rps=parse_rate(pick("max_rps")),
        )
        if config.base_url and not config.api_token:
            raise UsageError(
                f"a --base-url needs an API token: pass --api-token or set {ENV['api_token']}"
            )
        return config


def target_option_specs() -> list[tuple[str, dict[str, Any]]]:
    """The target options as (flag, argparse keywords): one list for argparse and pytest.

    Built anew on each call so no parser shares a mutable default with another.
    """
    return [
        ("--base-url", {"default": None, "help": f"server to test (env {ENV['base_url']})"}),
        ("--api-token", {"default": None, "help": f"regular API token (env {ENV['api_token']})"}),
        (
            "--admin-token",
            {"default": None, "help": f"administrator token (env {ENV['admin_token']})"},
        ),
        (
            "--hidden-id",
            {
                "dest": "hidden_ids",
                "action": "append",
                "type": int,
                "default": [],
                "help": f"an id hidden for administrators, repeatable "
                f"(env {ENV['hidden_ids']}=1,2)",
            },
        ),
        (
            "--destructive",
            {
                "action": "store_true",
                "default": False,
                "help": f"allow DELETE on the ids given by --delete-id "
                f"(env {ENV['destructive']}=1)",
            },
        ),
        (
            "--delete-id",
            {
                "dest": "delete_ids",
                "action": "append",
                "type": int,
                "default": [],
                "help": f"an id DELETE may touch, repeatable (env {ENV['delete_ids']}=3,4)",
            },
        ),
        (
            "--max-rps",
            {
                "type": float,
                "default": None,
                "help": f"ceiling on the request rate (env {ENV['max_rps']})",
            },
        ),
    ]


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The target options, same names as the pytest plugin's."""
    group = parser.add_argument_group("target (default: the bundled mock)")
    for flag, keywords in target_option_specs():
        group.add_argument(flag, **keywords)


def target_from_args(args: argparse.Namespace) -> TargetConfig:
    return TargetConfig.from_sources(vars(args))


def validate_base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"base URL must look like http://host[:port], got {url!r}")
    if parts.query or parts.fragment:
        raise UsageError(f"base URL must not carry a query or fragment: {url!r}")
    return url.strip().rstrip("/")


def parse_ids(value: object, what: str) -> tuple[int, ...]:
    if value in (None, "", (), []):
        return ()
    items: Sequence[object]
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    ids: list[int] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            ids.append(int(text))
        except ValueError:
            raise UsageError(f"{what} must be integers, got {text!r}") from None
    return tuple(dict.fromkeys(ids))


def parse_bool(value: object, what: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise UsageError(f"{what} must be 1 or 0, got {value!r}")


def parse_rate(value: object) -> float | None:
    if value in (None, ""):
        return None
    try:
        rate = float(str(value))
    except ValueError:
        raise UsageError(f"--max-rps must be a number, got {value!r}") from None
    if rate <= 0:
        raise UsageError("--max-rps must be positive")
    return rate


def _given(value: object) -> bool:
    """Whether an option was given (0 was: it must be validated, not ignored)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | tuple) and len(value) == 0)


def _opt_str(value: object) -> str | None:
    return str(value) if value else None


# -- the bundled mock on a real socket -----------------------------------------------


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
        response = httpx.request(
            method, f"{self.base_url}/__vanceqa__/{name}", json=json, timeout=10
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

    def target(self, **overrides: object) -> TargetConfig:
        """A TargetConfig pointing at this mock, as a staging user would give it."""
        values: dict[str, object] = {
            "base_url": self.base_url,
            "api_token": self.api_token,
            "admin_token": self.admin_token,
            "hidden_ids": self.hidden_ids,
        }
        values.update(overrides)
        return TargetConfig(**values)  # type: ignore[arg-type]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    """Poll `url` until it answers, the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TargetUnavailable(f"the mock exited with code {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError as exc:
            last = exc
            time.sleep(0.05)
    raise TargetUnavailable(f"{url} did not answer within {timeout:.0f}s ({last})")


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
            _stop(process)
            text = log_path.read_text(errors="replace")
            if "address" in text.lower() and "in use" in text.lower() and attempt < 2:
                continue  # someone took the free port between our probe and the bind
            raise TargetUnavailable(f"the bundled mock did not start:\n{text[-2000:]}") from None
        server = MockServer(base_url, tokens[0], tokens[1], process, log_path, hidden)
        try:
            yield server
        finally:
            _stop(process)
            log_path.unlink(missing_ok=True)
        return


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
