"""A report section is one declaration: a new one reaches every part of the report.

The `capacity`-like section below is declared once, as a plugin or the next issue would,
and must then be read, judged, shown, recorded in history, compared in the trend and
planned by `vanceqa run` without any other edit.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from vanceqa.report import run_command
from vanceqa.report.build import build_report
from vanceqa.report.phases import Phase
from vanceqa.report.result_files import JSON, load_results
from vanceqa.report.sections import SECTIONS, Figure, Section
from vanceqa.report.verdict import FAILED, PASSED, PhaseVerdict, judge
from vanceqa.target import TargetConfig

RESULTS = DATA / "results"

SPEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "top_rps"],
    "properties": {
        "format": {"type": "string", "pattern": "^test\\.speed/1$"},
        "top_rps": {"type": ["number", "null"]},
        "expected_rps": {"type": ["number", "null"]},
    },
}


def judge_speed(data: JSON, code: int | None) -> PhaseVerdict:
    top, expected = data["top_rps"], data.get("expected_rps") or 0
    status = PASSED if top is not None and top >= expected else FAILED
    return PhaseVerdict("speed", status, f"top speed {top} req/s", code)


def view_speed(data: JSON | None) -> str:
    shown = "not measured" if data is None else f"{data['top_rps']} req/s"
    return f'<section id="speed"><h2>Speed</h2><p class="speedo">{shown}</p></section>'


def plan_speed(
    args: argparse.Namespace, report_dir: Path, seed: int, target: TargetConfig
) -> list[Phase]:
    argv = ["speed", "--report-dir", str(report_dir), "--budget", args.speed_budget]
    return [Phase("speed", argv, expected_s=5, timeout_s=60)]


def add_speed_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--speed-budget", default="1m")


SPEED = Section(
    name="speed",
    title="Speed",
    result_file="speed.json",
    schema=SPEED_SCHEMA,
    judge=judge_speed,
    view=view_speed,
    command="speed",
    cli="report/sections.py",  # any installed module: `vanceqa speed` is never started here
    plan=plan_speed,
    add_options=add_speed_options,
    opt_in=True,
    history=lambda data: {"top_rps": data["top_rps"]},
    figures=(Figure("top_rps", "top speed", higher_is_worse=False, unit="/s"),),
    css=".speedo { font-weight:800; }",
)
WITH_SPEED = (*SECTIONS, SPEED)


def speed_file(folder: Path, top: float, expected: float = 0) -> None:
    document = {"format": "test.speed/1", "top_rps": top, "expected_rps": expected}
    (folder / "speed.json").write_text(json.dumps(document))


def test_the_built_in_sections_are_declared_once_each() -> None:
    names = [s.name for s in SECTIONS]
    assert names == ["conformance", "load", "docs", "capacity"]
    for attribute in ("name", "result_file", "command"):
        values = [getattr(s, attribute) for s in SECTIONS]
        assert len(set(values)) == len(values), f"two sections share a {attribute}"


def test_a_declared_section_is_read_judged_and_shown(tmp_path: Path) -> None:
    shutil.copytree(RESULTS, tmp_path, dirs_exist_ok=True)
    speed_file(tmp_path, 420, expected=500)
    results = load_results(tmp_path, WITH_SPEED)
    assert results.speed == results.data["speed"]
    verdict = judge(results)
    speed = next(p for p in verdict.phases if p.name == "speed")
    assert (speed.status, speed.headline) == (FAILED, "top speed 420 req/s")
    outcome = build_report(tmp_path, sections=WITH_SPEED)
    page = outcome.path.read_text()
    assert '<a href="#speed">Speed</a>' in page
    assert '<p class="speedo">420 req/s</p>' in page
    assert ".speedo { font-weight:800; }" in page
    assert '<a class="card phase" href="#speed">' in page


def test_a_section_failing_alone_fails_the_run_with_exit_1(tmp_path: Path) -> None:
    speed_file(tmp_path, 420, expected=500)
    verdict = judge(load_results(tmp_path, WITH_SPEED))
    assert verdict.status == "fail"
    assert verdict.exit_code == 1
    assert "speed: top speed 420 req/s" in verdict.reasons


def test_an_unreadable_section_file_makes_the_run_incomplete(tmp_path: Path) -> None:
    (tmp_path / "speed.json").write_text(json.dumps({"format": "test.speed/1", "top_rps": "x"}))
    results = load_results(tmp_path, WITH_SPEED)
    assert results.speed is None
    assert "top_rps" in results.unreadable["speed"]
    assert judge(results).status == "incomplete"


def test_an_opt_in_section_that_did_not_run_is_left_off_the_page(tmp_path: Path) -> None:
    shutil.copytree(RESULTS, tmp_path, dirs_exist_ok=True)
    verdict = judge(load_results(tmp_path, WITH_SPEED))
    assert "speed" not in [p.name for p in verdict.phases]
    page = build_report(tmp_path, sections=WITH_SPEED).path.read_text()
    assert 'id="speed"' not in page
    assert ".speedo" not in page


def test_a_section_figure_is_kept_in_history_and_compared(tmp_path: Path) -> None:
    for top in (500, 510, 490):
        speed_file(tmp_path, top)
        build_report(tmp_path, sections=WITH_SPEED, record_history=True)
    speed_file(tmp_path, 300)
    outcome = build_report(tmp_path, sections=WITH_SPEED, record_history=True)
    row = next(r for r in outcome.trend_rows if r.label == "top speed")
    assert (row.current, row.baseline, row.regression) == (300, 500, True)
    assert outcome.history_path is not None
    assert json.loads(outcome.history_path.read_text())["speed"] == {"top_rps": 300}


def test_vanceqa_run_offers_and_plans_a_declared_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_command, "SECTIONS", WITH_SPEED)
    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    plain = parser.parse_args(["--skip", "load"])
    assert "speed" not in [p.name for p in run_command.plan(plain, tmp_path, 7, TargetConfig())]
    asked = parser.parse_args(["--speed", "--speed-budget", "30s", "--skip", "check"])
    phases = run_command.plan(asked, tmp_path, 7, TargetConfig())
    assert [p.name for p in phases] == ["load", "docs drift", "docs examples", "speed"]
    speed = phases[-1]
    assert (speed.area, speed.result) == ("speed", "speed.json")
    assert speed.argv == ["speed", "--report-dir", str(tmp_path), "--budget", "30s"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--skip", "speed"])  # opt-in: asked for, never skipped
