"""Load shapes by name: how many users (or what arrival rate) at each second of a run.

    smoke      a few users for a short while: does everything work?
    ramp       users rise in equal steps over 80% of the run, then hold
    spike      a tenth of the users, then all of them at once, then back
    soak       a steady load for a long time
    open       a constant arrival rate (requests/s), whatever the server's speed
    open-ramp  an arrival rate rising linearly over the run (--rate FROM..TO)

Every shape ends at its run time: a default exists for each, so no run is unbounded.
Pure arithmetic; the locust `LoadTestShape` in `plugin` reads it once a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.units import parse_rate_range

SHAPES = ("smoke", "ramp", "spike", "soak", "open", "open-ramp")
OPEN_SHAPES = frozenset({"open", "open-ramp"})
DEFAULT_RUN_TIME_S = {
    "smoke": 30.0,
    "ramp": 120.0,
    "spike": 120.0,
    "soak": 1800.0,
    "open": 60.0,
    "open-ramp": 120.0,
}
DEFAULT_USERS = {"smoke": 2, "ramp": 50, "spike": 50, "soak": 20}
DEFAULT_RATE = "50"
RAMP_STEPS = 5
RAMP_SHARE = 0.8  # of the run spent climbing
SPIKE_WINDOW = (0.3, 0.5)  # the spike, as shares of the run


def default_pool(peak_rate: float) -> int:
    """Users for an open model: a tenth of a second's arrivals, at least 10.

    By Little's law that carries the rate while responses take under 100 ms; beyond
    that tickets wait for a user (and their corrected latency shows it) or drop.
    """
    return max(10, math.ceil(peak_rate * 0.1))


@dataclass(frozen=True)
class ShapePlan:
    name: str
    users: int  # peak users; for an open model, the size of the pool
    spawn_rate: float
    run_time_s: float
    rate_from: float | None = None  # open models only: requests/s, whole run
    rate_to: float | None = None

    @property
    def open_model(self) -> bool:
        return self.name in OPEN_SHAPES

    def at(self, t: float) -> tuple[int, float] | None:
        """(users, spawn rate) wanted t seconds in, or None once the run is over."""
        if t >= self.run_time_s:
            return None
        if self.name == "ramp":
            step_length = self.run_time_s * RAMP_SHARE / RAMP_STEPS
            step = min(RAMP_STEPS, int(t // step_length) + 1) if step_length > 0 else RAMP_STEPS
            return max(1, math.ceil(self.users * step / RAMP_STEPS)), self.spawn_rate
        if self.name == "spike":
            low, high = SPIKE_WINDOW
            if low * self.run_time_s <= t < high * self.run_time_s:
                return self.users, self.spawn_rate
            return max(1, self.users // 10), self.spawn_rate
        return self.users, self.spawn_rate

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "users": self.users,
            "spawn_rate": self.spawn_rate,
            "run_time_s": self.run_time_s,
        }
        if self.open_model:
            data["rate"] = self.rate_to if self.rate_from == self.rate_to else None
            data["rate_from"] = self.rate_from
            data["rate_to"] = self.rate_to
        return data


def plan_shape(
    name: str,
    *,
    users: int | None = None,
    spawn_rate: float | None = None,
    run_time_s: float | None = None,
    rate: str | None = None,
) -> ShapePlan:
    """A shape from the user's options; unset ones take the shape's defaults."""
    if name not in SHAPES:
        raise UsageError(f"unknown shape {name!r} (one of {', '.join(SHAPES)})")
    if users is not None and users < 1:
        raise UsageError("--users must be at least 1")
    if spawn_rate is not None and spawn_rate <= 0:
        raise UsageError("--spawn-rate must be positive")
    run_time = run_time_s if run_time_s else DEFAULT_RUN_TIME_S[name]
    if name in OPEN_SHAPES:
        start, end = parse_rate_range(rate or DEFAULT_RATE)
        if name == "open" and start != end:
            raise UsageError("--shape open takes one rate; use --shape open-ramp for FROM..TO")
        if name == "open-ramp" and start == end and ".." not in (rate or ""):
            start = 0.0  # a single rate for a ramp means: from nothing up to it
        pool = users or default_pool(max(start, end))
        return ShapePlan(name, pool, spawn_rate or float(pool), run_time, start, end)
    if rate is not None:
        raise UsageError(f"--rate is for the open models (open, open-ramp), not {name}")
    peak = users or DEFAULT_USERS[name]
    if spawn_rate is None:
        if name == "ramp":  # each step within a second
            spawn_rate = float(max(1, math.ceil(peak / RAMP_STEPS)))
        elif name == "spike":  # a spike is sudden: all of it within a fifth of a second
            spawn_rate = float(peak * 5)
        else:
            spawn_rate = float(peak)
    return ShapePlan(name, peak, spawn_rate, run_time)


def shape_from_json(data: dict[str, Any]) -> ShapePlan:
    """The inverse of `ShapePlan.to_json` (the master sends workers its resolved shape)."""
    return ShapePlan(
        name=str(data["name"]),
        users=int(data["users"]),
        spawn_rate=float(data["spawn_rate"]),
        run_time_s=float(data["run_time_s"]),
        rate_from=data.get("rate_from"),
        rate_to=data.get("rate_to"),
    )
