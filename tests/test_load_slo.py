"""SLO files: k6-style thresholds, parsed strictly, judged on merged numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanceqa.contract import default_contract
from vanceqa.errors import UsageError
from vanceqa.load.metrics import Aggregate, Collector
from vanceqa.load.slo import SLO, evaluate, load_slo, parse_threshold
from vanceqa.resources import loadtests_dir

OPS = default_contract().operation_ids()


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit", "unit"),
    [
        ("p(95) < 250ms", "p(95)", "<", 250.0, "ms"),
        ("p(99.9)<1s", "p(99.9)", "<", 1000.0, "ms"),
        ("p(99) <= 1500us", "p(99)", "<=", 1.5, "ms"),
        ("med < 20", "med", "<", 20.0, "ms"),
        ("error_rate < 1%", "error_rate", "<", 0.01, "ratio"),
        ("throttled_rate < 0.05", "throttled_rate", "<", 0.05, "ratio"),
        ("rps >= 200", "rps", ">=", 200.0, "rps"),
        ("dropped == 0", "dropped", "==", 0.0, "count"),
    ],
)
def test_thresholds(text: str, metric: str, op: str, limit: float, unit: str) -> None:
    threshold = parse_threshold(text)
    assert (threshold.metric, threshold.op, threshold.unit) == (metric, op, unit)
    assert threshold.limit == pytest.approx(limit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95 < 250ms", r"no metric .* write p\(95\)"),
        ("p(95) < 250 parsecs", "latency takes"),
        ("error_rate < 5ms", "rate takes"),
        ("error_rate < 150%", "between 0 and 100%"),
        ("dropped == 0%", "count takes no unit"),
        ("p(0) < 1s", "percentile"),
        ("p(95) ~ 1s", "METRIC OP VALUE"),
    ],
)
def test_bad_thresholds(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_threshold(text)


def test_the_default_file_parses() -> None:
    slo = load_slo(loadtests_dir() / "slo.toml", OPS)
    assert any(t.scope == "getKitten" and t.metric == "p(99.9)" for t in slo.thresholds)
    assert any(t.expression == "error_rate < 1%" for t in slo.thresholds)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[overall\n", "not valid TOML"),
        ("[operations.buyKitten]\nthresholds = []", "no operation 'buyKitten'"),
        ("[overall]\nthreshold = []", "unknown key"),
        ("[overal]\nthresholds = []", "unknown section"),
        ("[overall]\nthresholds = 'p(95) < 1s'", "list of strings"),
        ("[overall]\nabort_on_fail = 'yes'", "true or false"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "slo.toml"
    path.write_text(body)
    with pytest.raises(UsageError, match=message):
        load_slo(path, OPS)
    with pytest.raises(UsageError, match="not found"):
        load_slo(tmp_path / "missing.toml", OPS)


def _aggregate() -> Aggregate:
    collector = Collector(lambda: 100.0)
    for i in range(100):  # 1..100 ms, 2 failures, 3 throttled
        failure = "status 500 not documented for getKitten" if i < 2 else None
        collector.record("getKitten", (i + 1) * 1000, None, failure, 2 <= i < 5, 50.0)
    aggregate = Aggregate(OPS)
    aggregate.add(collector.delta(final=True))
    return aggregate


def _slo(path: Path, text: str) -> SLO:
    path.write_text(text)
    return load_slo(path, OPS)


def test_verdicts_pass_and_fail_with_measured_values(tmp_path: Path) -> None:
    slo = _slo(
        tmp_path / "s.toml",
        """
        [overall]
        thresholds = ["p(95) < 250ms", "p(50) < 10ms", "error_rate < 1%", "throttled_rate < 5%",
                      "rps >= 10", {threshold = "dropped == 0", abort_on_fail = true}]
        [operations.getKitten]
        thresholds = ["max <= 100.1ms", "requests >= 100"]
        [operations.deleteKitten]
        thresholds = ["p(99) < 1s"]
        """,
    )
    verdicts = {
        (v.threshold.scope, v.threshold.expression): v for v in evaluate(slo, _aggregate(), 5.0)
    }
    assert verdicts["overall", "p(95) < 250ms"].passed
    assert verdicts["overall", "p(95) < 250ms"].measured == pytest.approx(95.0, rel=0.002)
    assert not verdicts["overall", "p(50) < 10ms"].passed
    assert not verdicts["overall", "error_rate < 1%"].passed
    assert verdicts["overall", "error_rate < 1%"].measured == 0.02
    assert verdicts["overall", "throttled_rate < 5%"].measured == 0.03
    assert verdicts["overall", "rps >= 10"].measured == 20.0
    assert verdicts["getKitten", "requests >= 100"].passed
    assert verdicts["getKitten", "max <= 100.1ms"].passed
    nothing = verdicts["deleteKitten", "p(99) < 1s"]
    assert (nothing.passed, nothing.measured, nothing.note) == (False, None, "nothing measured")
    json = nothing.to_json()
    assert json["scope"] == "deleteKitten"
    assert json["passed"] is False


def test_only_breaches_that_cannot_heal_abort(tmp_path: Path) -> None:
    slo = _slo(
        tmp_path / "s.toml",
        """
        [overall]
        thresholds = ["p(95) < 1ms", "rps >= 1000", "requests >= 5", "dropped == 0"]
        abort_on_fail = true
        """,
    )
    abortable = [t.expression for t in slo.thresholds if t.abortable]
    assert abortable == ["p(95) < 1ms", "dropped == 0"]
    assert slo.aborts
    mid_run = evaluate(slo, _aggregate(), 5.0, only_abortable=True)
    assert [v.threshold.expression for v in mid_run] == abortable
