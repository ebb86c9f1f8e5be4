"""Requests side by side: bounded by --concurrency, under one --max-rps, judged in order,
and the suite's reports the same whether requests go one at a time or side by side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from vanceqa.client import Exchange, TargetClient, wait_all
from vanceqa.conformance.plugin import Deferred
from vanceqa.conformance.session import mock_delete_ids
from vanceqa.errors import Finding
from vanceqa.mock.data import load_dataset
from vanceqa.mock.launcher import serve_mock
from vanceqa.pacing import StillThrottled
from vanceqa.resources import conformance_dir
from vanceqa.target import TargetConfig, clean_environment


def client(concurrency: int, handler, **options: object) -> TargetClient:  # type: ignore[no-untyped-def]
    target = TargetConfig(
        base_url="http://api.test", api_token="t", concurrency=concurrency, **options
    )  # type: ignore[arg-type]
    return TargetClient(target, transport=httpx.MockTransport(handler))


def test_requests_go_side_by_side_never_more_than_the_concurrency() -> None:
    together = threading.Barrier(4, timeout=30)  # four must be in flight at once to pass
    lock = threading.Lock()
    in_flight = peak = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        if int(request.url.path.rsplit("/", 1)[1]) < 4:
            together.wait()
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json={})

    with client(4, handler) as c:
        statuses = c.map(lambda i: c.get(f"/api/kittens/{i}").status, range(24))
    assert statuses == [200] * 24
    assert peak == 4


def test_max_rps_holds_across_threads() -> None:
    with client(8, lambda r: httpx.Response(200, json=[]), max_rps=20) as c:
        started = time.monotonic()
        c.map(lambda _: c.get("/api/kittens"), range(11))
        # 11 requests at 20/s need at least 10 intervals of 50 ms, however many threads.
        assert time.monotonic() - started >= 0.45


def test_map_raises_the_first_error_in_order_after_every_call_ended() -> None:
    ended: list[int] = []

    def work(i: int) -> int:
        time.sleep(0.05 if i == 0 else 0)
        ended.append(i)
        if i in (0, 3):
            raise ValueError(f"failure {i}")
        return i

    with (
        client(4, lambda r: httpx.Response(200)) as c,
        pytest.raises(ValueError, match="failure 0"),
    ):
        c.map(work, range(6))
    assert sorted(ended) == list(range(6))
    assert wait_all([]) == []


def _exchange(status: int) -> Exchange:
    return Exchange("GET", "http://api.test/", {}, status, httpx.Headers(), b"", 0.0)


def _finding(n: int) -> Finding:
    return Finding(check="x", behaviour=f"finding {n}")


def test_deferred_checks_fail_on_the_first_finding_and_count_the_rest() -> None:
    def fail(n: int) -> None:
        if n == 1:
            raise StillThrottled(_exchange(429), 8)
        if n in (2, 4):
            raise _finding(n)

    with client(4, lambda r: httpx.Response(200)) as c:
        deferred = Deferred(c)
        for n in range(6):
            deferred(fail, n)
        with pytest.raises(Finding) as info:
            deferred.settle()
        # A finding wins over an earlier 429 (which alone would skip the check), and the
        # first in submission order is the one reported.
        assert info.value.behaviour == "finding 2"
        assert "1 more requests of this check failed too" in str(info.value)
        deferred(fail, 1)
        with pytest.raises(StillThrottled):
            deferred.settle()
        deferred(fail, 0)
        deferred.settle()  # nothing failed: nothing raised


def _suite(tmp_path: Path, concurrency: int, *extra: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / f"c{concurrency}.json"
    with serve_mock() as mock:
        target = mock.target(destructive=True, delete_ids=mock_delete_ids(load_dataset()))
        env = clean_environment() | target.to_env() | {"VANCEQA_CONCURRENCY": str(concurrency)}
        subprocess.run(
            [sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p",
             "no:cacheprovider", f"--conformance-json={out}", "--hypothesis-seed=3", *extra],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    return json.loads(out.read_text())


@pytest.mark.socket
@pytest.mark.slow
def test_the_reports_are_the_same_one_at_a_time_or_side_by_side(tmp_path: Path) -> None:
    quick = ("--hypothesis-profile", "conformance-quick")
    alone, together = _suite(tmp_path, 1, *quick), _suite(tmp_path, 8, *quick)

    def rows(document: dict) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
        return [
            (r["nodeid"], r["operation"], r["check"], r["outcome"]) for r in document["results"]
        ]

    assert rows(alone) == rows(together)
    assert together["summary"]["failed"] == 0
    assert together["summary"]["passed"] > 100


@pytest.mark.socket
@pytest.mark.slow
def test_the_state_machine_runs_its_lanes_on_mocks_of_their_own(tmp_path: Path) -> None:
    # A plugin that writes down, at the end, what each sandbox mock's client sent.
    plugin = tmp_path / "lanes_plugin.py"
    record = tmp_path / "lanes.json"
    plugin.write_text(
        "import json\n"
        "from vanceqa.conformance.plugin import STATE\n"
        "def pytest_sessionfinish(session):\n"
        "    s = session.config.stash[STATE].session\n"
        "    lanes = [(m.base_url, c.stats.requests) for m, c in s._sandboxes]\n"
        "    from pathlib import Path\n"
        f"    Path({str(record)!r}).write_text(json.dumps(lanes))\n"
    )
    with serve_mock():  # a neighbour the lanes must not touch: nothing is asked of it
        env = clean_environment() | {
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
        }
        done = subprocess.run(
            [sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p",
             "no:cacheprovider", "-p", "lanes_plugin", "-k", "state_machine"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lanes = json.loads(record.read_text())
    assert len(lanes) == 4
    assert len({url for url, _ in lanes}) == 4
    assert all(sent > 10 for _, sent in lanes), lanes
