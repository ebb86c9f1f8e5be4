"""The mock served by `vanceqa mock` on a real socket."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_TOKEN
from vanceqa.mock.launcher import MockServer, serve_mock

pytestmark = pytest.mark.socket


def raw_request(base_url: str, request: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_served_mock_answers_documented_behaviour(mock_server: MockServer) -> None:
    with httpx.Client(base_url=mock_server.base_url, timeout=10) as c:
        auth = {"Authorization": mock_server.api_token}
        listed = c.get("/api/kittens", headers=auth)
        assert listed.status_code == 200
        assert listed.headers["content-type"] == "application/json"
        first = listed.json()[0]["id"]
        assert c.get(f"/api/kittens/{first}", headers=auth).json() == listed.json()[0]
        assert c.get("/api/kittens").status_code == 401
        assert c.put("/api/kittens", headers=auth).headers["allow"] == "GET"
        assert c.delete(f"/api/kittens/{first}", headers=auth).status_code == 200
        assert c.get(f"/api/kittens/{first}", headers=auth).status_code == 410
    counters = mock_server.counters()
    assert counters["total"] == 6


def test_served_mock_survives_odd_bytes_on_the_wire(mock_server: MockServer) -> None:
    token = mock_server.api_token.encode()
    odd = [
        b"GET /api/kittens/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: " + token + b"\r\n",
        b"GET /api/kittens/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: " + token + b"\r\n",
        b"GET /api/kittens?"
        + b"&".join(b"p%d=1" % i for i in range(10_000))
        + b" HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + token
        + b"\r\n",
        b"GET /api/kittens/"
        + b"9" * 4000
        + b" HTTP/1.1\r\nHost: x\r\nAuthorization: "
        + token
        + b"\r\n",
        b"GET /api/kittens HTTP/1.1\r\nHost: x\r\nAuthorization: " + b"a" * 60_000 + b"\r\n",
    ]
    for request in odd:
        answer = raw_request(mock_server.base_url, request + b"Connection: close\r\n\r\n")
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
        status = int(status_line.split()[1])
        # The server's own limits may answer 4xx (e.g. 431 for a huge header) before the
        # app sees the request; what must never happen is a 5xx or a dead server.
        assert 400 <= status < 500, status_line
    with httpx.Client(base_url=mock_server.base_url, timeout=10) as c:
        assert c.get("/api/kittens", headers={"Authorization": API_TOKEN}).status_code == 200


def test_workers_share_deletions_faults_and_counters() -> None:
    with serve_mock(workers=2) as server, httpx.Client(base_url=server.base_url) as c:
        auth = {"Authorization": server.api_token}
        assert c.delete("/api/kittens/3", headers=auth).status_code == 200
        # New connections spread over both workers: all must agree.
        for _ in range(20):
            with httpx.Client(base_url=server.base_url) as fresh:
                assert fresh.get("/api/kittens/3", headers=auth).status_code == 410
                assert 3 not in [k["id"] for k in fresh.get("/api/kittens", headers=auth).json()]
        server.set_faults(maintenance=True)
        for _ in range(10):
            with httpx.Client(base_url=server.base_url) as fresh:
                assert fresh.get("/api/kittens", headers=auth).status_code == 503
        assert server.counters()["total"] == 1 + 40 + 10


def test_faults_given_at_start(tmp_path: Path) -> None:
    with serve_mock(faults=["error_rate=1", "latency=5ms"]) as server:
        response = httpx.get(
            f"{server.base_url}/api/kittens", headers={"Authorization": server.api_token}
        )
        assert response.status_code == 500
        assert server.control("GET", "faults")["latency_ms"] == 5  # type: ignore[index]


def test_tokens_and_data_from_options(tmp_path: Path) -> None:
    data = tmp_path / "kittens.json"
    data.write_text(
        '{"kittens": [{"id": 42, "name": "Solo", "breed": "x", "fluffiness": 1, "cuteness": 2}]}'
    )
    with serve_mock(data=data, api_token="opt-token", admin_token="opt-admin") as server:
        response = httpx.get(
            f"{server.base_url}/api/kittens", headers={"Authorization": "opt-token"}
        )
        assert response.json() == [
            {"id": 42, "name": "Solo", "breed": "x", "fluffiness": 1, "cuteness": 2}
        ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port must be between"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--fault", "teapot=on"], "unknown fault"),
        (["--data", "/nonexistent.json"], "data file not found"),
        (["--host", "not a host"], "--host must be an IP address"),
        (["--api-token", "same", "--admin-token", "same"], "must differ"),
    ],
)
def test_bad_options_give_a_clear_message(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vanceqa", "mock", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_port_is_refused_not_shared(mock_server: MockServer) -> None:
    # granian binds with SO_REUSEPORT: without our probe a second mock would start on
    # the same port and the kernel would split the connections between the two.
    port = mock_server.base_url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "vanceqa", "mock", "--port", port, "--fault", "maintenance=on"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr
    for _ in range(10):
        with httpx.Client(base_url=mock_server.base_url) as fresh:
            response = fresh.get("/api/kittens", headers={"Authorization": API_TOKEN})
            assert response.status_code == 200


def test_serve_mock_keeps_tokens_off_the_command_line() -> None:
    with serve_mock(api_token="cmdline-secret-1", admin_token="cmdline-secret-2") as server:
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        assert b"cmdline-secret" not in cmdline
        for token in ("cmdline-secret-1", "cmdline-secret-2"):
            response = httpx.get(f"{server.base_url}/api/kittens", headers={"Authorization": token})
            assert response.status_code == 200
