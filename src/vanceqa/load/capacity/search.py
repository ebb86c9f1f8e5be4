"""The search itself: which rate to offer next, and what the steps so far prove.

    warm-up   the start rate, not judged (connections, caches, JIT)
    ramp      start, start x 2, x 4, ... (never past the max rate) until a step breaks
    bisect    the geometric middle of the last rate that held and the first that broke,
              until they lie within the precision
    recheck   a step that broke is run once more, unless it broke decisively (see
              `step`): noise on a shared machine breaks a step now and then, and one
              break would end the ramp or halve the interval for good. The recheck's
              verdict stands. A break the load generator caused is always rechecked,
              and breaking that way again ends the search ("generator"). A confirming
              repeat that breaks is not rechecked: it is the second opinion already
    confirm   the rate found is offered `repeats` times more; a repeat that breaks
              makes it the new upper bound and the search goes on below it

Pure: it sees only (held, generator, decisive) per step; `step` judges the numbers and
the driver keeps time. The result is always what the steps proved, never more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vanceqa.load.capacity.settings import GROWTH

WARM_UP, RAMP, BISECT, CONFIRM, RECHECK = "warm-up", "ramp", "bisect", "confirm", "recheck"
# Why a search ended (capacity.json `limited_by`).
SLO, GENERATOR, MAX_RATE, TIME_BUDGET, START_RATE, INTERRUPTED = (
    "slo",
    "generator",
    "max_rate",
    "time_budget",
    "start_rate",
    "interrupted",
)
LIMITS = (SLO, GENERATOR, MAX_RATE, TIME_BUDGET, START_RATE, INTERRUPTED)


def _rounded(rate: float) -> float:
    """Rates to a thousandth of a request per second: as written in capacity.json."""
    return round(rate, 3)


@dataclass(frozen=True)
class Planned:
    phase: str
    rate: float


@dataclass(frozen=True)
class Result:
    """What the search needs of a judged step."""

    held: bool
    generator: bool = False  # it broke, and the load generator showed it was the limit
    decisive: bool = False  # it broke far beyond any noise: no recheck needed


@dataclass(frozen=True)
class Conclusion:
    limited_by: str
    capacity_rps: float | None  # the highest rate that held (and was confirmed), or None
    broke_at: float | None  # the lowest rate that broke above it, or None
    repeats: int  # repeats run at the rate found
    agreed: int  # ... of which held
    failed_candidates: int  # rates that held once, then broke when repeated
    rechecks: int  # breaks run again
    overturned: int  # ... that held the second time (noise, not the limit)
    precision_reached: bool


@dataclass
class Search:
    start: float
    max_rate: float
    precision: float
    repeats: int
    warm_up: bool = True
    growth: float = GROWTH
    low: float | None = None  # the highest rate that held and is still believed
    high: float | None = None  # the lowest rate that broke
    held_rates: set[float] = field(default_factory=set)
    confirmed: int = 0  # repeats that held at `low` (or at the start rate that broke)
    failed_candidates: int = 0
    recheck_of: Planned | None = None
    rechecks: int = 0  # breaks run again
    overturned: int = 0  # ... that held the second time
    ended: str | None = None

    # -- what to do next ------------------------------------------------------------------
    def next(self) -> Planned | None:
        """The next step to run, or None when the search is over."""
        if self.ended is not None:
            return None
        if self.warm_up:
            return Planned(WARM_UP, self.start)
        if self.recheck_of is not None:
            return Planned(RECHECK, self.recheck_of.rate)
        if self.high is None:
            if self.low is None:
                return Planned(RAMP, self.start)
            if self.low >= self.max_rate:
                return self._confirm_or_end(MAX_RATE)
            return Planned(RAMP, min(_rounded(self.low * self.growth), self.max_rate))
        if self.low is None:  # the start rate broke (and its recheck, if it had one)
            self._end(START_RATE)
            return None
        if self.high <= self.low * (1 + self.precision):
            return self._confirm_or_end(SLO)
        return Planned(BISECT, _rounded(math.sqrt(self.low * self.high)))

    def _confirm_or_end(self, limit: str) -> Planned | None:
        assert self.low is not None
        if self.confirmed < self.repeats:
            return Planned(CONFIRM, self.low)
        self._end(limit)
        return None

    def _end(self, limit: str) -> None:
        self.ended = limit
        return None

    # -- what a step showed ---------------------------------------------------------------
    def record(self, planned: Planned, result: Result) -> None:
        if planned.phase == WARM_UP:
            self.warm_up = False
            return
        if planned.phase == RECHECK:
            self.recheck_of, original = None, self.recheck_of
            assert original is not None
            if not result.held and result.generator:
                self._end(GENERATOR)
                return
            self.overturned += result.held
            planned = original  # the recheck's verdict stands for the step it repeated
        elif (
            not result.held
            and (result.generator or not result.decisive)
            and (
                planned.phase != CONFIRM or result.generator  # a repeat is evidence enough
            )
        ):
            self.recheck_of = planned
            self.rechecks += 1
            return
        if planned.phase == CONFIRM:
            self._confirmation(planned.rate, result.held)
        elif result.held:
            self._held(planned.rate)
        else:
            self.high = planned.rate if self.high is None else min(self.high, planned.rate)

    def _held(self, rate: float) -> None:
        self.held_rates.add(rate)
        if self.low is None or rate > self.low:
            self.low, self.confirmed = rate, 0

    def _confirmation(self, rate: float, held: bool) -> None:
        if held:
            self.confirmed += 1
            return
        # The rate found broke when offered again: it is an upper bound now.
        self.failed_candidates += 1
        self.held_rates.discard(rate)
        self.high = rate if self.high is None else min(self.high, rate)
        below = [r for r in self.held_rates if r < rate]
        self.low = max(below) if below else None
        self.confirmed = 0

    def stop(self, why: str) -> None:
        """End the search from outside (the time budget ran out, the run was stopped)."""
        if self.ended is None:
            self.ended = why

    # -- the answer -----------------------------------------------------------------------
    def conclusion(self) -> Conclusion:
        limit = self.ended or TIME_BUDGET
        # Every repeat at the rate found held: one that broke moved the search below it
        # (counted in `failed_candidates`).
        repeats = self.confirmed if limit in (SLO, MAX_RATE) else 0
        return Conclusion(
            limited_by=limit,
            capacity_rps=self.low,
            broke_at=self.high,
            repeats=repeats,
            agreed=repeats,
            failed_candidates=self.failed_candidates,
            rechecks=self.rechecks,
            overturned=self.overturned,
            precision_reached=(
                self.low is not None
                and self.high is not None
                and self.high <= self.low * (1 + self.precision)
            ),
        )
