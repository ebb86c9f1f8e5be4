"""Through a real forward proxy (Debian's tinyproxy on loopback), as CI runners reach
staging: HTTP_PROXY/HTTPS_PROXY/NO_PROXY and --proxy, in every non-load entry point,
proven from the proxy's own log; an HTTPS target through it (CONNECT); and the bundled
mock, which is on our loopback, never sent to the user's proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reach.conftest import (
    ENTRY_POINTS,
    Certificates,
    ForwardProxy,
    answered,
    assert_passed,
    clean_env,
    output,
    run_entry,
    staging_args,
)
from tests.reach.gateway import Gateway, serve_gateway
from vanceqa.mock.launcher import MockServer, serve_mock
from vanceqa.processes import free_port

pytestmark = [pytest.mark.socket, pytest.mark.slow]


@pytest.fixture
def staging(mock_server: MockServer) -> Iterator[Gateway]:
    """The served mock behind a recording gateway, so a test sees who reached it."""
    with serve_gateway(mock_server.base_url) as gateway:
        yield gateway


def proxied(forward_proxy: ForwardProxy, target: Gateway) -> list[str]:
    """The request lines the proxy forwarded to `target`."""
    origin = target.url.removesuffix("/")
    return [line for line in forward_proxy.requests() if origin in line]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("how", ["HTTP_PROXY", "--proxy"])
def test_every_entry_point_goes_through_the_proxy(
    entry: str, how: str, forward_proxy: ForwardProxy, staging: Gateway, tmp_path: Path
) -> None:
    options = staging_args(staging.url)
    env = clean_env()
    if how == "--proxy":
        options += ["--proxy", forward_proxy.url]
    else:
        env[how] = forward_proxy.url
    result = run_entry(entry, tmp_path / "reports", options, cwd=tmp_path, env=env)
    assert_passed(entry, result, tmp_path / "reports")
    through = proxied(forward_proxy, staging)
    assert through, f"nothing forwarded to {staging.url}:\n{forward_proxy.log.read_text()}"
    # Every request the target saw came through the proxy: none went around it.
    assert len(through) == len(staging.seen), (len(through), len(staging.seen))
    assert any(line.startswith(f"GET {staging.url}/api/kittens") for line in through)


def test_lower_case_variable_and_no_proxy(
    forward_proxy: ForwardProxy, staging: Gateway, tmp_path: Path
) -> None:
    env = clean_env(http_proxy=forward_proxy.url)
    result = run_entry("docs", tmp_path / "a", staging_args(staging.url), cwd=tmp_path, env=env)
    assert_passed("docs", result, tmp_path / "a")
    assert proxied(forward_proxy, staging)
    # NO_PROXY names the host: the same run goes around the proxy.
    before = len(forward_proxy.requests())
    env["NO_PROXY"] = "localhost,127.0.0.1"
    result = run_entry("docs", tmp_path / "b", staging_args(staging.url), cwd=tmp_path, env=env)
    assert_passed("docs", result, tmp_path / "b")
    assert len(forward_proxy.requests()) == before, "NO_PROXY was not honoured"


def test_an_https_target_through_the_proxy_uses_connect(
    forward_proxy: ForwardProxy, certificates: Certificates, tmp_path: Path
) -> None:
    with serve_mock(tls=certificates.mock_tls()) as https:
        env = clean_env(HTTPS_PROXY=forward_proxy.url)
        options = staging_args(https.base_url, "--ca-bundle", str(certificates.ca_pem))
        result = run_entry("check", tmp_path / "reports", options, cwd=tmp_path, env=env)
        assert_passed("check", result, tmp_path / "reports")
        host = https.base_url.removeprefix("https://")
        tunnels = [line for line in forward_proxy.requests() if line.startswith("CONNECT")]
        assert any(host in line for line in tunnels), forward_proxy.log.read_text()
        assert answered(https) > 10


def test_a_dead_proxy_is_a_clear_exit_3(staging: Gateway, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    options = staging_args(staging.url, "--proxy", dead)
    result = run_entry("check", tmp_path / "reports", options, cwd=tmp_path)
    assert result.returncode == 3, output(result)
    assert "Traceback" not in result.stdout + result.stderr
    assert not staging.seen


@pytest.mark.parametrize("entry", ["check", "docs", "run"])
def test_the_bundled_mock_is_never_sent_to_the_users_proxy(entry: str, tmp_path: Path) -> None:
    # A developer behind a company proxy runs the bundled mock: the proxy cannot reach
    # our loopback, so nothing of the mock's traffic may be sent there.
    dead = f"http://127.0.0.1:{free_port()}"
    env = clean_env(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, VANCEQA_PROXY=dead)
    result = run_entry(entry, tmp_path / "reports", [], cwd=tmp_path, env=env)
    assert_passed(entry, result, tmp_path / "reports")
