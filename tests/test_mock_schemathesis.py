"""The mock passes schemathesis over the contract: default checks, 410 accepted as positive."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from vanceqa.mock.launcher import serve_mock
from vanceqa.resources import openapi_path

pytestmark = [pytest.mark.socket, pytest.mark.slow]

CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = [200, 401, 403, 404, 410]
"""


def st_run(base_url: str, token: str, config: Path) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    return subprocess.run(
        [
            str(st),
            "--config-file",
            str(config),
            "run",
            str(openapi_path()),
            "--url",
            base_url,
            "--header",
            f"Authorization: {token}",
            "--seed",
            "1",
            "--max-examples",
            "50",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=config.parent,  # st keeps a .schemathesis/ cache in its working directory
    )


def test_mock_passes_schemathesis_default_checks(tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    with serve_mock() as server:
        result = st_run(server.base_url, server.api_token, config)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
    assert server.api_token not in result.stdout


def test_schemathesis_here_does_catch_a_broken_server(tmp_path: Path) -> None:
    # The same run against a mock that answers 500 must fail, or the test above
    # proves nothing about the mock.
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    with serve_mock(faults=["error_rate=0.5"]) as server:
        result = st_run(server.base_url, server.api_token, config)
    assert result.returncode == 1, result.stdout[-4000:]
    # Caught as server errors (schemathesis' not_a_server_error), and they are our fault's.
    assert re.search(r"ST101 Server error: [1-9]", result.stdout), result.stdout[-4000:]
    assert '"detail":"injected fault"' in result.stdout
