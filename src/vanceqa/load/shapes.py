"""Load shapes: how many users (or what arrival rate) at each second of a run.

Each shape is one class, declared once with `@shape`: its name, its help line, its
defaults, its option checks (`plan`) and `at(t)`, as locust's `LoadTestShape` examples
do. The names, the `--shape` help, the error messages and `vanceqa load`'s checks all
read the registry `SHAPES`; adding a shape is one class here plus its test.

Every shape ends by its run time (each has a default, so no run is unbounded). A shape
may end earlier by returning None from `at`, and may keep state: the plugin makes one
object per run on the master (or lone process), calls `observe` with the merged numbers
every few seconds and `at` once a second. Pure Python: no locust, no clock.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from vanceqa.errors import UsageError
from vanceqa.units import parse_rate_range

if TYPE_CHECKING:
    from vanceqa.load.metrics import Aggregate

DEFAULT_SHAPE = "smoke"
DEFAULT_RATE = "50"
Step = tuple[int, float]  # (users wanted, spawn rate)


@dataclass(frozen=True)
class ShapeOptions:
    """What the user asked for; None means "the shape's default"."""

    users: int | None = None
    spawn_rate: float | None = None
    run_time_s: float | None = None
    rate: str | None = None  # open models: 'R' or 'FROM..TO' requests/s
    max_rps: float | None = None  # the target's ceiling (--max-rps)


@dataclass
class LoadShape:
    """One run's plan: peak users (for an open model, the pool), spawn rate, run time."""

    name: ClassVar[str]
    help: ClassVar[str]
    defaults: ClassVar[str]  # for the docs table and --help, e.g. "2 users, 30 s"
    default_run_time_s: ClassVar[float]
    open_model: ClassVar[bool] = False

    users: int
    spawn_rate: float
    run_time_s: float

    @classmethod
    def plan(cls, options: ShapeOptions) -> LoadShape:
        raise NotImplementedError

    def at(self, t: float) -> Step | None:
        """(users, spawn rate) wanted t seconds in, or None once the run is over."""
        if t >= self.run_time_s:
            return None
        return self.users, self.spawn_rate

    def check(self, max_rps: float | None) -> None:
        """Refuse a plan the target's --max-rps rules out (closed shapes are paced under
        it instead: their rate is whatever the users reach, so there is nothing to refuse)."""

    def observe(self, aggregate: Aggregate) -> None:
        """The numbers so far (every few seconds): for shapes that steer by them."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadShape:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.init})


S = TypeVar("S", bound=type[LoadShape])
SHAPES: dict[str, type[LoadShape]] = {}


def shape(cls: S) -> S:
    """Register a shape class under its `name` (a name is taken once)."""
    if cls.name in SHAPES:
        raise ValueError(f"two load shapes are named {cls.name!r}")
    SHAPES[cls.name] = cls
    return cls


def _common_checks(options: ShapeOptions) -> None:
    if options.users is not None and options.users < 1:
        raise UsageError("--users must be at least 1")
    if options.spawn_rate is not None and not options.spawn_rate > 0:
        raise UsageError("--spawn-rate must be positive")


# -- closed models: users with think time -------------------------------------------------


@dataclass
class ClosedShape(LoadShape):
    """Users who each send, wait for the answer, think, and send again."""

    default_users: ClassVar[int]

    @classmethod
    def default_spawn_rate(cls, peak: int) -> float:
        return float(peak)

    @classmethod
    def plan(cls, options: ShapeOptions) -> LoadShape:
        _common_checks(options)
        if options.rate is not None:
            raise UsageError(
                f"--rate is for the open models ({', '.join(sorted(open_shapes()))}), "
                f"not {cls.name}"
            )
        peak = options.users or cls.default_users
        spawn_rate = options.spawn_rate or cls.default_spawn_rate(peak)
        return cls(peak, spawn_rate, options.run_time_s or cls.default_run_time_s)


@shape
@dataclass
class Smoke(ClosedShape):
    name = "smoke"
    help = "a few users for a short while: does everything work?"
    defaults = "2 users, 30 s"
    default_users = 2
    default_run_time_s = 30.0


@shape
@dataclass
class Ramp(ClosedShape):
    name = "ramp"
    help = "users climb in 5 equal steps over 80% of the run, then hold"
    defaults = "50 users, 2 m"
    default_users = 50
    default_run_time_s = 120.0
    STEPS: ClassVar[int] = 5
    CLIMB: ClassVar[float] = 0.8  # share of the run spent climbing

    @classmethod
    def default_spawn_rate(cls, peak: int) -> float:
        return float(max(1, math.ceil(peak / cls.STEPS)))  # each step within a second

    def at(self, t: float) -> Step | None:
        if t >= self.run_time_s:
            return None
        step_length = self.run_time_s * self.CLIMB / self.STEPS
        step = min(self.STEPS, int(t // step_length) + 1) if step_length > 0 else self.STEPS
        return max(1, math.ceil(self.users * step / self.STEPS)), self.spawn_rate


@shape
@dataclass
class Spike(ClosedShape):
    name = "spike"
    help = "a tenth of the users, all of them from 30% to 50% of the run, a tenth again"
    defaults = "50 users, 2 m"
    default_users = 50
    default_run_time_s = 120.0
    WINDOW: ClassVar[tuple[float, float]] = (0.3, 0.5)  # the spike, as shares of the run

    @classmethod
    def default_spawn_rate(cls, peak: int) -> float:
        return float(peak * 5)  # sudden: all of it within a fifth of a second

    def at(self, t: float) -> Step | None:
        if t >= self.run_time_s:
            return None
        low, high = self.WINDOW
        if low * self.run_time_s <= t < high * self.run_time_s:
            return self.users, self.spawn_rate
        return max(1, self.users // 10), self.spawn_rate


@shape
@dataclass
class Soak(ClosedShape):
    name = "soak"
    help = "a steady load for a long time"
    defaults = "20 users, 30 m"
    default_users = 20
    default_run_time_s = 1800.0


# -- open models: an arrival rate ---------------------------------------------------------


def default_pool(peak_rate: float) -> int:
    """Users for an open model: a tenth of a second's arrivals, at least 10.

    By Little's law that carries the rate while responses take under 100 ms; beyond
    that tickets wait for a user (and their corrected latency shows it) or drop.
    """
    return max(10, math.ceil(peak_rate * 0.1))


@dataclass
class OpenShape(LoadShape):
    """Requests arrive at a rate, whatever the server's speed; `users` is the pool."""

    open_model = True
    rate_from: float  # requests/s for the whole run, at its start ...
    rate_to: float  # ... and at its end

    @classmethod
    def rates(cls, rate: str) -> tuple[float, float]:
        return parse_rate_range(rate)

    @classmethod
    def plan(cls, options: ShapeOptions) -> LoadShape:
        _common_checks(options)
        start, end = cls.rates(options.rate or DEFAULT_RATE)
        pool = options.users or default_pool(max(start, end))
        run_time = options.run_time_s or cls.default_run_time_s
        planned = cls(pool, options.spawn_rate or float(pool), run_time, start, end)
        planned.check(options.max_rps)
        return planned

    def check(self, max_rps: float | None) -> None:
        peak = max(self.rate_from, self.rate_to)
        if max_rps is not None and peak > max_rps:
            raise UsageError(f"--rate {peak:g} req/s exceeds --max-rps {max_rps:g}")

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["rate"] = self.rate_to if self.rate_from == self.rate_to else None
        return data


