"""The small option languages of the load tests (shapes: test_load_shapes.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vanceqa.errors import UsageError
from vanceqa.load.units import DEFAULT_WEIGHTS, parse_think_time, parse_weights
from vanceqa.units import parse_duration, parse_positive_duration
from vanceqa.units import parse_rate_range as parse_rate


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10s", 10.0),
        ("2m", 120.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("90", 90.0),
        ("1m 30s", 90.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "ten", "10 parsecs", "-5s", "1s2"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_run_time_must_be_positive() -> None:
    with pytest.raises(UsageError, match="positive"):
        parse_positive_duration("0s", what="--run-time")


@pytest.mark.parametrize(
    ("text", "rates"), [("50", (50.0, 50.0)), ("10..200", (10.0, 200.0)), ("0..5/s", (0.0, 5.0))]
)
def test_rates(text: str, rates: tuple[float, float]) -> None:
    assert parse_rate(text) == rates


@pytest.mark.parametrize("text", ["x", "0", "-3", "nan", "inf", "..5", "5.."])
def test_bad_rates(text: str) -> None:
    with pytest.raises(UsageError, match="--rate"):
        parse_rate(text)


def test_think_time() -> None:
    assert parse_think_time("0") == (0.0, 0.0)
    assert parse_think_time("1s") == (1.0, 1.0)
    assert parse_think_time("500ms..2s") == (0.5, 2.0)
    with pytest.raises(UsageError, match="backwards"):
        parse_think_time("2s..1s")


def test_weights() -> None:
    assert parse_weights("") == DEFAULT_WEIGHTS
    assert parse_weights("admin=0, delete=3") == {"browse": 8.0, "admin": 0.0, "delete": 3.0}
    for bad in ("browse", "shop=1", "admin=x", "admin=-1", "browse=0,admin=0,delete=0"):
        with pytest.raises(UsageError, match="--weights"):
            parse_weights(bad)


def test_the_launcher_does_not_import_locust() -> None:
    """`vanceqa load` must not be patched by gevent: only locust processes import it."""
    code = (
        "import sys, vanceqa.load.cli, vanceqa.load.load_json, vanceqa.load.slo,"
        " vanceqa.load.options, vanceqa.load.outcome, vanceqa.load.shapes;"
        "bad = [m for m in ('locust', 'gevent') if m in sys.modules]; print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
