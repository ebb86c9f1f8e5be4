"""Parsing of the small languages of the load options: durations, rates, weights."""

from __future__ import annotations

import math
import re

from vanceqa.errors import UsageError
from vanceqa.mock.faults import FaultConfig

_PART = re.compile(r"([0-9]*\.?[0-9]+)\s*(us|ms|s|m|h)?", re.ASCII)
_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
SCENARIOS = ("browse", "admin", "delete")
DEFAULT_WEIGHTS = {"browse": 8.0, "admin": 1.0, "delete": 1.0}


def parse_duration(text: str, *, default_unit: str = "s", what: str = "duration") -> float:
    """'10s' -> 10.0, '1h30m' -> 5400.0, '250ms' -> 0.25; a bare number is `default_unit`."""
    compact = text.strip().replace(" ", "")
    if not compact:
        raise UsageError(f"{what} is empty")
    total, pos = 0.0, 0
    while pos < len(compact):
        match = _PART.match(compact, pos)
        if not match:
            raise UsageError(f"{what} {text!r} is not a duration (write e.g. 30s, 2m, 1h30m)")
        if match.group(2) is None and (pos or match.end() < len(compact)):
            raise UsageError(f"{what} {text!r}: give every part a unit, e.g. 1m30s")
        unit = match.group(2) or default_unit
        total += float(match.group(1)) * _SECONDS[unit]
        pos = match.end()
    return total


def parse_run_time(text: str) -> float:
    seconds = parse_duration(text, what="--run-time")
    if seconds <= 0:
        raise UsageError("--run-time must be positive")
    return seconds


def parse_rate(text: str) -> tuple[float, float]:
    """'50' -> (50, 50); '10..200' -> (10, 200), a ramp. Requests per second."""
    low, dots, high = text.strip().removesuffix("/s").partition("..")
    try:
        start = float(low)
        end = float(high) if dots else start
    except ValueError:
        raise UsageError(
            f"--rate takes requests per second, e.g. 50 or 10..200; got {text!r}"
        ) from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= 0:
        raise UsageError(f"--rate must be positive; got {text!r}")
    return start, end


def parse_think_time(text: str) -> tuple[float, float]:
    """'0' -> (0, 0); '1s' -> (1, 1); '0.5s..2s' -> (0.5, 2). Seconds between tasks."""
    low, dots, high = text.strip().partition("..")
    start = parse_duration(low, what="--think-time")
    end = parse_duration(high, what="--think-time") if dots else start
    if end < start:
        raise UsageError(f"--think-time range goes backwards: {text!r}")
    return start, end


def parse_weights(text: str) -> dict[str, float]:
    """'browse=8,admin=1,delete=0' -> weights of the scenarios; unnamed ones keep defaults."""
    weights = dict(DEFAULT_WEIGHTS)
    for item in text.split(","):
        if not item.strip():
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or name not in SCENARIOS:
            raise UsageError(
                f"--weights takes NAME=NUMBER with NAME one of {', '.join(SCENARIOS)}; got {item!r}"
            )
        try:
            weight = float(value)
        except ValueError:
            raise UsageError(f"--weights: {name} needs a number, got {value!r}") from None
        if weight < 0:
            raise UsageError(f"--weights: {name} must not be negative")
        weights[name] = weight
    if not any(weights.values()):
        raise UsageError("--weights: at least one scenario needs a positive weight")
    return weights


def format_duration(seconds: float) -> str:
    """A compact duration for messages: 0.25 -> '250ms', 90 -> '90s'."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    return f"{seconds:g}s"


def check_mock_faults(specs: list[str]) -> None:
    """A bad --mock-fault is a usage error (exit 2) before the mock starts, not a dead mock."""
    try:
        FaultConfig.from_specs(list(specs))
    except UsageError as exc:
        raise UsageError(f"--mock-fault: {exc}") from None
