"""The capacity search as a state machine: steps in, next rate and conclusion out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vanceqa.load.capacity.search import (
    BISECT,
    CONFIRM,
    GENERATOR,
    MAX_RATE,
    RAMP,
    RECHECK,
    SLO,
    START_RATE,
    TIME_BUDGET,
    WARM_UP,
    Planned,
    Result,
    Search,
)

Oracle = Callable[[Planned, int], Result]


def run(search: Search, oracle: Oracle, limit: int = 60) -> list[tuple[Planned, Result]]:
    """Drive the search to its end with `oracle` judging each step (its number given)."""
    steps: list[tuple[Planned, Result]] = []
    while (planned := search.next()) is not None:
        assert len(steps) < limit, "the search did not end"
        result = oracle(planned, len(steps))
        search.record(planned, result)
        steps.append((planned, result))
    return steps


def server(capacity: float, decisive_above: float = 1.5) -> Oracle:
    """A server that holds below `capacity`; far past it, it breaks decisively."""

    def judge(planned: Planned, _: int) -> Result:
        held = planned.rate <= capacity
        return Result(held, decisive=planned.rate > capacity * decisive_above)

    return judge


def test_ramp_then_bisect_to_the_precision_then_confirm() -> None:
    search = Search(start=50, max_rate=10_000, precision=0.05, repeats=2)
    steps = run(search, server(398))
    phases = [p.phase for p, _ in steps]
    assert phases[0] == WARM_UP
    ramp = [p.rate for p, _ in steps if p.phase == RAMP]
    assert ramp == [50, 100, 200, 400]  # 400 broke (and broke again on its recheck)
    assert BISECT in phases
    conclusion = search.conclusion()
    assert conclusion.limited_by == SLO
    assert conclusion.capacity_rps is not None
    assert conclusion.broke_at is not None
    assert conclusion.capacity_rps <= 398 < conclusion.broke_at
    assert conclusion.broke_at <= conclusion.capacity_rps * 1.05
    assert conclusion.precision_reached
    # The rate found was offered twice more, and both agreed.
    confirms = [p.rate for p, _ in steps if p.phase == CONFIRM]
    assert confirms == [conclusion.capacity_rps] * 2
    assert (conclusion.repeats, conclusion.agreed) == (2, 2)
    # A near break (not decisive) is rechecked once.
    assert (Planned(RECHECK, 400), Result(False)) in steps


def test_bisection_is_geometric_and_rates_are_rounded() -> None:
    search = Search(start=100, max_rate=400, precision=0.05, repeats=0, warm_up=False)
    search.record(Planned(RAMP, 100), Result(True))
    search.record(Planned(RAMP, 200), Result(True))
    search.record(Planned(RAMP, 400), Result(False, decisive=True))
    assert search.next() == Planned(BISECT, 282.843)


def test_a_noisy_break_is_overturned_by_its_recheck() -> None:
    def noisy(planned: Planned, number: int) -> Result:
        if planned.phase == RAMP and planned.rate == 100:
            return Result(False)  # noise: a break that will not repeat
        return server(398)(planned, number)

    search = Search(start=50, max_rate=1000, precision=0.05, repeats=1)
    steps = run(search, noisy)
    assert (steps[2][0], steps[3][0]) == (Planned(RAMP, 100), Planned(RECHECK, 100))
    conclusion = search.conclusion()
    assert conclusion.limited_by == SLO
    assert conclusion.capacity_rps is not None
    assert 398 / 1.05 <= conclusion.capacity_rps <= 398
    assert (conclusion.rechecks, conclusion.overturned) >= (1, 1)


def test_a_candidate_that_breaks_when_repeated_moves_the_search_below_it() -> None:
    confirmations: list[float] = []

    def flaky(planned: Planned, number: int) -> Result:
        if planned.phase == CONFIRM and not confirmations:
            confirmations.append(planned.rate)
            return Result(False)  # the first candidate does not hold a second time
        return server(398)(planned, number)

    search = Search(start=50, max_rate=1000, precision=0.05, repeats=1)
    run(search, flaky)
    conclusion = search.conclusion()
    assert conclusion.limited_by == SLO
    assert conclusion.failed_candidates == 1
    assert conclusion.capacity_rps is not None
    assert conclusion.capacity_rps < confirmations[0]
    assert conclusion.broke_at == confirmations[0]
    assert (conclusion.repeats, conclusion.agreed) == (1, 1)


def test_a_decisive_break_is_not_rechecked() -> None:
    search = Search(start=300, max_rate=10_000, precision=0.05, repeats=0)
    steps = run(search, server(398, decisive_above=1.2))
    assert Planned(RAMP, 600) in [p for p, _ in steps]
    assert Planned(RECHECK, 600) not in [p for p, _ in steps]


def test_the_start_rate_breaking_ends_it_with_start_rate() -> None:
    search = Search(start=1600, max_rate=3200, precision=0.05, repeats=2)
    steps = run(search, server(400))
    assert [p.phase for p, _ in steps] == [WARM_UP, RAMP]  # decisive: no recheck
    conclusion = search.conclusion()
    assert (conclusion.limited_by, conclusion.capacity_rps) == (START_RATE, None)
    assert conclusion.broke_at == 1600


def test_a_near_break_at_the_start_rate_is_rechecked_first() -> None:
    search = Search(start=420, max_rate=3200, precision=0.05, repeats=2)
    steps = run(search, server(400))
    assert [p.phase for p, _ in steps] == [WARM_UP, RAMP, RECHECK]
    assert search.conclusion().limited_by == START_RATE


def test_nothing_breaking_up_to_the_max_rate() -> None:
    search = Search(start=50, max_rate=300, precision=0.05, repeats=2)
    steps = run(search, server(10_000))
    assert [p.rate for p, _ in steps if p.phase == RAMP] == [50, 100, 200, 300]
    assert [p.rate for p, _ in steps if p.phase == CONFIRM] == [300, 300]
    conclusion = search.conclusion()
    assert (conclusion.limited_by, conclusion.capacity_rps) == (MAX_RATE, 300)
    assert conclusion.broke_at is None


def test_the_generator_twice_the_limit_ends_it_with_what_held() -> None:
    def generator_tops_out(planned: Planned, number: int) -> Result:
        if planned.rate > 900:
            return Result(False, generator=True, decisive=True)
        return Result(True)

    search = Search(start=100, max_rate=100_000, precision=0.05, repeats=1)
    steps = run(search, generator_tops_out)
    assert [p.phase for p, _ in steps][-2:] == [RAMP, RECHECK]  # rechecked though decisive
    conclusion = search.conclusion()
    assert (conclusion.limited_by, conclusion.capacity_rps) == (GENERATOR, 800)
    assert conclusion.broke_at is None  # the server never broke: no upper bound


def test_the_generator_once_is_not_the_answer() -> None:
    seen: list[Planned] = []

    def once(planned: Planned, number: int) -> Result:
        seen.append(planned)
        if planned == Planned(RAMP, 200):
            return Result(False, generator=True)
        return server(398)(planned, number)

    search = Search(start=100, max_rate=1000, precision=0.05, repeats=0)
    run(search, once)
    assert Planned(RECHECK, 200) in seen
    assert search.conclusion().limited_by == SLO


def test_the_generator_at_the_start_rate_gives_no_capacity() -> None:
    search = Search(start=20_000, max_rate=40_000, precision=0.05, repeats=1)
    run(search, lambda planned, _: Result(False, generator=True, decisive=True))
    conclusion = search.conclusion()
    assert (conclusion.limited_by, conclusion.capacity_rps) == (GENERATOR, None)


@pytest.mark.parametrize(
    ("stop_after", "capacity", "broke"),
    [(1, None, None), (3, 100, None), (6, 400, 800)],
)
def test_a_stop_from_outside_keeps_what_was_proven(
    stop_after: int, capacity: float | None, broke: float | None
) -> None:
    search = Search(start=50, max_rate=10_000, precision=0.05, repeats=1)
    judge = server(500, decisive_above=1.2)
    for number in range(stop_after):
        planned = search.next()
        assert planned is not None
        search.record(planned, judge(planned, number))
    search.stop(TIME_BUDGET)
    assert search.next() is None
    conclusion = search.conclusion()
    assert (conclusion.limited_by, conclusion.capacity_rps, conclusion.broke_at) == (
        TIME_BUDGET,
        capacity,
        broke,
    )
    assert not conclusion.precision_reached
