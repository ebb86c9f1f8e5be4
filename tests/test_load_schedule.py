"""The open model's arrival schedule: the rate asked for, split evenly over processes."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanceqa.errors import UsageError
from vanceqa.load.schedule import ArrivalSchedule


def test_constant_rate_is_evenly_spaced() -> None:
    schedule = ArrivalSchedule(50, 50, 10)
    times = list(schedule.offsets())
    assert len(times) == schedule.total() == 500
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {0.02}
    assert times[0] == pytest.approx(0.01)


@given(
    rate_from=st.floats(0, 400),
    rate_to=st.floats(1, 400),
    duration=st.floats(0.5, 20),
    count=st.integers(1, 5),
)
def test_processes_share_the_run_without_gap_or_overlap(
    rate_from: float, rate_to: float, duration: float, count: int
) -> None:
    whole = list(ArrivalSchedule(rate_from, rate_to, duration).offsets())
    parts = [ArrivalSchedule(rate_from, rate_to, duration, i, count) for i in range(count)]
    shared = sorted(t for part in parts for t in part.offsets())
    assert shared == pytest.approx(whole)
    assert sum(part.total() for part in parts) == len(whole)
    for part in parts:
        assert part.total() == len(list(part.offsets()))


def test_ramp_follows_the_integral_of_the_rate() -> None:
    schedule = ArrivalSchedule(0, 100, 10)  # N(t) = 5 t^2
    times = list(schedule.offsets())
    assert len(times) == 500
    first_half = sum(1 for t in times if t < 5)
    assert first_half == 125  # N(5) = 125: a ramp sends a quarter in its first half
    assert schedule.rate_at(5) == 50


def test_bad_schedules() -> None:
    with pytest.raises(UsageError):
        ArrivalSchedule(0, 0, 10)
    with pytest.raises(UsageError):
        ArrivalSchedule(10, 10, 0)
    with pytest.raises(UsageError):
        ArrivalSchedule(10, 10, 5, index=2, count=2)