@shape
@dataclass
class Open(OpenShape):
    name = "open"
    help = "a constant arrival rate, --rate R requests/s for the whole run"
    defaults = "50 req/s, 1 m"
    default_run_time_s = 60.0

    @classmethod
    def rates(cls, rate: str) -> tuple[float, float]:
        start, end = parse_rate_range(rate)
        if start != end:
            raise UsageError("--shape open takes one rate; use --shape open-ramp for FROM..TO")
        return start, end


@shape
@dataclass
class OpenRamp(OpenShape):
    name = "open-ramp"
    help = "an arrival rate rising linearly, --rate FROM..TO (--rate TO starts at 0)"
    defaults = "0..50 req/s, 2 m"
    default_run_time_s = 120.0

    @classmethod
    def rates(cls, rate: str) -> tuple[float, float]:
        start, end = parse_rate_range(rate)
        if ".." not in rate:
            start = 0.0  # a single rate for a ramp means: from nothing up to it
        return start, end


# -- the registry's readers -----------------------------------------------------------------


def shape_names() -> tuple[str, ...]:
    return tuple(SHAPES)


def open_shapes() -> frozenset[str]:
    return frozenset(name for name, cls in SHAPES.items() if cls.open_model)


def shape_help() -> str:
    """The --shape help: every shape with its line and defaults (argparse-escaped)."""
    lines = [f"{name}: {cls.help} ({cls.defaults})" for name, cls in SHAPES.items()]
    return (f"load shape (default {DEFAULT_SHAPE}); " + "; ".join(lines)).replace("%", "%%")


def plan_shape(
    name: str,
    *,
    users: int | None = None,
    spawn_rate: float | None = None,
    run_time_s: float | None = None,
    rate: str | None = None,
    max_rps: float | None = None,
) -> LoadShape:
    """A shape from the user's options; unset ones take the shape's defaults."""
    cls = SHAPES.get(name)
    if cls is None:
        raise UsageError(f"unknown shape {name!r} (one of {', '.join(SHAPES)})")
    return cls.plan(ShapeOptions(users, spawn_rate, run_time_s, rate, max_rps))


def shape_from_json(data: dict[str, Any]) -> LoadShape:
    """The inverse of `LoadShape.to_json` (the master sends workers its resolved shape)."""
    return SHAPES[str(data["name"])].from_json(data)
