"""The load options' own small languages: run time, think time, weights, mock faults.

Durations and rates themselves are parsed by `vanceqa.units`, as for every command.
"""

from __future__ import annotations

from vanceqa.errors import UsageError
from vanceqa.mock.faults import FaultConfig
from vanceqa.units import parse_duration

SCENARIOS = ("browse", "admin", "delete")
DEFAULT_WEIGHTS = {"browse": 8.0, "admin": 1.0, "delete": 1.0}


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


def check_mock_faults(specs: list[str]) -> None:
    """A bad --mock-fault is a usage error (exit 2) before the mock starts, not a dead mock."""
    try:
        FaultConfig.from_specs(list(specs))
    except UsageError as exc:
        raise UsageError(f"--mock-fault: {exc}") from None
