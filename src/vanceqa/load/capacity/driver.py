"""The search in time: each step offered, drained, measured and judged, within the budget.

The `capacity` shape hands its `at(t)` (once a second, on the master or lone process) to a
`Driver`. A step is:

    offer    the locust side sends the step's rate for exactly its duration
    drain    rate 0 until every generator process reports nothing in flight (every
             request the step scheduled answered, failed or dropped), at most MAX_GAP
    judge    its numbers are the cumulative totals now minus those at the last judgement

so no step sees another's requests, and the next starts on an idle server. A step is
started only if it fits in what is left of the budget (its duration plus the longest
drain so far); the run's own deadline is the budget, so the search ends within it.
Pure: it talks to locust only through `SearchRun` (implemented in `live`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vanceqa.load.capacity import document
from vanceqa.load.capacity.search import (
    INTERRUPTED,
    TIME_BUDGET,
    WARM_UP,
    Planned,
    Result,
    Search,
)
from vanceqa.load.capacity.step import (
    Probe,
    Snapshot,
    between,
    completed,
    generator_numbers,
    in_flight,
    judge,
    pool_seconds,
    take,
)
from vanceqa.load.hdr import summary_ms
from vanceqa.load.metrics import OVERALL, Aggregate
from vanceqa.load.outcome import EXIT_UNAVAILABLE
from vanceqa.load.slo import SLO

log = logging.getLogger("vanceqa.load")

GAP_ALLOWANCE_S = 2.0  # a drain also waits for the next numbers of each process
INITIAL_LATENCY_S = 0.05
POOL_LATENCIES = 3.0


class SearchRun(Protocol):
    """What the driver needs of the locust run."""

    slo: SLO | None
    request_timeout_s: float
    max_lateness_s: float
    report_lag_s: float  # how old a worker's latest numbers may be (0: a lone process)

    def clock(self) -> float: ...  # wall-clock seconds, as the per-second series count

    def aggregate(self) -> Aggregate: ...

    def refresh(self) -> None: ...  # a lone process folds its numbers now

    def generators(self) -> Mapping[str, Sequence[Probe]]: ...

    def set_rate(self, rate: float, duration_s: float) -> None: ...  # then back to 0

    def publish(self, data: dict[str, Any]) -> None: ...  # capacity.json, redacted

    def describe(self) -> dict[str, Any]: ...  # target, connection, workers, seed, versions


class Plan(Protocol):
    """The `capacity` shape's settings."""

    rate_from: float
    rate_to: float
    run_time_s: float
    step_time_s: float
    warm_up_s: float
    precision: float
    repeats: int
    expect_at_least: float | None


@dataclass
class _Step:
    number: int
    planned: Planned
    started: float  # wall clock
    started_t: float  # seconds since the search began
    duration_s: float

    @property
    def offer_end(self) -> float:
        return self.started + self.duration_s


