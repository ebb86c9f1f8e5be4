"""Faults the mock can inject: latency, periodic stalls, errors, maintenance, throttling.

One `FaultConfig` is the whole fault state. It round-trips through JSON (the control
API and worker processes) and is parsed from `--fault` strings on the command line:

    latency=20ms                 fixed added latency
    latency=uniform:10ms..50ms   uniformly distributed
    latency=normal:20ms,5ms      normal(mean, sd), never below zero
    latency=exponential:20ms     exponential with that mean
    latency=lognormal:20ms,0.5   lognormal with that median and sigma
    stall=10s:1000ms             every 10 s, hold every answer for 1000 ms
    error_rate=0.05              answer 5% of API requests with 500
    maintenance=on               answer every API request with 503
    rate_limit=20                at most 20 requests/s per token (429 + Retry-After)
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.units import parse_duration

DISTRIBUTIONS = ("uniform", "normal", "exponential", "lognormal")


def parse_duration_ms(text: str, default_unit: str = "ms") -> float:
    """'250ms' -> 250.0, '1.5s' -> 1500.0; a bare number is in `default_unit`."""
    return parse_duration(text, default_unit=default_unit, what="fault duration") * 1000.0


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: float = 0.0
    latency_distribution: str | None = None
    latency_params: tuple[float, ...] = ()
    stall_every_s: float = 0.0
    stall_ms: float = 0.0
    # Stalls are phased from this wall-clock epoch so every worker stalls together.
    stall_epoch: float = field(default=0.0)
    error_rate: float = 0.0
    maintenance: bool = False
    rate_limit_rps: float | None = None

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise UsageError("latency must not be negative")
        if self.latency_distribution is not None:
            if self.latency_distribution not in DISTRIBUTIONS:
                raise UsageError(
                    f"unknown latency distribution {self.latency_distribution!r} "
                    f"(one of {', '.join(DISTRIBUTIONS)})"
                )
            wanted = {"uniform": 2, "normal": 2, "exponential": 1, "lognormal": 2}
            if len(self.latency_params) != wanted[self.latency_distribution]:
                raise UsageError(
                    f"latency {self.latency_distribution} takes "
                    f"{wanted[self.latency_distribution]} parameters"
                )
        if self.stall_every_s < 0 or self.stall_ms < 0:
            raise UsageError("stall period and duration must not be negative")
        if self.stall_ms and self.stall_ms >= self.stall_every_s * 1000:
            raise UsageError("a stall must be shorter than its period")
        if not 0.0 <= self.error_rate <= 1.0:
            raise UsageError("error_rate is a fraction between 0 and 1")
        if self.rate_limit_rps is not None and self.rate_limit_rps <= 0:
            raise UsageError("rate_limit must be a positive number of requests per second")

    # -- behaviour -----------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self != FaultConfig(stall_epoch=self.stall_epoch)

    def delay_s(self, rng: random.Random, now: float) -> float:
        """How long to hold the current answer: added latency plus any stall."""
        delay = self.latency_ms
        dist, p = self.latency_distribution, self.latency_params
        if dist == "uniform":
            delay += rng.uniform(p[0], p[1])
        elif dist == "normal":
            delay += max(0.0, rng.gauss(p[0], p[1]))
        elif dist == "exponential":
            delay += rng.expovariate(1.0 / p[0]) if p[0] > 0 else 0.0
        elif dist == "lognormal":
            delay += rng.lognormvariate(math.log(p[0]), p[1]) if p[0] > 0 else 0.0
        seconds = delay / 1000.0
        if self.stall_ms and self.stall_every_s:
            phase = (now - self.stall_epoch) % self.stall_every_s
            if phase < self.stall_ms / 1000.0:
                seconds += self.stall_ms / 1000.0 - phase
        return seconds

    def fails(self, rng: random.Random) -> bool:
        return self.error_rate > 0 and rng.random() < self.error_rate

    # -- serialisation -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_params"] = list(self.latency_params)
        return data

    @classmethod
    def from_json(cls, data: object, base: FaultConfig | None = None) -> FaultConfig:
        """Build from JSON; keys not given keep the value of `base` (a merge)."""
        if not isinstance(data, dict):
            raise UsageError("faults must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise UsageError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if "latency_params" in values:
            values["latency_params"] = tuple(float(v) for v in values["latency_params"] or ())
        try:
            merged = replace(base or cls(), **values)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"bad fault value: {exc}") from None
        if ("stall_ms" in data or "stall_every_s" in data) and "stall_epoch" not in data:
            merged = replace(merged, stall_epoch=time.time())
        return merged

    @classmethod
    def from_specs(cls, specs: list[str], base: FaultConfig | None = None) -> FaultConfig:
        """Parse `--fault NAME=VALUE` strings (see the module docstring)."""
        config = base or cls()
        for spec in specs:
            name, sep, value = spec.partition("=")
            name, value = name.strip().replace("-", "_"), value.strip()
            if not sep or not value:
                raise UsageError(f"--fault takes NAME=VALUE, got {spec!r}")
            config = _apply_spec(config, name, value)
        return config


def _apply_spec(config: FaultConfig, name: str, value: str) -> FaultConfig:
    if name == "latency":
        dist, sep, args = value.partition(":")
        if not sep:
            return replace(config, latency_ms=parse_duration_ms(value))
        if dist == "uniform":
            low, dots, high = args.partition("..")
            if not dots:
                raise UsageError("latency=uniform:LOW..HIGH, e.g. uniform:10ms..50ms")
            params: tuple[float, ...] = (parse_duration_ms(low), parse_duration_ms(high))
        elif dist == "normal":
            mean, _, sd = args.partition(",")
            params = (parse_duration_ms(mean), parse_duration_ms(sd))
        elif dist == "exponential":
            params = (parse_duration_ms(args),)
        elif dist == "lognormal":
            median, _, sigma = args.partition(",")
            params = (parse_duration_ms(median), _number(sigma, "lognormal sigma"))
        else:
            raise UsageError(f"unknown latency distribution {dist!r}")
        return replace(config, latency_distribution=dist, latency_params=params)
    if name == "stall":
        every, sep, duration = value.partition(":")
        if not sep:
            raise UsageError("stall=EVERY:DURATION, e.g. stall=10s:1000ms")
        return replace(
            config,
            stall_every_s=parse_duration_ms(every, default_unit="s") / 1000.0,
            stall_ms=parse_duration_ms(duration),
            stall_epoch=time.time(),
        )
    if name == "error_rate":
        rate = _number(value.rstrip("%"), "error_rate")
        return replace(config, error_rate=rate / 100 if value.endswith("%") else rate)
    if name == "maintenance":
        if value.lower() not in ("on", "off", "true", "false", "1", "0"):
            raise UsageError("maintenance=on|off")
        return replace(config, maintenance=value.lower() in ("on", "true", "1"))
    if name == "rate_limit":
        if value.lower() in ("off", "none", "0"):
            return replace(config, rate_limit_rps=None)
        return replace(config, rate_limit_rps=_number(value.removesuffix("/s"), "rate_limit"))
    raise UsageError(
        f"unknown fault {name!r} (latency, stall, error_rate, maintenance, rate_limit)"
    )


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{what} must be a number, got {text!r}") from None
