"""Behind a gateway: a stand-in on loopback that wants a key header and serves the API
under a path prefix, in front of the real served mock. Every non-load entry point passes
through it with `--base-url .../vance/v1 --header 'X-Gateway-Key: ...'`; without the key
it stops with exit 3 and says why; the key (and any header marked --secret-header) is in
no file written, no log and no repro line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, API_TOKEN
from tests.reach.conftest import (
    ENTRY_POINTS,
    assert_nowhere,
    assert_passed,
    clean_env,
    output,
    run_entry,
    staging_args,
    written_files,
)
from tests.reach.gateway import Gateway, Headers, serve_gateway
from vanceqa.mock.launcher import MockServer
from vanceqa.redact import REDACTED

pytestmark = [pytest.mark.socket, pytest.mark.slow]
PREFIX = "/vance/v1"
KEY = "gw-key-5f0c9a1e77d2"
TENANT = "tenant-acme-8b3d41"  # an innocent-looking header the user marks secret


@pytest.fixture
def gateway(mock_server: MockServer) -> Iterator[Gateway]:
    with serve_gateway(
        mock_server.base_url, prefix=PREFIX, required=("X-Gateway-Key", KEY)
    ) as gateway:
        yield gateway


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("how", ["option", "environment"])
def test_every_entry_point_passes_through_the_gateway(
    entry: str, how: str, gateway: Gateway, tmp_path: Path
) -> None:
    assert gateway.url.endswith(PREFIX)
    env = clean_env()
    if how == "option":
        options = staging_args(gateway.url, "--header", f"X-Gateway-Key: {KEY}")
    else:  # as CI gives it, from its secret store: one header per line
        options = staging_args(gateway.url)
        env["VANCEQA_HEADERS"] = f"X-Gateway-Key: {KEY}\nX-Environment: staging"
    reports = tmp_path / "reports"
    result = run_entry(entry, reports, options, cwd=tmp_path, env=env)
    assert_passed(entry, result, reports)
    assert gateway.seen, "nothing reached the gateway"
    assert gateway.refused == 0, "a request went without the key or outside the prefix"
    assert all(seen.target.startswith(PREFIX + "/") for seen in gateway.seen)
    assert all(seen.headers.get("X-Gateway-Key") == KEY for seen in gateway.seen)
    if how == "environment":
        assert all(seen.headers.get("X-Environment") == "staging" for seen in gateway.seen)
    for secret in (KEY, API_TOKEN, ADMIN_TOKEN):
        assert_nowhere(secret, written_files(tmp_path), result.stdout, result.stderr)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_without_the_gateways_header_the_run_stops_with_exit_3(
    entry: str, gateway: Gateway, tmp_path: Path
) -> None:
    result = run_entry(entry, tmp_path / "reports", staging_args(gateway.url), cwd=tmp_path)
    assert result.returncode == 3, output(result)
    said = result.stdout + result.stderr
    assert "403 Forbidden" in said
    assert "--header" in said
    assert "Traceback" not in said


def _drop_allow(
    method: str, path: str, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    """A defect planted by the gateway: 405 without the Allow header RFC 9110 requires."""
    if status == 405:
        headers = [(n, v) for n, v in headers if n.lower() != "allow"]
    return status, headers, body


@pytest.mark.parametrize("marked", [True, False], ids=["marked-secret", "not-marked"])
def test_secret_header_marks_an_innocent_name_secret(
    marked: bool, mock_server: MockServer, tmp_path: Path
) -> None:
    with serve_gateway(
        mock_server.base_url, prefix=PREFIX, required=("X-Gateway-Key", KEY), answer=_drop_allow
    ) as gateway:
        options = staging_args(
            gateway.url,
            "--header", f"X-Gateway-Key: {KEY}",
            "--header", f"X-Tenant: {TENANT}",
        )  # fmt: skip
        if marked:
            options += ["--secret-header", "X-Tenant"]
        reports = tmp_path / "reports"
        result = run_entry("run", reports, options, cwd=tmp_path)
    assert result.returncode == 1, output(result)  # the planted defect is found
    document = json.loads((reports / "conformance.json").read_text())
    curls = [r["failure"]["curl"] for r in document["results"] if r["outcome"] == "failed"]
    assert curls, "the planted defect was not found"
    # A repro line carries every header the request carried: behind a gateway it fails
    # without them. Secret ones are redacted.
    assert all(f"X-Gateway-Key: {REDACTED}" in curl for curl in curls)
    assert all(PREFIX in curl for curl in curls)
    files = written_files(tmp_path)
    assert_nowhere(KEY, files, result.stdout, result.stderr)
    if marked:
        assert all(f"X-Tenant: {REDACTED}" in curl for curl in curls)
        assert_nowhere(TENANT, files, result.stdout, result.stderr)
    else:  # the control: unmarked, the value is shown, so the check above can fail
        assert all(f"X-Tenant: {TENANT}" in curl for curl in curls)
