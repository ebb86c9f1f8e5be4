"""The capacity section of the report: verdict, page, history and trend, `vanceqa run --capacity`.

The capacity.json read here is written by the real driver over the simulated run of
test_capacity_driver (no locust), so the report is tested against what the search writes.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_capacity_driver import SimulatedRun, drive, plan
from vanceqa.load import outcome
from vanceqa.load.capacity import document
from vanceqa.load.outcome import EXIT_OK
from vanceqa.report import capacity_view, run_command
from vanceqa.report.build import build_report
from vanceqa.report.result_files import load_results
from vanceqa.report.sections import SECTIONS
from vanceqa.report.verdict import ERROR, FAILED, MEASURED, PASSED, judge
from vanceqa.target import TargetConfig


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    """A finished search against a server of 400 req/s."""
    run = SimulatedRun(capacity=400)
    shape = plan()
    drive(shape, run)
    shape.conclude(EXIT_OK, ended_by_itself=True)
    return run.published[-1]


def variant(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    changed.update(changes)
    return changed


def write(folder: Path, data: dict[str, Any]) -> None:
    document.write(data, folder, secrets=())


def test_the_exit_codes_are_the_load_package_s() -> None:
    assert capacity_view.EXIT_BELOW_EXPECTED == outcome.EXIT_BREACH
    assert capacity_view.EXIT_START_RATE == outcome.EXIT_START_RATE
    assert capacity_view.EXIT_MAX_RATE == outcome.EXIT_MAX_RATE
    assert capacity_view.EXIT_GENERATOR == outcome.EXIT_GENERATOR
    assert capacity_view.EXIT_TIME_BUDGET == outcome.EXIT_TIME_BUDGET
    assert set(capacity_view.MEANINGS) == {outcome.EXIT_BREACH, *outcome.CAPACITY_BOUNDS}


def test_verdicts(found: dict[str, Any]) -> None:
    assert capacity_view.judge(found, 0).status == PASSED
    assert capacity_view.judge(found, 0).headline == found["answer"]
    start = variant(found, limited_by="start_rate", capacity_rps=None, exit_code=6)
    assert capacity_view.judge(start, 6).status == FAILED
    below = variant(found, expect_at_least=1000, expectation_met=False, exit_code=4)
    assert capacity_view.judge(below, 4).status == FAILED
    bound = variant(found, limited_by="generator", exit_code=8)
    assert capacity_view.judge(bound, 8).status == MEASURED
    proven = variant(found, limited_by="max_rate", expect_at_least=100, expectation_met=True)
    assert capacity_view.judge(proven, 0).status == PASSED
    unknown = variant(bound, expect_at_least=1000, expectation_met=None)
    assert capacity_view.judge(unknown, 8).status == ERROR
    cut = variant(found, status="searching", limited_by=None, exit_code=None)
    assert capacity_view.judge(cut, None).status == ERROR


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "400 req/s"),
        ({"limited_by": "max_rate"}, "at least 400 req/s"),
        ({"limited_by": "start_rate", "capacity_rps": None}, "below 50 req/s"),
        ({"limited_by": "generator", "capacity_rps": None}, "unknown"),
    ],
)
def test_the_figure_says_what_kind_of_number_it_is(
    found: dict[str, Any], changes: dict[str, Any], text: str
) -> None:
    data = variant(found, **{"capacity_rps": 400.0, **changes})
    assert capacity_view.figure_text(data) == text


def test_the_section_shows_the_figure_the_curve_and_the_steps(found: dict[str, Any]) -> None:
    html = capacity_view.section(found)
    assert html.startswith('<section id="capacity"><h2>Capacity</h2>')
    assert f'<p class="capacity-figure">{capacity_view.figure_text(found)}</p>' in html
    assert 'id="chart-capacity"' in html  # the latency-throughput curve, inline SVG
    assert "SLO p(99) &lt; 100ms" in html  # the SLO line's label
    assert "knee" in html
    assert html.count("<tr>") == len(found["steps"]) + 1  # a row per step and the head
    assert "Broke first: <code>p(99) &lt; 100ms</code>" in html
    assert "Confirmed: 1 of 1 repeats agreed" in html
    generator = capacity_view.section(variant(found, limited_by="generator"))
    assert "The load generator, not the server, could not keep up" in generator
    assert "did not run" in capacity_view.section(None)


def test_a_capacity_file_reaches_the_page_and_the_verdict(
    tmp_path: Path, found: dict[str, Any]
) -> None:
    write(tmp_path, found)
    results = load_results(tmp_path, SECTIONS)
    assert results.capacity == json.loads((tmp_path / "capacity.json").read_text())
    verdict = judge(results)
    capacity = next(p for p in verdict.phases if p.name == "capacity")
    assert (capacity.status, capacity.headline) == (PASSED, found["answer"])
    page = build_report(tmp_path).path.read_text()
    assert '<a href="#capacity">Capacity</a>' in page
    assert 'id="chart-capacity"' in page
    assert ".capacity-figure" in page


def test_a_start_rate_failure_alone_keeps_its_exit_code(
    tmp_path: Path, found: dict[str, Any]
) -> None:
    write(tmp_path, variant(found, limited_by="start_rate", capacity_rps=None, exit_code=6))
    verdict = judge(load_results(tmp_path, SECTIONS))
    assert (verdict.status, verdict.exit_code) == ("fail", 6)


def test_a_broken_file_is_named(tmp_path: Path, found: dict[str, Any]) -> None:
    write(tmp_path, variant(found, limited_by="luck"))
    results = load_results(tmp_path, SECTIONS)
    assert "limited_by" in results.unreadable["capacity"]


def test_the_trend_compares_capacities_under_the_same_slo(
    tmp_path: Path, found: dict[str, Any]
) -> None:
    for hour, rate in enumerate((400.0, 410.0, 395.0)):
        write(tmp_path, variant(found, capacity_rps=rate, started_at=f"2026-01-01T0{hour}:00:00Z"))
        build_report(tmp_path, record_history=True)
    write(tmp_path, variant(found, capacity_rps=300.0, started_at="2026-01-01T05:00:00Z"))
    outcome_ = build_report(tmp_path, record_history=True)
    row = next(r for r in outcome_.trend_rows if r.label == "capacity")
    assert (row.current, row.baseline, row.regression) == (300.0, 400.0, True)
    assert outcome_.history_path is not None
    record = json.loads(outcome_.history_path.read_text())["capacity"]
    assert record["capacity_rps"] == 300.0
    assert record["slo"] == ["p(99) < 100ms"]
    # A lower bound is kept, never compared as a capacity; another SLO is not compared.
    write(
        tmp_path,
        variant(
            found, capacity_rps=100.0, limited_by="generator", started_at="2026-01-01T06:00:00Z"
        ),
    )
    bound = build_report(tmp_path, record_history=True)
    assert not [r for r in bound.trend_rows if r.label == "capacity" and r.current is not None]
    other = variant(found, capacity_rps=50.0, started_at="2026-01-01T07:00:00Z")
    other["slo"] = {"file": "x", "thresholds": ["p(99) < 1s"]}
    write(tmp_path, other)
    rows = build_report(tmp_path, record_history=True).trend_rows
    assert next(r for r in rows if r.label == "capacity").baseline is None


def parser() -> argparse.ArgumentParser:
    parsed = argparse.ArgumentParser()
    run_command.add_arguments(parsed)
    return parsed


def test_vanceqa_run_plans_the_capacity_phase_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = parser().parse_args([])
    assert "capacity" not in [p.name for p in run_command.plan(plain, tmp_path, 7, TargetConfig())]
    monkeypatch.setenv("VANCEQA_EXPECT_AT_LEAST", "250")
    asked = parser().parse_args(
        ["--capacity", "--capacity-budget", "90s", "--capacity-max-rate", "900", "--slo", "s.toml"]
    )
    phase = run_command.plan(asked, tmp_path, 7, TargetConfig())[-1]
    assert (phase.name, phase.area, phase.result) == ("capacity", "capacity", "capacity.json")
    assert phase.argv == [
        "capacity", "--report-dir", str(tmp_path), "--seed", "7", "--time-budget", "90s",
        "--max-rate", "900", "--expect-at-least", "250", "--slo", "s.toml",
    ]  # fmt: skip
    assert set(phase.ok_codes) == {0, 4, 6, 7, 8, 9}
    assert phase.timeout_s > 90


def test_the_capacity_section_is_declared_once() -> None:
    [section] = [s for s in SECTIONS if s.name == "capacity"]
    assert (section.command, section.opt_in, section.keeps_exit_code) == ("capacity", True, True)
    assert (Path(run_command.__file__).parent.parent / section.cli).is_file()


def test_the_schema_knows_every_reason_a_search_ends() -> None:
    # The report may not import load (it reads result files), so capacity.json's schema
    # spells the reasons out; they must stay the search's own.
    from vanceqa.load.capacity.search import LIMITS
    from vanceqa.report.schemas import CAPACITY

    assert CAPACITY["properties"]["limited_by"]["enum"] == [*LIMITS, None]
