"""Real capacity searches: `vanceqa capacity` and plain locust against mocks on loopback.

The server of known capacity is the bundled mock with `capacity=8x20ms` (8 requests in
service at once, 20 ms each: 400 req/s at most). Its saturation throughput is measured
in the same test, by offering it twice that; the search must land near it. Every search
is bounded by its own budget; a child still running at the (generous) timeout is killed
and fails the test. No upper bound on any wall clock.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_load_runs import (
    LOCUSTFILE,
    clean_env,
    explain,
    sigint_as_a_terminal_leaves_it,
    target_env,
)
from vanceqa.load.capacity.document import rate_text
from vanceqa.mock.launcher import MockServer, serve_mock

pytestmark = [pytest.mark.socket, pytest.mark.slow]

CAPACITY_FAULT = "capacity=8x20ms"
TIGHT = "p(99) < 100ms"
LOOSE = "p(99) < 5s"


@pytest.fixture(scope="module")
def capacity_mock() -> Iterator[MockServer]:
    with serve_mock(faults=[CAPACITY_FAULT]) as server:
        yield server


def slo_file(folder: Path, *thresholds: str) -> Path:
    path = folder / "slo.toml"
    path.write_text("[overall]\nthresholds = " + json.dumps(list(thresholds)) + "\n")
    return path


def vanceqa_capacity(
    *args: object, cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "vanceqa", "capacity", *(str(a) for a in args)]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def result_of(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "capacity.json").read_text())
    return data


def saturation_rps(mock: MockServer, folder: Path) -> float:
    """What the server completes per second when offered twice its capacity."""
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "vanceqa", "load", "--base-url", mock.base_url, "--shape", "open",
           "--rate", "800", "-t", "8s", "--slo", "none", "--report-dir", str(folder)]  # fmt: skip
    result = subprocess.run(
        cmd, env=target_env(mock), cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, explain(result)
    series = json.loads((folder / "load.json").read_text())["timeseries"]
    middle = [row["rps"] for row in series[2:-2]]  # whole seconds, past the start
    assert len(middle) >= 3, series
    return float(statistics.median(middle))


# No xdist_group here: pytest-xdist's loadgroup schedules every group of several tests
# first, at the suite's start, when every worker is starting servers at once; there the
# search found 191.5 req/s on a server measured at 400 (two CI runs: p99 over 100 ms at
# 200 req/s, on the step and on its recheck). In collection order it passed every run.
def test_the_search_finds_the_capacity_the_server_saturates_at(
    capacity_mock: MockServer, tmp_path: Path
) -> None:
    saturated = saturation_rps(capacity_mock, tmp_path / "saturation")
    assert 300 <= saturated <= 420  # the fault's own figure is 400
    report = tmp_path / "reports"
    result = vanceqa_capacity(
        "--base-url", capacity_mock.base_url, "--slo", slo_file(tmp_path, TIGHT),
        "--start-rate", 100, "--max-rate", 800, "--step-time", "5s", "--warm-up", "2s",
        "--repeats", 1, "--time-budget", "5m", "--report-dir", report,
        cwd=tmp_path, env=target_env(capacity_mock),
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    data = result_of(report)
    assert (data["limited_by"], data["exit_code"], data["status"]) == ("slo", 0, "final")
    ratio = data["capacity_rps"] / saturated
    assert 0.8 <= ratio <= 1.05, (data["answer"], saturated)
    assert data["duration_s"] <= data["settings"]["time_budget_s"]  # within its budget
    assert data["first_broken"]["threshold"] == TIGHT
    assert data["confirmation"]["repeats"] == data["confirmation"]["agreed"] == 1
    judged = [s for s in data["steps"] if s["verdict"] in ("held", "broke")]
    for step in judged:
        assert step["latency_corrected_ms"]["p99"] >= step["latency_ms"]["p99"] * 0.99
        assert step["generator"]["processes"][0]["cpu"] is not None
        assert step["thresholds"][0]["expression"] == TIGHT
    for step in (s for s in judged if s["verdict"] == "held"):
        assert step["achieved_rps"] == pytest.approx(step["rate"], rel=0.1)
    overloaded = max(judged, key=lambda s: s["rate"])
    assert overloaded["verdict"] == "broke"
    # ... at the server's ceiling: it achieved no more than the saturation measured above.
    # (Offered the fault's own 400 req/s, it may achieve 90% of that and still be there.)
    assert overloaded["achieved_rps"] <= saturated * 1.1, (overloaded, saturated)
    assert not overloaded["generator"]["limited"]
    assert f"vanceqa capacity: {data['answer']}" in result.stdout
    assert "limited by: slo" in result.stdout
    assert capacity_mock.api_token not in (report / "capacity.json").read_text()


def test_a_generator_limited_on_purpose_is_reported_as_the_generator(tmp_path: Path) -> None:
    # One locust process asked for far more than it can send, against the fast mock: the
    # server would take it; the generator cannot. Never a capacity of the server.
    result = vanceqa_capacity(
        "--slo", slo_file(tmp_path, TIGHT), "--start-rate", 4000, "--max-rate", 64000,
        "--step-time", "3s", "--warm-up", "1s", "--repeats", 0, "--time-budget", "3m",
        cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    assert result.returncode == 8, explain(result)
    data = result_of(tmp_path / "reports")
    assert data["limited_by"] == "generator"
    limited = [s for s in data["steps"] if s["generator"].get("limited")]
    assert len(limited) >= 2  # the break, and its recheck
    assert all(s["generator"]["why"] for s in limited)
    capacity = data["capacity_rps"]
    if capacity is not None:
        # A rate that held (the start rate may hold on its recheck, near what one process
        # sends here) is only a floor: every break above it was the generator's.
        assert data["answer"].startswith(f"at least {rate_text(capacity)}"), data["answer"]
        above = [s for s in data["steps"] if s["rate"] > capacity and s["verdict"] == "broke"]
        assert above
        assert all(s["generator"]["limited"] for s in above)
    assert "the load generator" in data["answer"]
    assert "add --processes or workers" in result.stdout


def test_the_start_rate_already_breaking(capacity_mock: MockServer, tmp_path: Path) -> None:
    result = vanceqa_capacity(
        "--base-url", capacity_mock.base_url, "--slo", slo_file(tmp_path, TIGHT),
        "--start-rate", 1600, "--max-rate", 3200, "--step-time", "3s", "--warm-up", "1s",
        "--time-budget", "3m", cwd=tmp_path, env=target_env(capacity_mock),
    )  # fmt: skip
    assert result.returncode == 6, explain(result)
    data = result_of(tmp_path / "reports")
    assert (data["limited_by"], data["capacity_rps"]) == ("start_rate", None)
    assert data["first_broken"]["rate"] == 1600
    assert data["answer"].startswith("below 1600 req/s: even the start rate broke")


def test_nothing_breaking_up_to_the_max_rate(capacity_mock: MockServer, tmp_path: Path) -> None:
    result = vanceqa_capacity(
        "--base-url", capacity_mock.base_url, "--slo", slo_file(tmp_path, LOOSE),
        "--start-rate", 50, "--max-rate", 150, "--step-time", "3s", "--warm-up", "1s",
        "--repeats", 1, "--time-budget", "3m", cwd=tmp_path, env=target_env(capacity_mock),
    )  # fmt: skip
    assert result.returncode == 7, explain(result)
    data = result_of(tmp_path / "reports")
    assert (data["limited_by"], data["capacity_rps"]) == ("max_rate", 150)
    assert [s["rate"] for s in data["steps"] if s["phase"] == "ramp"] == [50, 100, 150]
    assert data["answer"] == "at least 150 req/s: nothing broke up to the max rate"


def test_plain_locust_with_workers_runs_the_search(
    capacity_mock: MockServer, tmp_path: Path
) -> None:
    """The distributed path: the master steers two worker processes; the gate is the
    environment's VANCEQA_EXPECT_AT_LEAST, as a CI job would set it."""
    env = target_env(capacity_mock)
    env["VANCEQA_SLO"] = str(slo_file(tmp_path, LOOSE))
    env["VANCEQA_EXPECT_AT_LEAST"] = "100"
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
           "--host", capacity_mock.base_url, "--shape", "capacity", "--rate", "100..200",
           "--step-time", "3s", "--warm-up", "1s", "--repeats", "0", "-t", "120s",
           "--processes", "2", "--report-dir", str(tmp_path)]  # fmt: skip
    result = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, explain(result)  # at least 200 proven: >= 100 expected
    data = result_of(tmp_path)
    assert (data["limited_by"], data["capacity_rps"], data["expectation_met"]) == (
        "max_rate",
        200,
        True,
    )
    assert data["workers"] == 2
    for step in (s for s in data["steps"] if s["verdict"] == "held"):
        assert len(step["generator"]["processes"]) == 2
        # The two workers together offered the rate, not each of them.
        assert step["achieved_rps"] == pytest.approx(step["rate"], rel=0.1)
    # Workers report their counts every few seconds, so a step's last requests may be
    # counted with the next one (on a busy machine); over the run, every one is counted.
    offered = sum(s["rate"] * s["duration_s"] for s in data["steps"])
    assert sum(s["requests"] for s in data["steps"]) == pytest.approx(offered, rel=0.1)
    assert not (tmp_path / "load.json").exists()  # the search writes its own file only
    assert "vanceqa capacity: at least 200 req/s" in result.stdout


