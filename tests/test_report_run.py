"""`vanceqa run` and `vanceqa report` as a user runs them: real subprocesses, real mock."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from tests.conftest import ADMIN_TOKEN, API_TOKEN, DATA
from vanceqa.cli import main
from vanceqa.mock.launcher import serve_mock
from vanceqa.processes import free_port
from vanceqa.report.phases import Phase, run_phase
from vanceqa.report.progress import PlainProgress, RichProgress
from vanceqa.report.result_files import load_results
from vanceqa.report.run_command import child_environment
from vanceqa.report.sections import SECTIONS
from vanceqa.report.verdict import judge
from vanceqa.target import TargetConfig

RESULTS = DATA / "results"


def every_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


# -- vanceqa report ------------------------------------------------------------------


def test_report_rebuilds_the_page_and_exits_with_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(RESULTS, tmp_path, dirs_exist_ok=True)
    before = sorted(p.name for p in (tmp_path / "history").iterdir())
    code = main(["report", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert 50_000 < (tmp_path / "index.html").stat().st_size < 1_000_000  # with its SVG charts
    assert " FAIL " in out
    assert "getKitten · hidden_forbidden_regular" in out
    assert f"Report: {(tmp_path / 'index.html').resolve()}" in out
    assert "p95 latency +58.1%" in out
    # A rebuild reads history, it never adds to it.
    assert sorted(p.name for p in (tmp_path / "history").iterdir()) == before


def test_report_keeps_a_leaked_token_out_of_its_summary_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A producer that leaked the token: the printed summary is scrubbed like the page."""
    token = "tok-Summary-leak-7Qx2"
    shutil.copytree(RESULTS, tmp_path, dirs_exist_ok=True)
    data = json.loads((RESULTS / "conformance.json").read_text())
    failure = next(r for r in data["results"] if r["outcome"] == "failed")["failure"]
    failure["behaviour"] = f"echoed {token}"
    failure["curl"] = f"curl -i -H 'X-Key: {token}' http://127.0.0.1:1/api/kittens/7"
    (tmp_path / "conformance.json").write_text(json.dumps(data))
    monkeypatch.setenv("VANCEQA_API_TOKEN", token)
    assert main(["report", "--report-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "getKitten · hidden_forbidden_regular: echoed" in out
    assert token not in out
    assert token not in (tmp_path / "index.html").read_text()


def test_report_can_fail_on_a_regression_alone(tmp_path: Path) -> None:
    for name in ("conformance.json", "load.json"):
        data = json.loads((RESULTS / name).read_text())
        if name == "conformance.json":
            data["results"] = [r for r in data["results"] if r["outcome"] != "failed"]
        else:
            data["slo"] = None
            data["exit_code"] = 0
        (tmp_path / name).write_text(json.dumps(data))
    shutil.copytree(RESULTS / "history", tmp_path / "history")
    args = ["report", "--report-dir", str(tmp_path)]
    assert main(args) == 0  # p95 regressed, but that alone does not fail the run
    assert main([*args, "--fail-on-regression"]) == 1
    assert main([*args, "--fail-on-regression", "--regression-margin", "400%"]) == 0
    assert main([*args, "--fail-on-regression", "--regression-margin", "60%"]) == 1


def test_report_without_a_folder_or_with_bad_options_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--report-dir", str(tmp_path / "missing")]) == 2
    assert "no report folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["report", "--regression-margin", "lots"])
    assert exc.value.code == 2
    assert "must be a percentage" in capsys.readouterr().err


def test_a_page_that_cannot_be_written_is_a_usage_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(RESULTS, tmp_path / "r")
    (tmp_path / "a-file").write_text("not a folder")
    output = tmp_path / "a-file" / "index.html"
    code = main(["report", "--report-dir", str(tmp_path / "r"), "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot write the page to {output}" in err
    assert "Traceback" not in err


def test_a_history_folder_that_cannot_be_written_still_gives_a_page(tmp_path: Path) -> None:
    from vanceqa.report.build import build_report

    for name in ("conformance.json", "load.json", "run.json"):
        (tmp_path / name).write_text((RESULTS / name).read_text())
    (tmp_path / "history").write_text("a file where the history folder belongs")
    outcome = build_report(tmp_path, record_history=True)
    assert outcome.history_path is None
    assert "this run was not added to" in outcome.path.read_text()


# -- vanceqa run ---------------------------------------------------------------------


def test_child_environment_carries_the_resolved_target_and_nothing_stale() -> None:
    target = TargetConfig(
        base_url="http://127.0.0.1:9",
        api_token="t-regular-123",
        admin_token="t-admin-456",
        hidden_ids=(7, 8),
        delete_ids=(3,),
        destructive=True,
        max_rps=20.0,
    )
    env = child_environment(target, {"PATH": "/bin", "VANCEQA_DELETE_IDS": "1,2,3,4"})
    assert env["VANCEQA_BASE_URL"] == "http://127.0.0.1:9"
    assert env["VANCEQA_API_TOKEN"] == "t-regular-123"
    assert env["VANCEQA_HIDDEN_IDS"] == "7,8"
    assert env["VANCEQA_DELETE_IDS"] == "3"
    assert env["VANCEQA_DESTRUCTIVE"] == "1"
    assert env["VANCEQA_MAX_RPS"] == "20"
    mock_env = child_environment(TargetConfig(), {"VANCEQA_BASE_URL": "http://stale:1"})
    assert not any(k.startswith("VANCEQA_") for k in mock_env)


@pytest.mark.socket
def test_run_writes_run_json_history_logs_and_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The docs phases only (seconds, with their own mock); stale results are cleared."""
    (tmp_path / "load.json").write_text((RESULTS / "load.json").read_text())
    code = main(["run", "--report-dir", str(tmp_path), "--skip", "check", "--skip", "load"])
    out = capsys.readouterr().out
    results = load_results(tmp_path, SECTIONS)
    assert code == judge(results).exit_code
    assert results.load is None  # the earlier run's load.json is not shown as this run's
    assert results.docs is not None
    run = json.loads((tmp_path / "run.json").read_text())
    assert [p["name"] for p in run["phases"]] == ["docs drift", "docs examples"]
    assert all(p["exit_code"] is not None for p in run["phases"])
    assert run["target"] == {"base_url": None, "mock": True, "insecure": False}
    for phase in run["phases"]:
        log = (tmp_path / phase["log"]).read_text()
        assert log.startswith(f"$ {phase['command']}")
    assert len(list((tmp_path / "history").glob("*.json"))) == 1
    # Not a terminal: plain lines, one per start and end, for CI logs.
    assert "vanceqa run: docs drift: started: vanceqa docs drift" in out
    assert "vanceqa run: docs examples: " in out
    assert "\x1b[" not in out
    assert f"Report: {(tmp_path / 'index.html').resolve()}" in out
    page = (tmp_path / "index.html").read_text()
    assert "The load test did not run" in page


@pytest.mark.socket
def test_run_against_a_server_keeps_its_token_out_of_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token, admin = "tok-Q7zR-distinctive-91x", "adm-K2wP-distinctive-55y"
    with serve_mock(api_token=token, admin_token=admin) as server:
        code = main(
            [
                "run",
                "--report-dir",
                str(tmp_path),
                "--skip",
                "check",
                "--skip",
                "load",
                "--base-url",
                server.base_url,
                "--api-token",
                token,
                "--admin-token",
                admin,
            ]
        )
    captured = capsys.readouterr()
    docs = json.loads((tmp_path / "docs.json").read_text())
    assert any(e["outcome"] == "passed" for e in docs["examples"])  # the token was used
    assert code == judge(load_results(tmp_path, SECTIONS)).exit_code
    everything = every_text(tmp_path) + captured.out + captured.err
    assert token not in everything
    assert admin not in everything
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["target"] == {"base_url": server.base_url, "mock": False, "insecure": False}


def test_run_refuses_bad_options_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "r"
    every = ["--skip", "check", "--skip", "load", "--skip", "docs"]
    assert main(["run", "--report-dir", str(folder), *every]) == 2
    assert "nothing to run" in capsys.readouterr().err
    assert main(["run", "--report-dir", str(folder), "--run-time", "soon"]) == 2
    assert "--run-time" in capsys.readouterr().err
    # Floats Python parses but no load test can use: refused before the suites run.
    assert main(["run", "--report-dir", str(folder), "--run-time", "infs"]) == 2
    assert "--run-time 'infs' is not a duration" in capsys.readouterr().err
    assert main(["run", "--report-dir", str(folder), "--run-time", "0s"]) == 2
    assert "--run-time must be positive" in capsys.readouterr().err
    assert main(["run", "--report-dir", str(folder), "--rate", "nan"]) == 2
    assert "--rate must be a positive, finite number" in capsys.readouterr().err
    assert main(["run", "--report-dir", str(folder), "--max-rps", "inf"]) == 2
    assert "--max-rps must be a positive, finite number" in capsys.readouterr().err
    # One grammar of durations for every command: what `vanceqa load` takes, run takes.
    assert main(["run", "--report-dir", str(folder), "--run-time", "1m30s", *every]) == 2
    assert "nothing to run" in capsys.readouterr().err
    assert main(["run", "--report-dir", str(folder), "--base-url", "http://127.0.0.1:9"]) == 2
    assert "needs an API token" in capsys.readouterr().err
    assert not (folder / "index.html").exists()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.socket
def test_a_phase_over_its_time_limit_is_stopped_with_all_it_started(tmp_path: Path) -> None:
    """`vanceqa mock` never ends by itself: the phase limit stops it and its workers."""
    port = free_port()
    phase = Phase("hang", ["mock", "--port", str(port), "--workers", "2"], 2, 4)
    out = io.StringIO()
    listener = PlainProgress(Console(file=out, highlight=False))
    outcome = run_phase(phase, tmp_path / "hang.log", dict(os.environ), [API_TOKEN], listener)
    assert outcome.note is not None
    assert outcome.note.startswith("stopped after 4 s")
    assert outcome.exit_code is not None
    deadline = time.monotonic() + 20
    while _accepts(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _accepts(port), "the phase's server outlived it"
    assert "hang: stopped after 4 s" in out.getvalue()


def test_a_terminal_gets_a_bar_per_phase(tmp_path: Path) -> None:
    # `vanceqa report` on the recorded results: no network, and a known exit code (the
    # recorded run fails its checks), so the bar's last word can be checked exactly.
    shutil.copytree(RESULTS, tmp_path / "reports")
    report = ["report", "--report-dir", str(tmp_path / "reports")]
    phase = Phase("rebuild", report, 3, 120, meanings={1: "the recorded run fails"})
    later = Phase("load", ["load"], 10, 60)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with RichProgress(console, [phase, later]) as listener:
        outcome = run_phase(phase, tmp_path / "d.log", dict(os.environ), [], listener)
    text = out.getvalue()
    assert outcome.exit_code == 1, (tmp_path / "d.log").read_text()
    assert outcome.note is None
    assert "rebuild" in text
    assert "100%" in text
    assert "the recorded run fails" in text
    assert "waiting" in text  # the phase that has not started yet


@pytest.mark.socket
def test_the_mock_tokens_never_reach_the_logs(tmp_path: Path) -> None:
    """The bundled mock's own tokens are redacted from phase logs too."""
    phase = Phase("docs examples", ["docs", "examples", "--json"], 5, 120)
    out = io.StringIO()
    listener = PlainProgress(Console(file=out))
    log = tmp_path / "x.log"
    run_phase(phase, log, dict(os.environ), [API_TOKEN, ADMIN_TOKEN], listener)
    text = log.read_text()
    assert '"outcome"' in text
    assert API_TOKEN not in text
    assert ADMIN_TOKEN not in text


@pytest.mark.socket
def test_a_dead_target_is_reported_not_crashed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens here
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    code = main(
        [
            "run",
            "--report-dir",
            str(tmp_path),
            "--skip",
            "load",
            "--skip",
            "docs",
            "--base-url",
            f"http://127.0.0.1:{port}",
            "--api-token",
            "whatever-token-1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 3
    assert "INCOMPLETE" in out
    assert (tmp_path / "index.html").exists()
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["phases"][0]["exit_code"] == 3


def test_the_slo_exit_code_matches_the_load_command() -> None:
    """The report's plans keep their own copy: the report never imports vanceqa.load (its
    launcher side imports no locust, so this test may, and checks that too)."""
    import sys

    from vanceqa.load.slo import EXIT_SLO_BREACH as LOAD_CODE
    from vanceqa.report.plans import EXIT_SLO_BREACH

    assert EXIT_SLO_BREACH == LOAD_CODE
    assert "locust" not in sys.modules


@pytest.mark.slow
@pytest.mark.socket
def test_vanceqa_run_end_to_end_on_the_bundled_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a user gets from `vanceqa run`: every phase for real, one page, one verdict."""
    code = main(["run", "--report-dir", str(tmp_path), "--run-time", "5s", "--seed", "99"])
    out = capsys.readouterr().out
    results = load_results(tmp_path, SECTIONS)
    verdict = judge(results)
    assert code == verdict.exit_code
    assert results.problems == []
    assert results.conformance is not None
    assert results.load is not None
    assert results.docs is not None
    assert results.conformance["seed"] == 99
    assert results.load["seed"] == 99
    run = json.loads((tmp_path / "run.json").read_text())
    assert [p["name"] for p in run["phases"]] == ["check", "load", "docs drift", "docs examples"]
    assert all(p["note"] is None for p in run["phases"]), run["phases"]
    # The bundled mock is correct: anything but a pass here is a finding to look at.
    assert verdict.status == "pass", verdict.reasons
    assert code == 0
    page = (tmp_path / "index.html").read_text()
    for anchor in ('id="conformance-matrix"', 'id="hdr-getkitten"', 'id="chart-spectrum"'):
        assert anchor in page
    assert len(list((tmp_path / "history").glob("*.json"))) == 1
    assert " PASS " in out
    everything = every_text(tmp_path) + out
    assert API_TOKEN not in everything
    assert ADMIN_TOKEN not in everything
