"""One step's numbers and verdict: exact differences, thresholds, and whose limit it was."""

from __future__ import annotations

from typing import Any

import pytest

from vanceqa.contract import default_contract
from vanceqa.errors import UsageError
from vanceqa.load import hdr
from vanceqa.load.capacity import settings
from vanceqa.load.capacity.step import (
    ACHIEVED_SHARE,
    Snapshot,
    between,
    completed,
    generator_numbers,
    in_flight,
    judge,
    lag_limit_ms,
    pool_seconds,
    take,
)
from vanceqa.load.metrics import OVERALL, Aggregate, Collector
from vanceqa.load.slo import SLO, parse_threshold

OPS = default_contract().operation_ids()
NOW = 1_700_000_000.0


def slo(*expressions: str) -> SLO:
    return SLO("test", tuple(parse_threshold(e) for e in expressions))


def numbers(
    requests: int,
    raw_ms: float,
    corrected_ms: float | None = None,
    failures: int = 0,
    second: float = NOW,
) -> Aggregate:
    collector = Collector(lambda: second + 10)
    for i in range(requests):
        fixed = None if corrected_ms is None else int(corrected_ms * 1000)
        reason = "status 500 not documented for getKitten" if i < failures else None
        collector.record("getKitten", int(raw_ms * 1000), fixed, reason, False, second)
    aggregate = Aggregate(OPS)
    aggregate.add(collector.delta(final=True))
    return aggregate


def quiet_generator(**extra: Any) -> dict[str, Any]:
    return {
        "processes": [{"name": "local", "cpu": 0.2, "busy": 0.3}],
        "cpu_max": 0.2,
        "busy_max": 0.3,
        "lag_p50_ms": 0.5,
        "lag_p95_ms": 2.0,
        "lag_max_ms": 9.0,
        **extra,
    }


def verdict(aggregate: Aggregate, raw: Aggregate | None = None, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "slo": slo("p(99) < 100ms", "error_rate < 1%"),
        "step": aggregate,
        "raw": raw or between(Snapshot(), take(aggregate), OPS, corrected=False),
        "offered": 100.0,
        "completed_count": 400,
        "seconds": 4,
        "generator": quiet_generator(),
        "pool": 25,
    }
    args.update(kw)
    return judge(**args)


# -- differences between snapshots ---------------------------------------------------------


def test_a_step_is_exactly_what_happened_between_two_snapshots() -> None:
    collector = Collector(lambda: NOW + 100)
    aggregate = Aggregate(OPS)
    for latency in (10, 20, 30):
        collector.record("listKittens", latency * 1000, latency * 1000 + 5000, None, False, NOW)
    collector.record("listKittens", 40_000, 45_000, "unexpected 401 Unauthorized", False, NOW)
    aggregate.add(collector.delta(final=True))
    before = take(aggregate)
    for latency in (200, 300):
        collector.record("getKitten", latency * 1000, latency * 1000, None, False, NOW + 1)
    collector.record("listKittens", 500_000, 900_000, "unexpected 401 Unauthorized", False, NOW)
    collector.drop("listKittens", NOW + 1, 3)
    aggregate.add(collector.delta(final=True))
    step = between(before, take(aggregate), OPS)
    overall = step.totals(OVERALL)
    assert overall is not None
    assert (overall.requests, overall.failures, overall.dropped) == (3, 1, 3)
    assert dict(overall.reasons) == {"unexpected 401 Unauthorized": 1}
    assert hdr.total(overall.raw) == 3
    assert hdr.summary_ms(overall.raw)["max"] == pytest.approx(500, rel=0.001)  # type: ignore[index]
    assert hdr.summary_ms(overall.raw)["min"] == pytest.approx(200, rel=0.001)  # type: ignore[index]
    assert hdr.summary_ms(overall.corrected)["max"] == pytest.approx(900, rel=0.001)  # type: ignore[index]
    raw_only = between(before, take(aggregate), OPS, corrected=False).totals(OVERALL)
    assert raw_only is not None
    assert hdr.total(raw_only.corrected) == 0
    everything = between(Snapshot(), take(aggregate), OPS).totals(OVERALL)
    assert everything is not None
    assert everything.requests == 7