def test_an_interrupted_search_keeps_what_it_measured(
    capacity_mock: MockServer, tmp_path: Path
) -> None:
    report = tmp_path / "reports"
    cmd = [sys.executable, "-m", "vanceqa", "capacity", "--base-url", capacity_mock.base_url,
           "--slo", str(slo_file(tmp_path, LOOSE)), "--start-rate", "20", "--max-rate", "300",
           "--step-time", "3s", "--warm-up", "1s", "--time-budget", "5m",
           "--report-dir", str(report)]  # fmt: skip
    process = subprocess.Popen(
        cmd, env=target_env(capacity_mock), cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        preexec_fn=sigint_as_a_terminal_leaves_it,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if len(result_of(report)["steps"]) >= 2:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        assert process.poll() is None, "the search ended before it could be interrupted"
        os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, f"{out}\n{err}"
    data = result_of(report)
    assert (data["status"], data["limited_by"]) == ("final", "interrupted")
    assert len([s for s in data["steps"] if s["verdict"] == "held"]) >= 1
    assert "the run was stopped" in data["answer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-rate", "500", "--max-rate", "100"], "start rate 500 req/s is above"),
        (["--precision", "90%"], "--precision must lie between"),
        (["--max-rps", "100", "--max-rate", "500"], "exceeds --max-rps 100"),
        (["--time-budget", "5s"], "leaves"),
    ],
)
def test_bad_options_are_one_message_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = vanceqa_capacity(*args, cwd=tmp_path, env=clean_env(), timeout=120)
    assert result.returncode == 2, explain(result)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_vanceqa_load_points_to_vanceqa_capacity(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "vanceqa", "load", "--shape", "capacity"]
    result = subprocess.run(
        cmd, env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "--shape capacity runs as `vanceqa capacity`" in result.stderr


def test_vanceqa_run_adds_the_capacity_phase_to_the_page(tmp_path: Path) -> None:
    skips = ["--skip", "check", "--skip", "load", "--skip", "docs"]
    cmd = [sys.executable, "-m", "vanceqa", "run", "--capacity", *skips]
    cmd += ["--capacity-budget", "40s", "--report-dir", "reports"]
    result = subprocess.run(
        cmd, env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=400
    )
    data = result_of(tmp_path / "reports")
    assert data["status"] == "final", explain(result)
    assert data["limited_by"] in ("time_budget", "generator", "max_rate")  # the mock is fast
    page = (tmp_path / "reports" / "index.html").read_text()
    assert '<section id="capacity">' in page
    assert result.returncode == 0, explain(result)  # a bound is a measurement, not a failure


def test_sigterm_during_any_shape_run_keeps_what_it_measured(
    capacity_mock: MockServer, tmp_path: Path
) -> None:
    """locust 2.47 handles SIGTERM only once a shape ended; the plugin does it before."""
    log = tmp_path / "locust.log"
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
           "--host", capacity_mock.base_url, "--shape", "open", "--rate", "50", "-t", "120s",
           "--slo", "none", "--report-dir", str(tmp_path)]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            cmd, env=target_env(capacity_mock), cwd=tmp_path, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                if "open model:" in log.read_text():
                    break
                time.sleep(0.2)
            time.sleep(2)  # some requests answered
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    text = log.read_text()
    assert process.returncode >= 0, text[-3000:]  # not killed by the signal
    assert "SIGTERM: stopping the run" in text
    data = json.loads((tmp_path / "load.json").read_text())
    assert data["overall"]["requests"] > 0
    assert data["stopped_early"] is not None
