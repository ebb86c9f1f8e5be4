"""The small languages of every option: durations, rates and sizes, parsed in one place.

    duration   30s, 250ms, 1m30s, 1h, 500us; a bare number takes the caller's unit
    rate       50, 12.5, 50/s (requests per second, finite and positive)
    rate range 50 (from 50 to 50) or 10..200 (a ramp)
    size       4MB, 512KiB, 1048576 (bytes; k/M/G are powers of 1024, as for memory)

Every parser refuses what is not finite (`nan`, `inf`, a 400-digit number) or past sane
bounds (a duration over a year, a rate under one request in 1000 s) with a `UsageError`
naming the option, so no entry point can accept a value another one refuses or crash on
one later (`time.sleep(1e300)`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from vanceqa.errors import UsageError

_PART = re.compile(r"([0-9]*\.?[0-9]+)\s*(us|ms|s|m|h)?", re.ASCII)
_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmg]?)(i?b?)\s*$", re.ASCII | re.IGNORECASE)
_SIZE_FACTOR = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MAX_DURATION_S = 365 * 24 * 3600.0
MIN_RATE = 0.001
MAX_SIZE = 1024**4


def parse_duration(text: str, *, default_unit: str = "s", what: str = "duration") -> float:
    """'10s' -> 10.0, '1h30m' -> 5400.0, '250ms' -> 0.25; a bare number is `default_unit`."""
    compact = str(text).strip().replace(" ", "")
    if not compact:
        raise UsageError(f"{what} is empty")
    total, pos = 0.0, 0
    while pos < len(compact):
        match = _PART.match(compact, pos)
        if not match:
            raise UsageError(f"{what} {text!r} is not a duration (write e.g. 30s, 250ms, 1m30s)")
        if match.group(2) is None and (pos or match.end() < len(compact)):
            raise UsageError(f"{what} {text!r}: give every part a unit, e.g. 1m30s")
        unit = match.group(2) or default_unit
        total += float(match.group(1)) * _SECONDS[unit]
        pos = match.end()
    if not math.isfinite(total) or total > MAX_DURATION_S:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise UsageError(f"{what} {shown!r} is too long (at most a year)")
    return total


def format_duration(seconds: float) -> str:
    """Seconds as `parse_duration` reads them back exactly: 1080000.0 -> '1080000s'."""
    return f"{Decimal(repr(float(seconds))):f}s"


def parse_positive_duration(text: str, *, default_unit: str = "s", what: str) -> float:
    seconds = parse_duration(text, default_unit=default_unit, what=what)
    if seconds <= 0:
        raise UsageError(f"{what} must be positive, got {text!r}")
    return seconds


def parse_rate(value: object, *, what: str = "rate") -> float:
    """One rate in requests per second: finite and positive ('50', '12.5', '50/s')."""
    text = str(value).strip().removesuffix("/s")
    try:
        rate = float(text)
    except ValueError:
        raise UsageError(f"{what} must be a number of requests per second, got {value!r}") from None
    if not math.isfinite(rate) or rate <= 0:
        raise UsageError(f"{what} must be a positive, finite number, got {value!r}")
    if rate < MIN_RATE:
        raise UsageError(f"{what} must be at least {MIN_RATE:g} requests per second, got {value!r}")
    return rate


def parse_rate_range(text: str, *, what: str = "--rate") -> tuple[float, float]:
    """'50' -> (50, 50); '10..200' -> (10, 200), a ramp. The start may be 0."""
    low, dots, high = str(text).strip().removesuffix("/s").partition("..")
    try:
        start = float(low)
        end = float(high) if dots else start
    except ValueError:
        raise UsageError(
            f"{what} takes requests per second, e.g. 50 or 10..200; got {text!r}"
        ) from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= 0:
        raise UsageError(f"{what} must be positive and finite; got {text!r}")
    return start, end


def parse_size(value: object, *, what: str = "size") -> int:
    """'4MB' -> 4194304, '512k' -> 524288, '1000' -> 1000 bytes; positive."""
    match = _SIZE.match(str(value))
    if not match:
        raise UsageError(f"{what} must be a size such as 4MB or 512KiB, got {value!r}")
    size = float(match.group(1)) * _SIZE_FACTOR[match.group(2).lower()]
    if not math.isfinite(size) or size < 1:
        raise UsageError(f"{what} must be at least one byte, got {value!r}")
    if size > MAX_SIZE:
        raise UsageError(f"{what} must be at most 1 TiB, got {value!r}")
    return int(size)


def format_size(size: int) -> str:
    """4194304 -> '4 MiB', 1500 -> '1500 B': for messages."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} B"
