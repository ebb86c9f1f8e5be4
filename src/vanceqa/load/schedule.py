"""When open-model requests are due: a constant or linearly ramping arrival rate.

The whole run has one arrival sequence k = 0, 1, 2, ... at the times where the expected
number of arrivals N(t) reaches k + 1/2. With `count` worker processes, process `index`
takes every k with k % count == index, so the processes interleave evenly and their
sum is the requested rate whatever their number. Pure arithmetic: no clock, no gevent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from vanceqa.errors import UsageError


@dataclass(frozen=True)
class ArrivalSchedule:
    rate_from: float  # requests per second at t = 0 (whole run, all processes)
    rate_to: float  # ... at t = duration; equal to rate_from for a constant rate
    duration: float  # seconds
    index: int = 0  # this process among `count`
    count: int = 1

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise UsageError("an arrival schedule needs a positive duration")
        if self.rate_from < 0 or self.rate_to < 0 or max(self.rate_from, self.rate_to) <= 0:
            raise UsageError("an arrival rate must be positive")
        if not 0 <= self.index < self.count:
            raise UsageError(f"process index {self.index} outside 0..{self.count - 1}")

    @property
    def slope(self) -> float:
        return (self.rate_to - self.rate_from) / self.duration

    def rate_at(self, t: float) -> float:
        """The whole run's rate at t seconds."""
        return self.rate_from + self.slope * min(max(t, 0.0), self.duration)

    def expected(self, t: float) -> float:
        """N(t): arrivals the whole run expects by t seconds."""
        t = min(max(t, 0.0), self.duration)
        return self.rate_from * t + self.slope * t * t / 2.0

    def time_of(self, n: float) -> float | None:
        """When N(t) reaches n, or None if it never does within the ramp."""
        a, b = self.rate_from, self.slope
        disc = a * a + 2.0 * b * n
        if disc < 0:
            return None
        root = math.sqrt(disc)
        if a + root <= 0:
            return None
        return 2.0 * n / (a + root)  # the stable form of (-a + root) / b, also for b == 0

    def offsets(self) -> Iterator[float]:
        """Seconds from the start at which this process's requests are due, in order."""
        k = self.index
        while True:
            t = self.time_of(k + 0.5)
            if t is None or t >= self.duration:
                return
            yield t
            k += self.count

    def total(self) -> int:
        """How many requests this process will schedule over the whole duration."""
        whole = self.expected(self.duration)
        arrivals = math.ceil(whole - 0.5) if whole > 0.5 else 0  # every k with k + 0.5 < whole
        while arrivals:  # floating point at the boundary: agree with offsets()
            last = self.time_of(arrivals - 0.5)
            if last is not None and last < self.duration:
                break
            arrivals -= 1
        if arrivals <= self.index:
            return 0
        return (arrivals - 1 - self.index) // self.count + 1
