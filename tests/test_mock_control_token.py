"""Off loopback the served mock's control API requires a token; on loopback it is open.

The mock listens on 0.0.0.0 here (reached through 127.0.0.1) for a few seconds, the
only way to see what a user who exposes it sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_TOKEN
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.processes import free_port, stop_process, wait_until_ready

pytestmark = pytest.mark.socket
HEADER = "X-Vanceqa-Control-Token"


def test_the_launcher_guards_a_mock_off_loopback_and_keeps_the_token_quiet() -> None:
    with serve_mock(host="0.0.0.0") as server:
        token = server.control_token
        assert token is not None
        assert len(token) >= 24
        assert token not in repr(server)
        base = server.base_url.replace("0.0.0.0", "127.0.0.1")
        assert httpx.post(f"{base}/__vanceqa__/reset").status_code == 401
        assert httpx.post(f"{base}/__vanceqa__/reset", headers={HEADER: "x"}).status_code == 401
        server.set_faults(latency_ms=1)  # the launcher's control calls carry it
        assert server.counters()["total"] == 0
        auth = {"Authorization": server.api_token}
        assert httpx.get(f"{base}/api/kittens", headers=auth).status_code == 200
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline
        log = server.log_path.read_text()
    assert "warning: listening on 0.0.0.0" in log
    assert token not in log  # given through the environment, so never printed


def test_the_launcher_leaves_a_loopback_mock_open(mock_server: MockServer) -> None:
    assert mock_server.control_token is None
    assert httpx.post(f"{mock_server.base_url}/__vanceqa__/reset").status_code == 200


def test_a_control_token_exported_by_the_user_does_not_leak_into_a_launched_mock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VANCEQA_MOCK_CONTROL_TOKEN", "users-own")
    with serve_mock() as server:
        assert server.counters()["total"] == 0


@pytest.fixture
def cli_mock(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    args, env = request.param
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "vanceqa", "mock", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/__vanceqa__/health", 30, process)
        yield process, base
    finally:
        stop_process(process)


def output(process: subprocess.Popen[str]) -> tuple[str, str]:
    stop_process(process)
    out, err = process.communicate(timeout=30)
    return out, err


@pytest.mark.parametrize("cli_mock", [(["--host", "0.0.0.0"], {})], indirect=True)
def test_off_loopback_a_token_is_generated_printed_and_required(
    cli_mock: tuple[subprocess.Popen[str], str],
) -> None:
    process, base = cli_mock
    assert httpx.get(f"{base}/__vanceqa__/faults").status_code == 401
    assert httpx.get(f"{base}/api/kittens", headers={"Authorization": API_TOKEN}).status_code == 200
    out, err = output(process)
    printed = [line for line in out.splitlines() if HEADER in line]
    assert len(printed) == 1
    token = printed[0].rsplit(": ", 1)[1]
    assert "warning: listening on 0.0.0.0" in err
    assert HEADER in err
    assert len(token) >= 24


@pytest.mark.parametrize(
    "cli_mock",
    [
        (["--host", "0.0.0.0"], {"VANCEQA_MOCK_CONTROL_TOKEN": "given-token-1"}),
        (["--control-token", "given-token-1"], {}),  # on loopback too, when asked for
    ],
    indirect=True,
    ids=["env-off-loopback", "option-on-loopback"],
)
def test_a_given_token_is_required_and_not_printed(
    cli_mock: tuple[subprocess.Popen[str], str],
) -> None:
    process, base = cli_mock
    assert httpx.get(f"{base}/__vanceqa__/faults").status_code == 401
    good = httpx.get(f"{base}/__vanceqa__/faults", headers={HEADER: "given-token-1"})
    assert good.status_code == 200
    out, err = output(process)
    assert "given-token-1" not in out + err


def test_a_blank_control_token_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vanceqa", "mock", "--control-token", " "],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--control-token must be printable and not blank" in result.stderr
