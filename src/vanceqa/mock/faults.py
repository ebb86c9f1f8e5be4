"""The faults the mock can inject, each declared once, and `FaultConfig`, all of them.

Adding a fault: one `@FAULTS.register` class here (settings, `parse`, `effect`), plus
its test. Import `FAULTS` from here, not from fault_spec: importing this module is what
fills the registry. The `--fault` help, the error messages, the control API's validation and the
table in docs/mock.md follow from the declaration (fault_spec.py says how).

Bounds: every hold (latency, stall, a capacity queue's wait) is at most a minute, so no
setting can make the mock stop answering; rates and fractions are finite.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import TypeVar

from vanceqa.errors import UsageError
from vanceqa.mock.fault_spec import (
    FAULTS,
    Fault,
    FaultContext,
    Refusal,
    Stage,
    setting,
)
from vanceqa.units import parse_duration, parse_positive_duration, parse_rate

__all__ = [
    "DISTRIBUTIONS",
    "FAULTS",
    "MAX_HOLD_MS",
    "Capacity",
    "ErrorRate",
    "FaultConfig",
    "Latency",
    "Maintenance",
    "RateLimit",
    "Stall",
]

MAX_HOLD_MS = 60_000.0  # no answer is held longer than this by any one fault
DISTRIBUTIONS = {"uniform": 2, "normal": 2, "exponential": 1, "lognormal": 2}  # parameters


def _ms(text: str, what: str) -> float:
    return parse_duration(text, default_unit="ms", what=what) * 1000.0


def _fraction(text: str, what: str) -> float:
    percent = text.endswith("%")
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        raise UsageError(f"{what} must be a number, got {text!r}") from None
    return value / 100 if percent else value


@FAULTS.register
@dataclass(frozen=True)
class Latency(Fault):
    name = "latency"
    syntax = (
        "DURATION | uniform:LOW..HIGH | normal:MEAN,SD | exponential:MEAN | lognormal:MEDIAN,SIGMA"
    )
    examples = ("latency=20ms", "latency=normal:20ms,5ms")
    summary = "holds every API answer: a fixed time plus a random draw (at most 60 s)"
    stage = Stage.ANSWERED

    latency_ms: float = setting(0.0, "number", "fixed added latency", high=MAX_HOLD_MS, unit="ms")
    latency_distribution: str | None = setting(
        None, "choice", "random latency added on top", nullable=True, choices=tuple(DISTRIBUTIONS)
    )
    latency_params: tuple[float, ...] = setting(
        (), "numbers", "the distribution's parameters, in ms (lognormal: median in ms, sigma)",
        high=MAX_HOLD_MS, max_items=2,
    )  # fmt: skip

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        dist, sep, args = text.partition(":")
        if not sep:
            return {"latency_ms": _ms(text, "latency")}
        if dist == "uniform":
            low, dots, high = args.partition("..")
            if not dots:
                raise UsageError("latency=uniform:LOW..HIGH, e.g. latency=uniform:10ms..50ms")
            params = [_ms(low, "uniform low"), _ms(high, "uniform high")]
        elif dist == "normal":
            mean, _, sd = args.partition(",")
            params = [_ms(mean, "normal mean"), _ms(sd, "normal sd")]
        elif dist == "exponential":
            params = [_ms(args, "exponential mean")]
        elif dist == "lognormal":
            median, _, sigma = args.partition(",")
            params = [_ms(median, "lognormal median"), _fraction(sigma, "lognormal sigma")]
        else:
            raise UsageError(
                f"unknown latency distribution {dist!r} (one of {', '.join(DISTRIBUTIONS)})"
            )
        return {"latency_distribution": dist, "latency_params": params}

    def check(self) -> None:
        dist, params = self.latency_distribution, self.latency_params
        wanted = DISTRIBUTIONS.get(dist or "", 0)
        if len(params) != wanted:
            raise UsageError(f"latency {dist or 'without a distribution'} takes {wanted} params")
        if dist == "uniform" and params[0] > params[1]:
            raise UsageError("latency uniform: LOW must not exceed HIGH")
        if dist in ("exponential", "lognormal") and params[0] <= 0:
            raise UsageError(f"latency {dist}: the mean or median must be positive")
        if dist == "lognormal" and params[1] > 10:
            raise UsageError("latency lognormal: sigma is at most 10")

    def effect(self, context: FaultContext) -> float:
        delay, rng, p = self.latency_ms, context.rng, self.latency_params
        dist = self.latency_distribution
        if dist == "uniform":
            delay += rng.uniform(p[0], p[1])
        elif dist == "normal":
            delay += max(0.0, rng.gauss(p[0], p[1]))
        elif dist == "exponential":
            delay += rng.expovariate(1.0 / p[0])
        elif dist == "lognormal":
            delay += rng.lognormvariate(math.log(p[0]), p[1])
        return min(delay, MAX_HOLD_MS) / 1000.0


@FAULTS.register
@dataclass(frozen=True)
class Stall(Fault):
    name = "stall"
    syntax = "EVERY:DURATION"
    examples = ("stall=10s:1000ms",)
    summary = "every EVERY, holds every API answer until DURATION has passed, in all workers"
    stage = Stage.ANSWERED

    stall_every_s: float = setting(0.0, "number", "the period", high=86_400.0, unit="s")
    stall_ms: float = setting(
        0.0, "number", "how long each stall lasts (shorter than the period)",
        high=MAX_HOLD_MS, unit="ms",
    )  # fmt: skip
    # Stalls are phased from this wall-clock time so every worker stalls together; set to
    # the time of the change when a change gives the other two fields but not this one.
    stall_epoch: float = setting(
        0.0, "number", "Unix time the periods count from (default: when set)",
        high=1e11, unit="s",
    )  # fmt: skip

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        every, sep, duration = text.partition(":")
        if not sep:
            raise UsageError("stall=EVERY:DURATION, e.g. stall=10s:1000ms")
        return {
            "stall_every_s": parse_positive_duration(every, what="stall period"),
            "stall_ms": _ms(duration, "stall duration"),
        }

    def check(self) -> None:
        if self.stall_ms and self.stall_ms >= self.stall_every_s * 1000:
            raise UsageError("a stall must be shorter than its period")

    def settled(self, given: Collection[str], now: float) -> Stall:
        names = set(given)
        if names & {"stall_ms", "stall_every_s"} and "stall_epoch" not in names:
            return dataclasses.replace(self, stall_epoch=now)
        return self

    @property
    def on(self) -> bool:
        return self.stall_ms > 0

    def effect(self, context: FaultContext) -> float:
        phase = (context.now - self.stall_epoch) % self.stall_every_s
        return max(0.0, self.stall_ms / 1000.0 - phase)


@FAULTS.register
@dataclass(frozen=True)
class ErrorRate(Fault):
    name = "error_rate"
    syntax = "FRACTION | PERCENT%"
    examples = ("error_rate=0.05", "error_rate=5%")
    summary = "answers this share of API requests with 500 (detail 'injected fault')"
    stage = Stage.ACCEPTED

    error_rate: float = setting(0.0, "number", "share of requests answered 500", high=1.0)

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        return {"error_rate": _fraction(text, "error_rate")}

    def effect(self, context: FaultContext) -> Refusal | float:
        if context.rng.random() < self.error_rate:
            return Refusal(500, "injected fault")
        return 0.0


@FAULTS.register
@dataclass(frozen=True)
class Maintenance(Fault):
    name = "maintenance"
    syntax = "on | off"
    examples = ("maintenance=on",)
    summary = "answers every API request with 503 and Retry-After: 30, before the token"
    stage = Stage.ARRIVAL

    maintenance: bool = setting(False, "flag", "in maintenance")

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        value = {"on": True, "true": True, "1": True, "false": False, "0": False}.get(text.lower())
        if value is None:
            raise UsageError("maintenance=on or maintenance=off")
        return {"maintenance": value}

    def effect(self, context: FaultContext) -> Refusal:
        return Refusal(503, "maintenance", retry_after=30)


@FAULTS.register
@dataclass(frozen=True)
class RateLimit(Fault):
    name = "rate_limit"
    syntax = "RATE"
    examples = ("rate_limit=20", "rate_limit=20/s")
    summary = "at most RATE requests/s per token kind (burst: one second's), else 429"
    stage = Stage.AUTHENTICATED

    rate_limit_rps: float | None = setting(
        None, "number", "requests per second per token kind (null: no limit)",
        low=0.01, high=1e6, nullable=True, unit="requests/s",
    )  # fmt: skip

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        if text.lower() in ("none", "0"):
            return {"rate_limit_rps": None}
        return {"rate_limit_rps": parse_rate(text, what="rate_limit")}

    def effect(self, context: FaultContext) -> Refusal | float:
        assert self.rate_limit_rps is not None
        wait = context.state.take_token(int(context.admin), self.rate_limit_rps, context.now)
        if wait > 0:
            return Refusal(429, "rate limit", retry_after=max(1, math.ceil(wait)))
        return 0.0


_CAPACITY = re.compile(r"\s*([0-9]+)\s*[x×]\s*([^,]+?)\s*(?:,\s*max_wait\s*=\s*(.+?))?\s*")


@FAULTS.register
@dataclass(frozen=True)
class Capacity(Fault):
    """A server of WORKERS workers, each request holding one for SERVICE_TIME.

    Requests are served first come, first served across all worker processes (the
    queue lives in the shared state): the n-th request starts when the (n-WORKERS)-th
    finishes, or on arrival if that is later, and is answered SERVICE_TIME after it
    starts. Throughput saturates at WORKERS / SERVICE_TIME; past that, answers wait in
    the queue. A request that would wait longer than max_wait gets 503 at once.
    """

    name = "capacity"
    syntax = "WORKERSxSERVICE_TIME[,max_wait=DURATION]"
    examples = ("capacity=8x20ms", "capacity=8x20ms,max_wait=2s")
    summary = (
        "at most WORKERS API requests in service at once, each held SERVICE_TIME, the rest "
        "queued first come first served (WORKERS/SERVICE_TIME requests/s at most, shared by "
        "every worker process); a request that would wait over max_wait (default 10 s) "
        "gets 503 'over capacity' at once"
    )
    stage = Stage.ARRIVAL

    capacity_workers: int = setting(0, "count", "requests in service at once (0: off)", high=1024)
    capacity_service_ms: float = setting(
        0.0, "number", "time each request holds a worker", high=MAX_HOLD_MS, unit="ms"
    )
    capacity_max_wait_s: float = setting(
        10.0, "number", "longest wait in the queue", above_low=True, high=60.0, unit="s"
    )

    @classmethod
    def parse(cls, text: str) -> dict[str, object]:
        match = _CAPACITY.fullmatch(text)
        if not match:
            raise UsageError(
                "capacity=WORKERSxSERVICE_TIME[,max_wait=DURATION], e.g. capacity=8x20ms"
            )
        values: dict[str, object] = {
            "capacity_workers": int(match.group(1)),
            "capacity_service_ms": _ms(match.group(2), "capacity service time"),
        }
        if match.group(3):
            wait = parse_positive_duration(match.group(3), what="capacity max_wait")
            values["capacity_max_wait_s"] = wait
        return values

    def check(self) -> None:
        if self.capacity_service_ms and not self.capacity_workers:
            raise UsageError("capacity needs at least one worker (capacity_workers)")
        if self.capacity_workers and not self.capacity_service_ms:
            raise UsageError("capacity needs a service time above 0 (capacity_service_ms)")

    @property
    def on(self) -> bool:
        return self.capacity_workers > 0

    def effect(self, context: FaultContext) -> Refusal | float:
        hold = context.state.reserve_service(
            self.capacity_workers,
            self.capacity_service_ms / 1000.0,
            self.capacity_max_wait_s,
            context.clock,
        )
        if hold is None:
            return Refusal(503, "over capacity", retry_after=1)
        return hold


T = TypeVar("T", bound=Fault)


def _defaults() -> tuple[Fault, ...]:
    return tuple(kind() for kind in FAULTS)


@dataclass(frozen=True)
class FaultConfig:
    """The whole fault state: one settings object per registered fault, in order."""

    parts: tuple[Fault, ...] = dataclasses.field(default_factory=_defaults)

    def get(self, kind: type[T]) -> T:
        for part in self.parts:
            if isinstance(part, kind):
                return part
        raise KeyError(kind.name)

    @property
    def active(self) -> bool:
        return any(part.on for part in self.parts)

    @functools.cached_property
    def by_stage(self) -> dict[Stage, tuple[Fault, ...]]:
        """The faults that are on, by the stage they act at, in registry order."""
        return {stage: tuple(p for p in self.parts if p.on and p.stage is stage) for stage in Stage}

    def to_json(self) -> dict[str, object]:
        return {k: v for part in self.parts for k, v in part.to_json().items()}

    @classmethod
    def from_json(cls, data: object, base: FaultConfig | None = None) -> FaultConfig:
        """From the control API's JSON; fields not given keep `base`'s value (a merge).

        Every field is checked for its type and range; any error raises UsageError
        and nothing is built.
        """
        if not isinstance(data, dict):
            raise UsageError('faults are a JSON object of fields, e.g. {"latency_ms": 20}')
        unknown = sorted(str(k) for k in data if FAULTS.owner(k) is None)
        if unknown:
            raise UsageError(
                f"unknown fault field(s): {', '.join(unknown)} "
                f"(known: {', '.join(FAULTS.field_names())})"
            )
        now, parts = time.time(), []
        for part in (base or cls()).parts:
            given = {k: v for k, v in data.items() if FAULTS.owner(k) is type(part)}
            parts.append(part.with_values(given, now) if given else part)
        return cls(tuple(parts))

    @classmethod
    def from_specs(cls, specs: list[str], base: FaultConfig | None = None) -> FaultConfig:
        """From `--fault NAME=VALUE` strings; a bad one raises UsageError."""
        config = base or cls()
        for spec in specs:
            name, sep, value = spec.partition("=")
            name, value = name.strip().replace("-", "_"), value.strip()
            if not sep or not value:
                raise UsageError(f"write NAME=VALUE, NAME one of {', '.join(FAULTS.names())}")
            # Every message names its fault (field names start with it), so none needs
            # the spec repeated.
            kind = FAULTS.kind(name)
            part = config.get(kind)
            off = value.lower() == "off"
            changed = kind() if off else part.with_values(kind.parse(value), time.time())
            config = cls(tuple(changed if p is part else p for p in config.parts))
        return config
