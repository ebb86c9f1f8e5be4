"""The load test against servers that treat it badly: every run ends by itself, keeps
what it measured in load.json, says why it ended, and exits with its documented code.

The wall-time bound is asserted without an upper bound on a clock: each process gets
`run_bound_s` (the bound `vanceqa load` documents for its options); a process still
running then is killed and the test fails. Memory is read from the kernel's account of
the finished process tree (`wait4`), not sampled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import clean_env as shared_clean_env
from tests.hostile.conftest import measured
from tests.hostile.load_servers import BOMB_INFLATED, hostile_server
from vanceqa.load.options import run_bound_s
from vanceqa.target import DEFAULT_REQUEST_TIMEOUT_S

pytestmark = [pytest.mark.socket, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"
TOKEN = "vq-hostile-load-token-5150"
RUN_TIME_S = 5.0
BOUND_S = run_bound_s(RUN_TIME_S, DEFAULT_REQUEST_TIMEOUT_S)


def clean_env(**extra: str) -> dict[str, str]:
    """The shared clean environment, with this module's token (`extra` wins)."""
    return shared_clean_env(**{"VANCEQA_API_TOKEN": TOKEN, **extra})


@dataclass
class Finished:
    code: int
    out: str
    err: str
    max_rss_kib: int  # the largest process of the tree, as the kernel counted it

    def explain(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out[-3000:]}\n--- stderr\n{self.err[-5000:]}"


