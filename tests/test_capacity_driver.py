"""The search in time, against a simulated run: steps offered, drained, judged, within budget.

`SimulatedRun` stands in for locust (driver.SearchRun): a server of known capacity whose
latency grows past it, requests recorded into a real Collector and Aggregate, a generator
probe's snapshots, a clock the test moves. The `capacity` shape from the registry drives it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from vanceqa.contract import default_contract
from vanceqa.load.capacity import document
from vanceqa.load.capacity.search import TIME_BUDGET
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.outcome import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OVERRUN,
    EXIT_TIME_BUDGET,
    EXIT_UNAVAILABLE,
)
from vanceqa.load.shapes import Capacity, plan_shape
from vanceqa.load.slo import SLO, parse_threshold
from vanceqa.report import schemas
from vanceqa.report.result_files import read_json_file

OPS = default_contract().operation_ids()


class SimulatedRun:
    """A server of `capacity` req/s (20 ms each; past it, a queue that grows), and us."""

    def __init__(
        self,
        capacity: float,
        slo: str = "p(99) < 100ms",
        drain_s: float = 1.0,
        service_s: float = 0.02,
    ) -> None:
        self.capacity = capacity
        self.service_s = service_s
        self.slo = SLO("test", (parse_threshold(slo),))
        self.request_timeout_s = 10.0
        self.max_lateness_s = 5.0
        self.report_lag_s = 0.0
        self.now = 1_700_000_000.0
        self.collector = Collector(lambda: self.now)
        self.agg = Aggregate(OPS)
        self.rate, self.until, self.offer_started = 0.0, 0.0, 0.0
        self.drain_s = drain_s  # how long an overloaded step's backlog takes after it
        self.backlog: list[tuple[float, int]] = []  # (answered at, latency us)
        self.scheduled = self.finished = 0
        self.timeline: list[dict[str, Any]] = []
        self.published: list[dict[str, Any]] = []
        self.rates: list[tuple[float, float]] = []

    # -- driver.SearchRun -----------------------------------------------------------------
    def clock(self) -> float:
        return self.now

    def aggregate(self) -> Aggregate:
        return self.agg

    def refresh(self) -> None:
        self.timeline.append(
            {
                "at": self.now,
                "cpu_s": 0.2 * len(self.timeline),
                "busy_s": 0.3 * len(self.timeline),
                "scheduled": self.scheduled,
                "dropped": 0,
                "finished": self.finished,
                "lags_ms": [0.5, 0.7],
            }
        )
        self.agg.add(self.collector.delta())

    def generators(self) -> dict[str, list[dict[str, Any]]]:
        return {"local": self.timeline}

    def set_rate(self, rate: float, duration_s: float) -> None:
        self.rate, self.until, self.offer_started = rate, self.now + duration_s, self.now
        self.rates.append((rate, duration_s))

    def publish(self, data: dict[str, Any]) -> None:
        self.published.append(data)

    def describe(self) -> dict[str, Any]:
        return {
            "target": {"base_url": "http://127.0.0.1:1", "mock": True},
            "started_at": "2026-01-01T00:00:00Z",
            "workers": 1,
        }

    # -- the simulation --------------------------------------------------------------------
    def advance(self, seconds: float = 1.0) -> None:
        """Time passes: arrivals at the rate while it is offered, answers as they come."""
        end = self.now + seconds
        while self.now < end:
            step = 0.01
            if self.rate > 0 and self.now < self.until:
                arrivals = self.rate * step
                whole = math.floor(arrivals + self._carry)
                self._carry = arrivals + self._carry - whole
                into = self.now - self.offer_started
                over = max(0.0, self.rate / self.capacity - 1.0)
                latency = self.service_s + over * into  # the queue grows with the excess
                for _ in range(whole):
                    self.scheduled += 1
                    answered = self.now + latency
                    if over and answered > self.until:
                        answered = self.until + self.drain_s  # the backlog drains later
                    self.backlog.append((answered, int(latency * 1e6)))
            ready = [b for b in self.backlog if b[0] <= self.now]
            self.backlog = [b for b in self.backlog if b[0] > self.now]
            for answered, latency_us in ready:
                self.collector.record("getKitten", latency_us, latency_us, None, False, answered)
                self.finished += 1
            self.now += step

    _carry = 0.0


def drive(shape: Capacity, run: SimulatedRun, limit_s: float = 2000) -> float:
    """Call the shape once a simulated second until it ends; returns when (its t)."""
    shape.start(run)
    t = 0.0
    while shape.at(t) is not None:
        assert t < limit_s, "the search never ended"
        run.advance(1.0)
        t += 1.0
    return t


def plan(rate: str = "50..800", budget: float = 600, **extra: str) -> Capacity:
    shape = plan_shape(
        "capacity",
        rate=rate,
        run_time_s=budget,
        extra={"step_time": "4s", "warm_up": "2s", "repeats": "1", **extra},
    )
    assert isinstance(shape, Capacity)
    return shape


def test_a_search_finds_the_capacity_and_writes_a_valid_document(tmp_path: Path) -> None:
    run = SimulatedRun(capacity=400)
    shape = plan()
    ended = drive(shape, run)
    code, lines = shape.conclude(EXIT_OK, ended_by_itself=True) or (None, [])
    final = run.published[-1]
    assert (code, final["exit_code"], final["status"]) == (EXIT_OK, EXIT_OK, "final")
    assert final["limited_by"] == "slo"
    capacity = final["capacity_rps"]
    assert 400 / 1.05 <= capacity <= 400
    assert final["broke_at_rps"] <= capacity * 1.05
    assert final["first_broken"]["threshold"] == "p(99) < 100ms"
    assert final["confirmation"] == {
        "rate": capacity,
        "repeats": 1,
        "agreed": 1,
        "failed_candidates": 0,
    }
    assert final["duration_s"] <= final["settings"]["time_budget_s"]
    assert ended < 600
    # Every step: offered and achieved rate, both latencies, errors, the generator, verdicts.
    for step in final["steps"]:
        assert step["verdict"] in ("warm-up", "held", "broke")
        assert {"p50", "p90", "p95", "p99", "p99.9", "max"} <= set(step["latency_ms"])
        assert {"p50", "p99", "max"} <= set(step["latency_corrected_ms"])
        assert step["generator"]["processes"][0]["name"] == "local"
        assert step["generator"]["busy_max"] == pytest.approx(0.3, rel=0.05)
        assert {t["expression"] for t in step["thresholds"]} == {
            "p(99) < 100ms",
            "achieved >= 90% of offered",
        }
        assert step["requests"] == pytest.approx(step["rate"] * step["duration_s"], abs=10)
    held = [s for s in final["steps"] if s["verdict"] == "held"]
    assert all(s["achieved_rps"] == pytest.approx(s["rate"], rel=0.05) for s in held)
    # The locust side was asked for each step's rate for exactly its duration.
    assert run.rates[0] == (50, 2.0)
    assert all(duration == 4.0 for _, duration in run.rates[1:])
    path = document.write(final, tmp_path, secrets=())
    read_json_file(path, schemas.CAPACITY)  # what the report relies on
    assert lines[0] == f"vanceqa capacity: {final['answer']}"
    assert lines[-1] == "exit code 0"
    assert len(lines) <= 30  # one screen


def test_progress_is_published_as_each_step_starts_and_ends() -> None:
    run = SimulatedRun(capacity=400)
    shape = plan()
    drive(shape, run)
    first = run.published[0]
    assert first["status"] == "searching"
    assert first["running"] == {"step": 1, "phase": "warm-up", "rate": 50.0}
    assert first["capacity_rps"] is None
    assert first["limited_by"] is None
    counts = [len(p["steps"]) for p in run.published]
    assert counts == sorted(counts)


def test_an_overloaded_step_is_judged_after_its_backlog_drained() -> None:
    run = SimulatedRun(capacity=400, drain_s=3.0)
    shape = plan()
    drive(shape, run)
    steps = run.published[-1]["steps"]
    overloaded = next(s for s in steps if s["rate"] == 800)
    assert overloaded["verdict"] == "broke"
    assert overloaded["drain_s"] >= 3.0  # it waited for the last answers
    assert overloaded["requests"] == pytest.approx(800 * 4, abs=10)  # all of them, none lost
    assert overloaded["note"] is None


def test_a_step_that_never_drains_is_judged_at_the_gap_limit_and_says_so() -> None:
    run = SimulatedRun(capacity=400, drain_s=1000.0)
    shape = plan(rate="800..800", repeats="0")
    drive(shape, run, limit_s=200)
    step = next(s for s in run.published[-1]["steps"] if s["phase"] != "warm-up")
    assert step["drain_s"] == pytest.approx(17.0, abs=1.01)  # 10 + 5 + 0 + 2
    assert "still in flight when judged" in step["note"]


def test_the_search_ends_within_its_budget() -> None:
    run = SimulatedRun(capacity=400)
    shape = plan(budget=30)
    ended = drive(shape, run)
    assert ended <= 30
    code, _ = shape.conclude(EXIT_OK, ended_by_itself=True) or (None, [])
    final = run.published[-1]
    assert (code, final["limited_by"]) == (EXIT_TIME_BUDGET, TIME_BUDGET)
    for step in final["steps"]:  # no step was started that could not end in time
        assert step["started_s"] + step["duration_s"] + step["drain_s"] <= 30
    assert (final["capacity_rps"], final["broke_at_rps"]) == (400, 800)
    assert final["answer"] == "between 400 req/s and 800 req/s: the time budget ran out first"


def test_an_interrupted_search_keeps_its_steps_and_marks_the_one_cut() -> None:
    run = SimulatedRun(capacity=400)
    shape = plan()
    shape.start(run)
    t = 0.0
    while (
        not run.published or len(run.published[-1]["steps"]) < 3 or not run.published[-1]["running"]
    ):
        shape.at(t)
        run.advance(1.0)
        t += 1
    code, lines = shape.conclude(EXIT_OK, ended_by_itself=False) or (None, [])
    final = run.published[-1]
    assert (code, final["limited_by"]) == (EXIT_INTERRUPTED, "interrupted")
    assert final["steps"][-1]["verdict"] == "cut"
    assert "the run was stopped" in final["answer"]
    assert lines[-1] == f"exit code {EXIT_INTERRUPTED}"


def test_the_run_s_own_code_speaks_first() -> None:
    run = SimulatedRun(capacity=400)
    shape = plan()
    shape.start(run)
    for t in range(12):  # stopped from outside, mid-search
        shape.at(float(t))
        run.advance(1.0)
    code, _ = shape.conclude(EXIT_UNAVAILABLE, ended_by_itself=False) or (None, [])
    assert code == EXIT_UNAVAILABLE
    assert run.published[-1]["exit_code"] == EXIT_UNAVAILABLE
    overran = plan()
    drive(overran, SimulatedRun(capacity=400))
    assert (overran.conclude(EXIT_OVERRUN, ended_by_itself=True) or (None,))[0] == EXIT_OVERRUN


def test_a_last_step_s_own_timeouts_are_not_a_target_gone() -> None:
    """The run's judge saw no answer in its last seconds: the final step's tail timing out
    while it drained. That step got answers and was judged: the search's code stands."""
    run = SimulatedRun(capacity=400)
    shape = plan()
    drive(shape, run)
    code, _ = shape.conclude(EXIT_UNAVAILABLE, ended_by_itself=True) or (None, [])
    assert code == EXIT_OK


