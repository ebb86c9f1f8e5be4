"""Per-process collection, deltas, and the master's merge of them."""

from __future__ import annotations

import msgpack
import pytest

from vanceqa.load.metrics import OVERALL, Aggregate, Collector


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _record(collector: Collector, op: str, n: int, at: float, **kw: object) -> None:
    for i in range(n):
        collector.record(
            op, 1000 + i, kw.get("corrected"), kw.get("failure"), bool(kw.get("throttled")), at
        )  # type: ignore[arg-type]


def test_deltas_carry_everything_once_and_merge_to_the_sum() -> None:
    clock = Clock(1000.5)
    workers = [Collector(clock), Collector(clock)]
    aggregate = Aggregate(["listKittens", "getKitten"])
    _record(workers[0], "getKitten", 30, 1000.2)
    _record(
        workers[0], "listKittens", 10, 1000.3, failure="status 500 not documented for listKittens"
    )
    _record(workers[1], "getKitten", 5, 1000.7, throttled=True)
    workers[1].drop("getKitten", 1000.1, 2)
    for worker in workers:
        delta = worker.delta()
        # deltas travel in locust's msgpack messages
        aggregate.add(msgpack.loads(msgpack.dumps(delta), raw=False, strict_map_key=False))
    assert aggregate.seconds == {}  # second 1000 is still running: held back
    clock.now = 1001.2
    _record(workers[0], "getKitten", 4, 1001.0)
    for worker in workers:
        aggregate.add(worker.delta(final=True))
        assert worker.delta(final=True)["ops"] == {}  # nothing is sent twice
    get = aggregate.totals("getKitten")
    assert get is not None
    assert (get.requests, get.throttled, get.dropped, get.failures) == (39, 5, 2, 0)
    overall = aggregate.totals(OVERALL)
    assert overall is not None
    assert overall.requests == 49
    assert overall.failures == 10
    assert overall.reasons == {"status 500 not documented for listKittens": 10}
    assert overall.raw.get_total_count() == 49
    assert sum(w.sent["requests"] for w in workers) == 49
    assert aggregate.names() == ["listKittens", "getKitten"]
    series = aggregate.timeseries(1000.0)
    assert [
        (row["t"], row["rps"], row["errors"], row["throttled"], row["dropped"]) for row in series
    ] == [
        (0, 45, 10, 5, 2),
        (1, 4, 0, 0, 0),
    ]


def _fields(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[k] for k in ("t", "rps", "errors", "throttled", "dropped"))


def test_each_operation_has_its_own_series_and_overall_is_their_merge() -> None:
    """listKittens is fast and busy early, getKitten slow and busy late; two workers."""
    clock = Clock(1003.0)
    workers = [Collector(clock), Collector(clock)]
    fail = "status 500 not documented for getKitten"
    for i in range(10):  # second 1000, the operations interleaved (the hot path's cache)
        workers[0].record("listKittens", 5_000, None, None, False, 1000.1)
        if i < 3:
            workers[0].record("getKitten", 200_000, None, fail if i == 0 else None, False, 1000.2)
    for _ in range(4):
        workers[0].record("listKittens", 5_000, None, None, False, 1001.5)
    for _ in range(6):
        workers[0].record("getKitten", 200_000, None, None, False, 1002.5)
    workers[0].record("listKittens", 5_000, None, None, False, 1000.9)  # late, after 1002
    for _ in range(2):
        workers[1].record("getKitten", 50_000, None, None, True, 1001.3)
    workers[1].drop("getKitten", 1001.6)
    aggregate = Aggregate(["listKittens", "getKitten"])
    for worker in workers:
        aggregate.add(msgpack.loads(msgpack.dumps(worker.delta()), raw=False))

    lists = aggregate.timeseries(1000.0, scope="listKittens")
    gets = aggregate.timeseries(1000.0, scope="getKitten")
    overall = aggregate.timeseries(1000.0)
    assert [_fields(r) for r in lists] == [(0, 11, 0, 0, 0), (1, 4, 0, 0, 0), (2, 0, 0, 0, 0)]
    assert [_fields(r) for r in gets] == [(0, 3, 1, 0, 0), (1, 2, 0, 2, 1), (2, 6, 0, 0, 0)]
    assert [_fields(r) for r in overall] == [(0, 14, 1, 0, 0), (1, 6, 0, 2, 1), (2, 6, 0, 0, 0)]
    assert [r["p50"] for r in lists] == [pytest.approx(5.0, rel=0.01)] * 2 + [None]
    assert [r["p99"] for r in gets] == [
        pytest.approx(200.0, rel=0.01),
        pytest.approx(50.0, rel=0.01),
        pytest.approx(200.0, rel=0.01),
    ]
    # overall merges the histograms: the fast list holds the median, the slow get the tail
    assert overall[0]["p50"] == pytest.approx(5.0, rel=0.01)
    assert overall[0]["p99"] == pytest.approx(200.0, rel=0.01)
    assert overall[1]["p50"] == pytest.approx(5.0, rel=0.01)
    assert overall[1]["p95"] == pytest.approx(50.0, rel=0.01)
    for totals_name, series in (("listKittens", lists), ("getKitten", gets)):
        totals = aggregate.totals(totals_name)
        assert totals is not None
        assert sum(r["rps"] for r in series) == totals.requests


def test_open_model_entries_carry_corrected_latency() -> None:
    collector = Collector(Clock(50.0))
    collector.open_window(10.0)
    _record(collector, "listKittens", 100, 20.0, corrected=900_000)
    collector.close_window(30.0)
    aggregate = Aggregate()
    aggregate.add(collector.delta(final=True))
    assert aggregate.open_model
    assert aggregate.duration_s() == 20.0
    totals = aggregate.totals("listKittens")
    assert totals is not None
    entry = aggregate.entry(totals, aggregate.duration_s())
    assert entry["rps"] == 5.0
    assert entry["latency_ms"]["p50"] < 2
    assert 899 < entry["latency_corrected_ms"]["p50"] < 901
    assert entry["error_rate"] == 0.0
    row = aggregate.timeseries(10.0)[0]
    assert row["t"] == 10
    assert row["p99_corrected"] is not None


def test_closed_model_has_no_corrected_latency() -> None:
    collector = Collector(Clock(5.0))
    _record(collector, "getKitten", 3, 4.0)
    aggregate = Aggregate()
    aggregate.add(collector.delta(final=True))
    assert not aggregate.open_model
    entry = aggregate.entry(aggregate.totals(OVERALL), 1.0)  # type: ignore[arg-type]
    assert entry["latency_corrected_ms"] is None
    assert entry["rps"] == 3.0
    assert entry["dropped_rate"] == 0.0
