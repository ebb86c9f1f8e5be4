"""The capacity search's own options, each declared once: flag, variable, default, grammar.

`vanceqa capacity` (argparse) and plain `locust --shape capacity` (locust's parser) both
add them from `SETTINGS`, and the `capacity` shape reads them back through `resolve`, so
a value refused by one entry point is refused by every one. The rates and the budget
travel as the shape's usual options: `--rate START..MAX` and `--run-time BUDGET`.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.units import parse_duration, parse_positive_duration, parse_rate

DEFAULT_START_RATE = 50.0
DEFAULT_MAX_RATE = 10_000.0
DEFAULT_BUDGET_S = 600.0
GROWTH = 2.0  # the ramp doubles the rate until something breaks
MIN_STEP_S = 2.0  # a step needs at least one whole second to measure its throughput
MAX_REPEATS = 10


def parse_precision(value: object) -> float:
    """'5%' or '0.05': how close the held and the broken rate must be, relatively."""
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise UsageError(f"--precision takes a share such as 5% or 0.05, got {value!r}") from None
    if not math.isfinite(share) or not 0.001 <= share <= 0.5:
        raise UsageError(f"--precision must lie between 0.1% and 50%, got {value!r}")
    return share


def parse_repeats(value: object) -> int:
    try:
        count = int(str(value).strip())
    except ValueError:
        raise UsageError(f"--repeats takes a whole number, got {value!r}") from None
    if not 0 <= count <= MAX_REPEATS:
        raise UsageError(f"--repeats must lie between 0 and {MAX_REPEATS}, got {value!r}")
    return count


def _step_time(value: object) -> float:
    seconds = parse_positive_duration(str(value), what="--step-time")
    if seconds < MIN_STEP_S:
        raise UsageError(f"--step-time must be at least {MIN_STEP_S:g}s, got {value!r}")
    return seconds


def _warm_up(value: object) -> float:
    return parse_duration(str(value), what="--warm-up")


def _expected(value: object) -> float:
    return parse_rate(value, what="--expect-at-least")


@dataclass(frozen=True)
class Setting:
    """One option of the search."""

    name: str  # the dest, and the key `resolve` reads
    flag: str
    env: str
    default: str | None
    help: str
    parse: Callable[[object], Any]


SETTINGS: tuple[Setting, ...] = (
    Setting("step_time", "--step-time", "VANCEQA_STEP_TIME", "20s",
            "how long each rate is offered (at least 2s)", _step_time),
    Setting("warm_up", "--warm-up", "VANCEQA_WARM_UP", "5s",
            "a first, unjudged step at the start rate (0: none)", _warm_up),
    Setting("precision", "--precision", "VANCEQA_PRECISION", "5%",
            "stop bisecting once the held and the broken rate are this close", parse_precision),
    Setting("repeats", "--repeats", "VANCEQA_REPEATS", "2",
            "times the rate found is offered again to confirm it", parse_repeats),
    Setting("expect_at_least", "--expect-at-least", "VANCEQA_EXPECT_AT_LEAST", None,
            "fail (exit 4) when the capacity is below this many req/s", _expected),
)  # fmt: skip


def resolve(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting parsed from `values` (by name; None or absent: its default)."""
    resolved: dict[str, Any] = {}
    for setting in SETTINGS:
        given = values.get(setting.name)
        text = setting.default if given is None or given == "" else given
        resolved[setting.name] = None if text is None else setting.parse(text)
    return resolved


def add_arguments(parser: argparse.ArgumentParser | Any, *, locust: bool = False) -> None:
    """The settings on a parser: argparse (defaults from the variables) or locust's own
    configargparse parser (which reads the variables itself)."""
    for setting in SETTINGS:
        default = f" (default {setting.default})" if setting.default else ""
        text = f"capacity search: {setting.help}{default}; env {setting.env}"
        if locust:
            parser.add_argument(
                setting.flag, dest=setting.name, env_var=setting.env, help=text.replace("%", "%%")
            )
        else:
            parser.add_argument(
                setting.flag,
                dest=setting.name,
                default=os.environ.get(setting.env) or None,
                help=text.replace("%", "%%"),
            )


def check_rates(start: float, max_rate: float, max_rps: float | None) -> None:
    """The search's range: START <= MAX, and MAX within the target's --max-rps."""
    if start > max_rate:
        raise UsageError(f"the start rate {start:g} req/s is above the max rate {max_rate:g}")
    if max_rps is not None and max_rate > max_rps:
        raise UsageError(
            f"the max rate {max_rate:g} req/s exceeds --max-rps {max_rps:g} "
            "(lower --max-rate, or raise --max-rps)"
        )
