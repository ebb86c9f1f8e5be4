"""Every run ends, with its results, however the server behaves (check, pytest, docs
examples, run; the load test has its own file).

Each command runs as a user runs it, in a subprocess with a generous kill bound: being
killed fails the test, because "it stops by itself" is the promise. The exit code, the
message and the result files that survive are asserted; for the gzip bomb, the peak
memory of the process too.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.hostile.conftest import run_command, staging_options, vanceqa
from tests.hostile.servers import bomb_server, drip_server, silent_after, slow_after
from vanceqa.mock.launcher import MockServer, serve_mock

pytestmark = [pytest.mark.socket, pytest.mark.slow]
# The bomb inflates to 2 GiB; the process may hold its ~13 MB, a capped 8 MiB body and
# its own imports, never the inflated body.
MEMORY_CEILING_MB = 600


def conformance_json(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "conformance.json").read_text())


# -- a server that answers one byte per second -------------------------------------------


def test_check_against_a_one_byte_per_second_server_stops_at_the_preflight(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with drip_server(interval=1.0) as drip:
        ran = run_command(
            vanceqa("check", *staging_options(drip.url), "--report-dir", str(out)),
            bound_s=120,
            cwd=tmp_path,
        )
    assert ran.returncode == 3, ran.output[-3000:]
    assert "no complete answer within the request deadline of 10s" in ran.stderr
    assert "Traceback" not in ran.output
    assert conformance_json(out)["aborted"]


def test_docs_examples_against_a_one_byte_per_second_server(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with drip_server(interval=1.0) as drip:
        ran = run_command(
            vanceqa("docs", "examples", *staging_options(drip.url, "--request-timeout", "3s"),
                    "--report-dir", str(out)),
            bound_s=120,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode == 3, ran.output[-3000:]
    assert "no complete answer within the request deadline of 3s" in ran.output
    docs = json.loads((out / "docs.json").read_text())
    assert "no complete answer" in docs["examples_summary"]["stopped"]
    assert "Traceback" not in ran.output


def test_run_against_a_one_byte_per_second_server_writes_its_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with drip_server(interval=1.0) as drip:
        ran = run_command(
            vanceqa("run", *staging_options(drip.url, "--request-timeout", "3s"),
                    "--report-dir", str(out)),
            bound_s=180,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode == 3, ran.output[-3000:]
    page = (out / "index.html").read_text()
    assert "no complete answer within the request deadline of 3s" in page
    run = json.loads((out / "run.json").read_text())
    notes = [p["note"] or "" for p in run["phases"]]
    assert any("target was unavailable" in n for n in notes), notes


# -- a server that stops answering after a while --------------------------------------------


@pytest.mark.parametrize("entry", ["check", "pytest"])
def test_a_server_silent_after_n_requests_stops_the_run_with_results(
    entry: str, mock: MockServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    options = staging_options(mock.base_url, "--request-timeout", "2s")
    with silent_after(mock.base_url, 60) as silent:
        options[1] = silent.url
        if entry == "check":
            argv = vanceqa("check", *options, "--report-dir", str(out))
        else:
            argv = [
                *vanceqa()[:1], "-m", "pytest", str(Path(__file__).parents[2] / "conformance"),
                "-q", "-p", "no:cacheprovider", f"--conformance-json={out / 'conformance.json'}",
                f"--junitxml={out / 'conformance.xml'}", *options,
            ]  # fmt: skip
        ran = run_command(argv, bound_s=240, cwd=tmp_path)
    assert ran.returncode == 3, ran.output[-3000:]
    assert "stopped answering: 3 requests in a row got no answer" in ran.output
    document = conformance_json(out)
    assert "stopped answering" in document["aborted"]
    results = document["results"]
    not_run = [r for r in results if (r["reason"] or "").startswith("not run:")]
    judged = [r for r in results if r["outcome"] in ("passed", "failed")]
    assert judged, "the checks that ran before the silence keep their results"
    assert len(not_run) > 50, "the checks left are reported as not run"
    assert all("stopped answering" in r["reason"] for r in not_run)
    # The JUnit report lists every check too: the ones not run as skipped, with the reason.
    cases = list(ET.parse(out / "conformance.xml").getroot().iter("testcase"))  # noqa: S314
    assert len(cases) == len(results)
    assert "Traceback" not in ran.stderr


# -- a gzip bomb -------------------------------------------------------------------------


def test_check_against_a_gzip_bomb_everywhere_stops_with_a_clear_message(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with bomb_server() as bomb:
        ran = run_command(
            vanceqa("check", *staging_options(bomb.url), "--report-dir", str(out)),
            bound_s=120,
            cwd=tmp_path,
        )
    assert ran.returncode == 3, ran.output[-3000:]
    assert "the body passed 8 MiB after gzip decompression" in ran.stderr
    assert ran.max_rss_mb < MEMORY_CEILING_MB


def test_a_gzip_bomb_on_one_operation_is_a_finding_on_its_requests(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        serve_mock() as mock,
        bomb_server(
            mock.base_url, only=lambda r: r.method == "GET" and r.path.startswith("/api/kittens/")
        ) as bomb,
    ):
        # The default cap: every item answer is read to 8 MiB and refused, side by side;
        # none may stay in memory once refused (a stored finding keeps no body).
        ran = run_command(
            vanceqa("check", *staging_options(bomb.url), "--report-dir", str(out)),
            bound_s=400,
            cwd=tmp_path,
        )
    assert ran.returncode == 1, ran.output[-3000:]
    failures = [r["failure"] for r in conformance_json(out)["results"] if r["failure"]]
    assert any(f["check"] == "response_size" for f in failures)
    assert any("the body passed 8 MiB" in f["message"] for f in failures)
    assert ran.max_rss_mb < MEMORY_CEILING_MB


def test_docs_examples_report_a_bomb_as_a_failed_example(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        serve_mock() as mock,
        bomb_server(mock.base_url, only=lambda r: r.path.startswith("/api/kittens/")) as bomb,
    ):
        ran = run_command(
            vanceqa("docs", "examples", *staging_options(bomb.url), "--report-dir", str(out)),
            bound_s=120,
            cwd=tmp_path,
        )
    assert ran.returncode == 1, ran.output[-3000:]
    examples = json.loads((out / "docs.json").read_text())["examples"]
    bombed = [e for e in examples if "the body passed 8 MiB" in (e["message"] or "")]
    assert bombed, examples
    assert all(e["outcome"] == "failed" for e in bombed)
    assert any(e["outcome"] == "passed" for e in examples)  # the list was not bombed
    assert ran.max_rss_mb < MEMORY_CEILING_MB


# -- the run's own deadline ----------------------------------------------------------------


def test_check_stops_at_its_time_limit_and_keeps_what_it_measured(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with serve_mock(faults=["latency=50ms"]) as mock:
        ran = run_command(
            vanceqa("check", *staging_options(mock.base_url, "--time-limit", "4s"),
                    "--report-dir", str(out)),
            bound_s=180,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode == 3, ran.output[-3000:]
    assert "time limit (4s, --time-limit) passed" in ran.stderr
    document = conformance_json(out)
    assert any(r["outcome"] == "passed" for r in document["results"])
    assert any(
        (r["reason"] or "").startswith("not run: the run's time limit") for r in document["results"]
    )


# -- the same servers against `vanceqa run`: bounded, and its page says what happened ---------


def test_run_against_a_server_silent_after_n_requests(mock: MockServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with silent_after(mock.base_url, 60) as silent:
        ran = run_command(
            vanceqa("run", *staging_options(silent.url, "--request-timeout", "2s"),
                    "--report-dir", str(out)),
            bound_s=300,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode == 3, ran.output[-3000:]
    page = (out / "index.html").read_text()
    assert "stopped answering" in page
    assert conformance_json(out)["results"], "the checks that ran are in the report"


def test_run_with_the_load_phase_against_a_server_slow_after_the_preflight(
    mock: MockServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # The two preflights (vanceqa load's and locust's, two tokens each) are answered, every
    # later request is held 60 s.
    with slow_after(mock.base_url, 4, 60.0) as slow:
        ran = run_command(
            vanceqa("run", *staging_options(slow.url, "--request-timeout", "2s"),
                    "--skip", "check", "--skip", "docs", "--run-time", "4s",
                    "--report-dir", str(out)),
            bound_s=300,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode in (3, 5), ran.output[-3000:]
    load = json.loads((out / "load.json").read_text())
    assert load["stopped_answering"] or load["overrun"]
    page = (out / "index.html").read_text()
    assert "stopped answering" in page or "overran" in page


def test_run_against_a_gzip_bomb_on_one_operation(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        serve_mock() as mock,
        bomb_server(
            mock.base_url, only=lambda r: r.method == "GET" and r.path.startswith("/api/kittens/")
        ) as bomb,
    ):
        ran = run_command(
            vanceqa("run", *staging_options(bomb.url, "--max-body", "1MB"), "--run-time", "3s",
                    "--report-dir", str(out), "--seed", "1"),
            bound_s=600,
            cwd=tmp_path,
        )  # fmt: skip
    assert ran.returncode == 1, ran.output[-3000:]
    page = (out / "index.html").read_text()
    assert "the body passed 1 MiB" in page
    assert ran.max_rss_mb < MEMORY_CEILING_MB