def test_throughput_counts_whole_seconds_of_the_offer_only() -> None:
    collector = Collector(lambda: NOW + 100)
    for second, count in ((NOW, 7), (NOW + 1, 50), (NOW + 2, 50), (NOW + 3, 12)):
        for _ in range(count):
            collector.record("getKitten", 1000, 1000, None, False, second + 0.5)
    aggregate = Aggregate(OPS)
    aggregate.add(collector.delta(final=True))
    assert completed(aggregate, NOW + 0.7, NOW + 3.2) == (100, 2)
    assert completed(aggregate, NOW + 0.7, NOW + 1.5) == (0, 0)


def test_generator_numbers_per_process() -> None:
    probes = [
        {
            "at": NOW + t,
            "cpu_s": 0.5 * t,
            "busy_s": 0.95 * t,
            "scheduled": 0,
            "dropped": 0,
            "finished": 0,
            "lags_ms": [1.0] * 9 + [40.0],
        }
        for t in range(6)
    ]
    numbers_ = generator_numbers({"w1": probes, "w2": probes[:1]}, NOW + 1, NOW + 4)
    first, second = numbers_["processes"]
    assert first == {"name": "w1", "cpu": 0.5, "busy": 0.95}
    assert second == {"name": "w2", "cpu": None, "busy": None}
    assert numbers_["cpu_max"] == 0.5
    assert numbers_["busy_max"] == 0.95
    assert (numbers_["lag_p50_ms"], numbers_["lag_max_ms"]) == (1.0, 40.0)
    assert in_flight({"scheduled": 10, "dropped": 2, "finished": 5}) == 3


# -- verdicts ---------------------------------------------------------------------------------


def test_a_step_holds_when_every_threshold_and_the_throughput_hold() -> None:
    result = verdict(numbers(400, 20, 25))
    assert (result.held, result.generator, result.broken) == (True, False, [])
    rows = {r["expression"]: r for r in result.thresholds}
    assert rows["p(99) < 100ms"]["measured"] == pytest.approx(25, rel=0.01)
    assert rows["p(99) < 100ms"]["measured_raw"] == pytest.approx(20, rel=0.01)
    assert rows[f"achieved >= {ACHIEVED_SHARE:.0%} of offered"]["passed"] is True


def test_latency_is_judged_on_the_corrected_figure() -> None:
    result = verdict(numbers(400, 150, 160))
    assert result.broken == ["p(99) < 100ms"]
    assert not result.generator  # the server itself took 150 ms
    assert not result.decisive  # 1.6 x the limit: could be noise, recheck it


def test_a_break_far_beyond_the_limit_is_decisive() -> None:
    assert verdict(numbers(400, 350, 2000)).decisive
    assert verdict(numbers(400, 20, 25), completed_count=200).decisive  # half the rate
    assert not verdict(numbers(400, 20, 25), completed_count=340).decisive
    assert verdict(numbers(400, 20, 25, failures=40)).decisive  # 10% errors, limit 1%


def test_a_break_in_the_tail_only_is_rechecked_however_far() -> None:
    # 2% of the answers took 400 ms (p99 four times the limit), the rest 25 ms: a busy
    # machine's stall looks so. A server past its capacity slows most answers.
    collector = Collector(lambda: NOW + 10)
    for i in range(400):
        ms = 400 if i % 50 == 0 else 25
        collector.record("getKitten", ms * 1000, ms * 1000, None, False, NOW)
    tail = Aggregate(OPS)
    tail.add(collector.delta(final=True))
    result = verdict(tail)
    assert result.broken == ["p(99) < 100ms"]
    assert not result.decisive
    assert verdict(numbers(400, 350, 400)).decisive  # every answer slow: no noise


def test_a_throughput_shortfall_breaks_the_step() -> None:
    result = verdict(numbers(300, 20, 25), completed_count=300)
    assert result.broken == [f"achieved >= {ACHIEVED_SHARE:.0%} of offered"]


def test_whole_run_floors_are_not_judged_per_step() -> None:
    result = verdict(numbers(400, 20, 25), slo=slo("rps >= 1000", "requests > 100000"))
    assert result.held
    assert [r["note"] for r in result.thresholds[:2]] == [
        "not judged per step: it speaks of a whole run"
    ] * 2


