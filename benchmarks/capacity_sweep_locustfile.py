"""The capacity search with a fixed linear sweep instead of ramp-and-bisect (a benchmark only).

k6's way of finding a capacity by hand: stages of equal rate steps, START, START + STEP,
START + 2 x STEP, ... until one breaks the SLO; its precision is STEP. Everything else
(each step offered, drained, judged on corrected latencies) is the real search's, so
`benchmarks/capacity_search.py` compares the two policies and nothing else.
STEP comes from VANCEQA_SWEEP_STEP (req/s).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "loadtests"))

from locustfile import *  # noqa: F403  the real scenarios and plugin

from vanceqa.load.capacity import driver, search

STEP = float(os.environ.get("VANCEQA_SWEEP_STEP", "20"))


class LinearSweep(search.Search):
    """Equal steps from the start rate; the first break ends it (no recheck, no repeat)."""

    def next(self) -> search.Planned | None:
        if self.ended is not None:
            return None
        if self.warm_up:
            return search.Planned(search.WARM_UP, self.start)
        if self.high is not None:
            self.ended = search.SLO
            return None
        rate = self.start if self.low is None else self.low + STEP
        if rate > self.max_rate:
            self.ended = search.MAX_RATE
            return None
        return search.Planned(search.RAMP, round(rate, 3))

    def record(self, planned: search.Planned, result: search.Result) -> None:
        if planned.phase == search.WARM_UP:
            self.warm_up = False
        elif result.held:
            self.low = planned.rate
        else:
            self.high = planned.rate


driver.Search = LinearSweep  # type: ignore[misc]