def pools(run: SimulatedRun, shape: Capacity) -> list[int]:
    shape.start(run)
    users: list[int] = []
    t = 0.0
    while (step := shape.at(t)) is not None:
        users.append(step[0])
        run.advance(1.0)
        t += 1
    return users


def test_the_pool_grows_before_a_higher_step_and_never_shrinks() -> None:
    users = pools(SimulatedRun(capacity=10_000), plan(rate="100..1600"))
    assert users == sorted(users)
    assert users[-1] == math.ceil(1600 * 0.1) + 10  # 20 ms answers: 100 ms of arrivals


def test_the_pool_follows_the_latency_measured_within_the_slo_s_limits() -> None:
    slow = SimulatedRun(capacity=10_000, slo="p(99) < 5s", service_s=0.1)
    assert pools(slow, plan(rate="100..400"))[-1] == pytest.approx(400 * 0.3 + 10, abs=2)
    tight = SimulatedRun(capacity=10_000, slo="p(99) < 100ms", service_s=0.09)
    assert pools(tight, plan(rate="100..400"))[-1] == math.ceil(400 * 0.15) + 10  # the SLO's


def test_without_a_start_the_shape_is_a_plain_bounded_shape() -> None:
    shape = plan(budget=60)
    assert shape.at(0) == (shape.users, shape.spawn_rate)
    assert shape.at(60) is None
    assert shape.conclude(EXIT_OK, ended_by_itself=True) is None