def test_nothing_measured_breaks_and_is_no_generator_s_doing() -> None:
    thresholds = (parse_threshold("p(99) < 1s", scope="deleteKitten"),)
    result = verdict(numbers(400, 20, 25), slo=SLO("test", thresholds))
    assert result.broken == ["p(99) < 1s"]
    assert result.thresholds[0]["note"] == "nothing measured"
    assert not result.generator
    assert result.decisive


@pytest.mark.parametrize(
    ("generator", "why"),
    [
        (quiet_generator(busy_max=0.97, processes=[{"name": "w1", "cpu": 0.4, "busy": 0.97}]),
         "generator process w1 was busy 97% of the time"),
        (quiet_generator(busy_max=None, cpu_max=0.95,
                         processes=[{"name": "w2", "cpu": 0.95, "busy": None}]),
         "generator process w2 used 95% of a core"),
        (quiet_generator(lag_p50_ms=30.0), "event loop ran 30 ms late"),
    ],
)  # fmt: skip
def test_a_saturated_generator_makes_a_break_the_generator_s(
    generator: dict[str, Any], why: str
) -> None:
    result = verdict(numbers(400, 400, 900), generator=generator)
    assert result.generator
    assert any(why in reason for reason in result.why_generator)


def test_a_break_only_on_corrected_latencies_is_the_generator_s() -> None:
    step = numbers(400, 20, 400)  # answered in 20 ms, but sent late
    result = verdict(step)
    assert result.broken == ["p(99) < 100ms"]
    assert result.generator
    assert "requests left the generator late" in result.why_generator[0]


def test_without_latency_thresholds_little_s_law_decides() -> None:
    fast = verdict(numbers(300, 5, 5), slo=slo("error_rate < 1%"), completed_count=300)
    assert fast.generator  # 100/s x 5 ms needs 0.5 users of 25: the server was not the limit
    slow = verdict(numbers(300, 500, 500), slo=slo("error_rate < 1%"), completed_count=300)
    assert not slow.generator  # 100/s x 500 ms needs 50 users: the server was


def test_server_errors_are_the_server_s() -> None:
    result = verdict(numbers(400, 20, 25, failures=8))
    assert result.broken == ["error_rate < 1%"]
    assert not result.generator


def test_the_pool_and_lag_limits_follow_the_slo() -> None:
    assert pool_seconds(slo("p(99) < 100ms"), 10.0) == pytest.approx(0.15)
    assert pool_seconds(slo("p(95) < 250ms", "p(99.9) < 1s"), 10.0) == pytest.approx(0.375)
    assert pool_seconds(slo("error_rate < 1%"), 10.0) == 0.5
    assert pool_seconds(slo("p(99) < 60s"), 10.0) == 10.0
    assert lag_limit_ms(slo("p(99) < 100ms", "p(50) < 20ms")) == 10.0
    assert lag_limit_ms(slo("p(99) < 1s")) == 250.0
    assert lag_limit_ms(None) == 50.0


# -- the settings -------------------------------------------------------------------------------


def test_settings_parse_with_their_defaults() -> None:
    resolved = settings.resolve({"precision": "2%", "repeats": "0"})
    assert resolved == {
        "step_time": 20.0,
        "warm_up": 5.0,
        "precision": 0.02,
        "repeats": 0,
        "expect_at_least": None,
    }
    assert settings.resolve({"expect_at_least": "250/s"})["expect_at_least"] == 250.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"step_time": "1s"}, "--step-time must be at least 2s"),
        ({"step_time": "soon"}, "--step-time"),
        ({"precision": "80%"}, "--precision must lie between"),
        ({"precision": "five"}, "--precision takes a share"),
        ({"repeats": "-1"}, "--repeats must lie between 0 and 10"),
        ({"expect_at_least": "0"}, "--expect-at-least must be a positive"),
        ({"warm_up": "-2s"}, "--warm-up"),
    ],
)
def test_bad_settings_are_usage_errors(values: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        settings.resolve(values)


def test_rates_are_checked_against_each_other_and_max_rps() -> None:
    settings.check_rates(50, 50, None)
    with pytest.raises(UsageError, match="start rate 500 req/s is above the max rate 100"):
        settings.check_rates(500, 100, None)
    with pytest.raises(UsageError, match="exceeds --max-rps 200"):
        settings.check_rates(50, 1000, 200)