def run_bounded(cmd: list[str], cwd: Path, env: dict[str, str], bound: float) -> Finished:
    """Run `cmd`; kill it (and fail the test) if it is still running after `bound` s."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    rss = cwd / "max-rss-kib.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            measured(cmd, rss), cwd=cwd, env=env, stdout=out, stderr=err,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + bound
    while True:
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.killpg(process.pid, 9)
            os.waitpid(process.pid, 0)
            pytest.fail(f"still running after {bound:.0f}s: {' '.join(cmd)}\n"
                        + err_path.read_text()[-4000:])  # fmt: skip
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = int(rss.read_text()) if rss.exists() else 0
    return Finished(process.returncode, out_path.read_text(), err_path.read_text(), peak)


def vanceqa_load(base_url: str, cwd: Path, *args: object) -> Finished:
    cmd = [sys.executable, "-m", "vanceqa", "load", "--base-url", base_url]
    cmd += ["-t", f"{RUN_TIME_S:g}s", "--report-dir", str(cwd), *map(str, args)]
    return run_bounded(cmd, cwd, clean_env(), BOUND_S)


def plain_locust(base_url: str, cwd: Path, *args: object) -> Finished:
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    cmd += ["-H", base_url, "-t", f"{RUN_TIME_S:g}s", "--report-dir", str(cwd), *map(str, args)]
    return run_bounded(cmd, cwd, clean_env(), BOUND_S)


def load_json(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "load.json").read_text())
    return data


def assert_clean(result: Finished) -> None:
    assert "Traceback" not in result.err, result.explain()
    assert "KeyboardInterrupt" not in result.err, result.explain()
    assert TOKEN not in result.out + result.err


ENTRY_POINTS = {"vanceqa load": vanceqa_load, "plain locust": plain_locust}
# Requests the preflights send with one token: `vanceqa load`'s and locust's own.
PREFLIGHTS = {"vanceqa load": 2, "plain locust": 1}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_a_target_that_stops_answering_after_the_preflight(
    tmp_path: Path, entry: str, mode: str
) -> None:
    """1 byte/s (or nothing at all) after two good answers: the run still ends on time,
    counts what was cut off, says the target stopped answering, and exits 3."""
    with hostile_server(mode, good=PREFLIGHTS[entry]) as server:
        result = ENTRY_POINTS[entry](server.base_url, tmp_path)
    assert result.code == 3, result.explain()
    assert_clean(result)
    data = load_json(tmp_path)
    assert data["exit_code"] == 3
    assert data["stopped_answering"].startswith("the target stopped answering: no answer at all")
    overall = data["overall"]
    assert overall["cut_off"] >= 1  # the users' requests, still waiting at the end
    assert overall["failures"] == 0  # a cut-off request is not a failure: it may be late
    assert "stopped: the target stopped answering" in result.out
    assert TOKEN not in (tmp_path / "load.json").read_text()


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_a_target_dripping_from_the_start_fails_the_preflight_in_bounded_time(
    tmp_path: Path, entry: str
) -> None:
    with hostile_server("drip", good=0) as server:
        result = ENTRY_POINTS[entry](server.base_url, tmp_path, "--request-timeout", "2s")
    assert result.code == 3, result.explain()
    assert_clean(result)
    assert "cannot reach" in result.err
    assert not (tmp_path / "load.json").exists()  # nothing was measured: nothing to keep


def test_a_short_deadline_turns_a_slow_answer_into_a_failure_with_its_reason(
    tmp_path: Path,
) -> None:
    with hostile_server("drip", good=2) as server:
        result = vanceqa_load(server.base_url, tmp_path, "--request-timeout", "1s")
    assert result.code == 3, result.explain()  # no answer in the run's last 1 s either
    data = load_json(tmp_path)
    reasons = data["operations"]["listKittens"]["failures_by_reason"]
    assert reasons == {"no complete answer within 1s (--request-timeout)": pytest.approx(
        data["operations"]["listKittens"]["failures"])}  # fmt: skip
    assert data["operations"]["listKittens"]["unanswered"] >= 2


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_a_gzip_bomb_costs_at_most_max_body(tmp_path: Path, entry: str) -> None:
    """1 GiB of zeros in 1 MB of gzip, on every answer after the preflight."""
    with hostile_server("bomb", good=PREFLIGHTS[entry]) as server:
        result = ENTRY_POINTS[entry](server.base_url, tmp_path, "--max-body", "1MiB")
    assert result.code == 4, result.explain()  # error_rate < 1% of the default SLOs
    assert_clean(result)
    data = load_json(tmp_path)
    listing = data["operations"]["listKittens"]
    assert listing["requests"] > 0
    assert listing["failures_by_reason"] == {
        "response body over 1 MiB after decompression (--max-body)": listing["failures"]
    }
    assert listing["failures"] == listing["requests"]
    # No process of the tree came near the bomb's size (geventhttpclient alone would
    # have inflated each answer whole).
    assert result.max_rss_kib * 1024 < BOMB_INFLATED / 4, result.max_rss_kib


OVERRUNNING = '''
import gevent
from locust import task

from vanceqa.load.plugin import VanceqaShape
from vanceqa.load.users import ContractUser


class SlowTaskUser(ContractUser):
    """A scenario whose task outlives any run (locust waits for it with --stop-timeout)."""

    scenario = "browse"

    @task
    def long_task(self):
        self.call("listKittens", "/api/kittens")
        gevent.sleep(600)
'''


def test_a_run_that_will_not_stop_is_stopped_by_its_deadline(tmp_path: Path) -> None:
    """Users that ignore the stop (a long task and --stop-timeout 600): the run's own
    deadline stops it STOP_GRACE_S after its run time, writes load.json, exits 5."""
    locustfile = tmp_path / "overrunning.py"
    locustfile.write_text(OVERRUNNING)
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary"]
    cmd += ["-t", "3s", "--stop-timeout", "600", "--report-dir", str(tmp_path), "--slo", "none"]
    result = run_bounded(cmd, tmp_path, clean_env(VANCEQA_API_TOKEN=""), run_bound_s(3, 10))
    assert result.code == 5, result.explain()
    assert_clean(result)
    data = load_json(tmp_path)
    assert data["exit_code"] == 5
    assert data["overrun"].startswith("still running 13s after the start (run time 3s)")
    assert data["overall"]["requests"] >= 1
    assert "overran: still running" in result.out


STUBBORN = '''
import gevent
from locust import task

from vanceqa.load.plugin import VanceqaShape
from vanceqa.load.users import ContractUser


class StubbornUser(ContractUser):
    """A scenario that survives every kill (a bug no locustfile should have)."""

    scenario = "browse"

    @task
    def stubborn(self):
        self.call("listKittens", "/api/kittens")
        while True:
            try:
                gevent.sleep(600)
            except gevent.GreenletExit:
                pass
'''


def test_users_that_survive_a_kill_still_do_not_keep_the_process(tmp_path: Path) -> None:
    """Locust itself would wait for them forever: the run's deadline writes load.json and
    ends the process 2 x STOP_GRACE_S after the run time."""
    locustfile = tmp_path / "stubborn.py"
    locustfile.write_text(STUBBORN)
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary"]
    cmd += ["-t", "3s", "--report-dir", str(tmp_path), "--slo", "none"]
    result = run_bounded(cmd, tmp_path, clean_env(VANCEQA_API_TOKEN=""), run_bound_s(3, 10))
    assert result.code == 5, result.explain()
    assert_clean(result)
    data = load_json(tmp_path)
    assert data["exit_code"] == 5
    assert data["overrun"].startswith("still running 13s after the start")
    assert data["overall"]["requests"] >= 1
    assert "overran: still running" in result.out
