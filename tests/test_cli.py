"""The `vanceqa` dispatcher and the redaction helpers every report relies on."""

from __future__ import annotations

import subprocess
import sys

from vanceqa.cli import SUBCOMMANDS, main
from vanceqa.redact import REDACTED, curl_line, redact_headers, redact_text, scrub


def vanceqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vanceqa", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command() -> None:
    result = vanceqa("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = vanceqa("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_fails(capsys: object) -> None:
    result = vanceqa()
    assert result.returncode == 2
    assert "commands:" in result.stdout


def test_version() -> None:
    result = vanceqa("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("vanceqa ")


def test_every_registered_command_has_help() -> None:
    for name in SUBCOMMANDS:
        result = vanceqa(name, "--help")
        assert result.returncode == 0, (name, result.stderr[-2000:])
        assert f"vanceqa {name}" in result.stdout


def test_main_returns_usage_error_code_in_process() -> None:
    assert main(["mock", "--port", "70000"]) == 2


def test_curl_line_redacts_tokens() -> None:
    line = curl_line(
        "DELETE",
        "http://h/api/kittens/1?t=sekrit-token",
        {"Authorization": "sekrit-token", "Accept": "application/json"},
        secrets=["sekrit-token"],
    )
    assert "sekrit-token" not in line
    assert REDACTED in line
    assert line.startswith("curl -i -X DELETE")


def test_empty_token_stays_visible_in_a_repro() -> None:
    assert redact_headers({"Authorization": ""}) == {"Authorization": ""}


def test_redact_text_and_log_lines() -> None:
    assert redact_text("a tok b tokk", ["tok", "tokk", None, ""]) == f"a {REDACTED} b {REDACTED}"
    assert scrub("Authorization: whatever", []) == f"Authorization: {REDACTED}"


def test_a_reader_that_went_away_is_not_a_traceback() -> None:
    # `vanceqa docs parse --json | head`: the pipe closes before vanceqa is done.
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "vanceqa", "docs", "parse", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