class Driver:
    def __init__(self, plan: Plan, run: SearchRun) -> None:
        self.plan = plan
        self.run = run
        self.search = Search(
            plan.rate_from,
            plan.rate_to,
            plan.precision,
            plan.repeats,
            warm_up=plan.warm_up_s > 0,
        )
        self.pool_s = pool_seconds(run.slo, run.request_timeout_s)
        self.latency_s = INITIAL_LATENCY_S  # the server's raw p99, as last measured
        self.users = self.pool_for(plan.rate_from)
        self.before = Snapshot()
        self.steps: list[dict[str, Any]] = []
        self.current: _Step | None = None
        self.gaps: list[float] = []
        self.done = False
        self.last_t = 0.0
        self.last_document: dict[str, Any] = {}

    def pool_for(self, rate: float) -> int:
        """Users for a rate, by Little's law: its arrivals over three times the latency last
        measured (at least 100 ms, at most what the SLO's latency limits allow), plus ten.
        A pool too small shows as requests sent late while the server held: the step is
        then rechecked, with the pool sized from its own latencies."""
        covered = min(self.pool_s, max(0.1, POOL_LATENCIES * self.latency_s))
        return math.ceil(rate * covered) + 10

    @property
    def max_gap_s(self) -> float:
        run = self.run
        return run.request_timeout_s + run.max_lateness_s + run.report_lag_s + GAP_ALLOWANCE_S

    def expected_gap_s(self) -> float:
        return max([1.0 + self.run.report_lag_s + 1.0, *self.gaps])

    # -- each second --------------------------------------------------------------------------
    def at(self, t: float) -> tuple[int, float] | None:
        """(users, spawn rate) for the shape, or None: the search is over."""
        if self.done:
            return None
        self.last_t = t
        now = self.run.clock()
        if t >= self.plan.run_time_s:
            self._stop(TIME_BUDGET, "the time budget ran out")
            return None
        step = self.current
        if step is not None:
            self.run.refresh()  # each second: the generator's numbers cover the whole step
        if (
            step is not None
            and now >= step.offer_end
            and (self._drained(step) or now - step.offer_end >= self.max_gap_s)
        ):
            self.current = None
            self._judge(step, now)
        if self.current is None and not self._start_next(t, now):
            return None
        return self.users, float(max(100, self.users))  # the pool within a second

    def _start_next(self, t: float, now: float) -> bool:
        planned = self.search.next()
        if planned is None:
            self.done = True
            self._publish()
            return False
        users = self.pool_for(planned.rate)
        if users > self.users:  # spawn the users first; the step starts next second
            self.users = users
            return True
        duration = self.plan.warm_up_s if planned.phase == WARM_UP else self.plan.step_time_s
        if t + duration + self.expected_gap_s() > self.plan.run_time_s:
            self._stop(TIME_BUDGET, f"no time left in the budget for a {duration:g}s step")
            return False
        number = len(self.steps) + 1
        self.current = _Step(number, planned, now, t, duration)
        self.run.set_rate(planned.rate, duration)
        log.info(
            "vanceqa capacity: step %d (%s): %.4g req/s for %gs",
            number,
            planned.phase,
            planned.rate,
            duration,
        )
        self._publish()
        return True

    def _drained(self, step: _Step) -> bool:
        timelines = self.run.generators()
        if not timelines:
            return False
        for probes in timelines.values():
            latest = probes[-1] if probes else None
            if latest is None or latest["at"] <= step.offer_end or in_flight(latest) > 0:
                return False
        return True

    def _stop(self, why: str, message: str) -> None:
        self.search.stop(why)
        self.done = True
        log.info("vanceqa capacity: search stopped: %s", message)
        self._publish()

    # -- judging a step -----------------------------------------------------------------------
    def _judge(self, step: _Step, now: float) -> None:
        aggregate = self.run.aggregate()
        snapshot = take(aggregate)
        order = aggregate.order
        numbers = between(self.before, snapshot, order)
        raw = between(self.before, snapshot, order, corrected=False)
        self.before = snapshot
        count, seconds = completed(aggregate, step.started, step.offer_end)
        timelines = self.run.generators()
        generator = generator_numbers(timelines, step.started, step.offer_end)
        waiting = sum(in_flight(p[-1]) for p in timelines.values() if p)
        verdict = judge(
            slo=self.run.slo,
            step=numbers,
            raw=raw,
            offered=step.planned.rate,
            completed_count=count,
            seconds=seconds,
            generator=generator,
            pool=self.users,
        )
        warm_up = step.planned.phase == WARM_UP
        overall = numbers.totals(OVERALL)
        assert overall is not None
        self.gaps.append(now - step.offer_end)
        raw_p99 = (summary_ms(overall.raw) or {}).get("p99")
        if raw_p99 is not None:
            self.latency_s = raw_p99 / 1000.0
        self.steps.append(
            {
                "step": step.number,
                "phase": step.planned.phase,
                "rate": round(step.planned.rate, 3),
                "achieved_rps": round(count / seconds, 3) if seconds else None,
                "started_s": round(step.started_t, 3),
                "duration_s": step.duration_s,
                "drain_s": round(now - step.offer_end, 3),
                "users": self.users,
                "requests": overall.requests,
                "failures": overall.failures,
                "errors_by_reason": dict(overall.reasons.most_common()),
                "throttled": overall.throttled,
                "dropped": overall.dropped,
                "unanswered": overall.unanswered,
                "latency_ms": summary_ms(overall.raw),
                "latency_corrected_ms": summary_ms(overall.corrected),
                "generator": {
                    **generator,
                    "limited": verdict.generator,
                    "why": verdict.why_generator,
                },
                "thresholds": verdict.thresholds,
                "broken": verdict.broken,
                "decisive": verdict.decisive,
                "verdict": "warm-up" if warm_up else ("held" if verdict.held else "broke"),
                "note": (
                    f"{waiting} request(s) still in flight when judged (drain cut at "
                    f"{self.max_gap_s:g}s): they count in the next step"
                    if waiting > 0
                    else None
                ),
            }
        )
        self.search.record(
            step.planned, Result(verdict.held or warm_up, verdict.generator, verdict.decisive)
        )
        log.info(
            "vanceqa capacity: step %d (%s) %.4g req/s: %s%s",
            step.number,
            step.planned.phase,
            step.planned.rate,
            self.steps[-1]["verdict"],
            f" ({', '.join(verdict.broken)})" if verdict.broken and not warm_up else "",
        )
        self._publish()

    def _answered_to_the_end(self, run_exit_code: int) -> bool:
        """The run says the target stopped answering, but its last judged step still got
        answers: the silence was that step's own tail (requests past their deadline while
        it drained), already judged as its errors, not a target gone."""
        judged = [s for s in self.steps if s.get("verdict") in ("held", "broke")]
        if run_exit_code != EXIT_UNAVAILABLE or not judged:
            return False
        last = judged[-1]
        return int(last.get("requests", 0)) > int(last.get("unanswered", 0))

    # -- the result ---------------------------------------------------------------------------
    def _publish(self, exit_code: int | None = None) -> None:
        current = self.current
        data = document.build(
            plan=self.plan,
            slo=self.run.slo,
            steps=self.steps,
            search=self.search,
            running=(
                {
                    "step": current.number,
                    "phase": current.planned.phase,
                    "rate": current.planned.rate,
                }
                if current is not None and not self.done
                else None
            ),
            elapsed_s=self.last_t,
            context=self.run.describe(),
            final=exit_code is not None,
            exit_code=exit_code,
        )
        self.run.publish(data)
        self.last_document = data

    def conclude(self, run_exit_code: int, ended_by_itself: bool) -> tuple[int, list[str]]:
        """The search's exit code and summary, once the run ended; capacity.json written."""
        if self.current is not None:  # the run ended during a step: it is not judged
            step = self.current
            self.current = None
            self.steps.append(
                {
                    "step": step.number,
                    "phase": step.planned.phase,
                    "rate": step.planned.rate,
                    "started_s": round(step.started_t, 3),
                    "duration_s": step.duration_s,
                    "verdict": "cut",
                    "broken": [],
                    "note": "the run ended during this step: not judged",
                }
            )
        if not self.done:
            why = TIME_BUDGET if ended_by_itself else INTERRUPTED
            self.search.stop(why)
            self.done = True
        code = document.exit_code_for(self.search.conclusion(), self.plan)
        if run_exit_code in document.RUN_CODES_FIRST and not (
            ended_by_itself and self._answered_to_the_end(run_exit_code)
        ):
            code = run_exit_code  # unavailable, overran, nothing answered: they speak first
        self._publish(exit_code=code)
        return code, document.summary_lines(self.last_document)
