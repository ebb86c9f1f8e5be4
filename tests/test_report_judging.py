"""The verdict and the trend: how a run is judged from its files and compared with earlier runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from vanceqa.report import history
from vanceqa.report.result_files import Results, load_results
from vanceqa.report.sections import SECTIONS
from vanceqa.report.verdict import judge

RESULTS = DATA / "results"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESULTS / name).read_text())
    return data


def passing_conformance() -> dict[str, Any]:
    data = recorded("conformance.json")
    data["results"] = [r for r in data["results"] if r["outcome"] == "passed"]
    return data


def passing_load() -> dict[str, Any]:
    data = recorded("load.json")
    for threshold in data["slo"]["thresholds"]:
        threshold["passed"] = True
    data["slo"]["passed"] = True
    data["exit_code"] = 0
    return data


def results(run: Any = None, **files: Any) -> Results:
    return Results(report_dir=Path("."), sections=SECTIONS, data=files, run=run)


def phase(verdict: Any, name: str) -> Any:
    return next(p for p in verdict.phases if p.name == name)


def test_the_recorded_run_fails_on_checks_and_slo() -> None:
    verdict = judge(load_results(RESULTS, SECTIONS))
    assert verdict.status == "fail"
    assert verdict.exit_code == 1  # a failed check outranks the SLO breach's own code
    assert [p.status for p in verdict.phases] == ["failed", "failed", "failed"]


def test_everything_passing_is_a_pass_with_exit_0() -> None:
    verdict = judge(results(conformance=passing_conformance(), load=passing_load()))
    assert verdict.status == "pass"
    assert verdict.exit_code == 0
    assert phase(verdict, "docs").status == "not run"


def test_an_slo_breach_alone_keeps_the_load_commands_code() -> None:
    load = recorded("load.json")  # error_rate broken, exit_code 4
    verdict = judge(results(conformance=passing_conformance(), load=load))
    assert verdict.status == "fail"
    assert verdict.exit_code == 4
    assert "error_rate < 0.1%" in phase(verdict, "load").headline


@pytest.mark.parametrize(
    ("field", "code", "words"),
    [
        ("stopped_answering", 3, "; no answer at all"),
        ("overrun", 5, "overran its deadline: no answer at all"),
        ("stopped_early", 0, "stopped early: no answer at all"),
    ],
)
def test_a_load_run_cut_short_says_why_and_is_no_pass(field: str, code: int, words: str) -> None:
    load = passing_load()
    load[field] = "no answer at all"
    load["exit_code"] = code
    verdict = judge(results(conformance=passing_conformance(), load=load))
    assert phase(verdict, "load").status == "error"
    assert words in phase(verdict, "load").headline
    assert verdict.status != "pass"


def test_skips_alone_are_not_a_pass() -> None:
    data = recorded("conformance.json")
    data["results"] = [r for r in data["results"] if r["outcome"] == "skipped"]
    verdict = judge(results(conformance=data))
    assert phase(verdict, "conformance").status == "error"
    assert verdict.status == "incomplete"
    assert verdict.exit_code != 0


def test_an_aborted_suite_is_incomplete_with_exit_3() -> None:
    data = passing_conformance()
    data["aborted"] = "the target answered 503: maintenance"
    verdict = judge(results(conformance=data))
    assert verdict.status == "incomplete"
    assert verdict.exit_code == 3
    assert "maintenance" in phase(verdict, "conformance").headline


def test_an_aborted_suite_says_why_once() -> None:
    data = passing_conformance()
    data["aborted"] = "the target refused the API token"
    run = {
        "format": "vanceqa.run/1",
        "phases": [{"name": "check", "exit_code": 3, "note": "exited with code 3: token refused"}],
    }
    headline = phase(judge(results(conformance=data, run=run)), "conformance").headline
    assert headline.count("refused") == 1
    assert "but exited" not in headline


def test_a_phase_that_died_without_a_file_makes_the_run_incomplete() -> None:
    run = {
        "format": "vanceqa.run/1",
        "phases": [
            {"name": "check", "phase": "conformance", "exit_code": 0, "note": None},
            {"name": "load", "phase": "load", "exit_code": 3, "note": "target unavailable"},
        ],
    }
    verdict = judge(results(run=run, conformance=passing_conformance()))
    assert verdict.status == "incomplete"
    assert verdict.exit_code == 3
    assert phase(verdict, "load").headline == "target unavailable"
    assert phase(verdict, "docs").status == "not run"  # not planned: not an error


def test_a_docs_command_that_broke_turns_a_passing_docs_area_into_an_error() -> None:
    docs = recorded("docs.json")
    docs["examples"] = [e for e in docs["examples"] if e["outcome"] != "failed"]
    run = {
        "format": "vanceqa.run/1",
        "phases": [
            {"name": "docs drift", "phase": "docs", "exit_code": 0},
            {"name": "docs examples", "phase": "docs", "exit_code": 3, "note": "unreachable"},
        ],
    }
    verdict = judge(results(run=run, docs=docs))
    assert phase(verdict, "docs").status == "error"
    assert verdict.status == "incomplete"


def test_baselined_drift_does_not_fail_but_new_drift_does() -> None:
    docs = recorded("docs.json")
    docs["examples"] = []
    assert phase(judge(results(docs=docs)), "docs").status == "passed"
    docs["drift"][0]["baselined"] = False
    assert phase(judge(results(docs=docs)), "docs").status == "failed"


def test_the_docs_headline_keeps_accepted_errors_in_sight() -> None:
    docs = recorded("docs.json")
    docs["examples"] = []
    assert docs["drift"][0]["severity"] == "error"
    docs["drift"][0]["baselined"] = True
    passing = phase(judge(results(docs=docs)), "docs")
    assert "0 new errors" in passing.headline
    assert "1 known errors accepted in the baseline" in passing.headline
    docs["drift"][0]["baselined"] = False
    failing = phase(judge(results(docs=docs)), "docs")
    assert "1 new errors" in failing.headline
    assert "accepted" not in failing.headline


def test_no_files_at_all_is_never_a_pass() -> None:
    verdict = judge(results())
    assert verdict.status == "incomplete"
    assert verdict.exit_code != 0


# -- history and trend ---------------------------------------------------------------


def entry(started: str, p95: float, rps: float = 50.0, failed: int = 0, **extra: Any) -> Any:
    return {
        "format": history.HISTORY_FORMAT,
        "started_at": started,
        "verdict": "pass",
        "target": extra.get("target", {"base_url": None, "mock": True}),
        "conformance": {"passed": 40, "failed": failed, "skipped": 1},
        "load": {
            "p95_ms": p95,
            "p99_ms": p95 * 2,
            "rps": rps,
            "error_rate": extra.get("error_rate", 0.0),
            "shape": extra.get("shape", {"name": "open", "rate": 50}),
        },
    }


def flagged(rows: list[history.TrendRow]) -> set[str]:
    return {r.label for r in rows if r.regression}


def test_regressions_are_judged_against_the_median_with_a_margin() -> None:
    earlier = [
        entry(f"2026-01-0{i}T00:00:00Z", p95) for i, p95 in enumerate([20, 20, 90, 20, 20], 1)
    ]
    # One slow earlier run (90 ms) does not move the median (20 ms).
    assert flagged(history.compare(entry("2026-02-01T00:00:00Z", 21), earlier, 0.10)) == set()
    rows = history.compare(entry("2026-02-01T00:00:00Z", 23, rps=40), earlier, 0.10)
    assert flagged(rows) == {"p95 latency", "p99 latency", "requests per second"}
    assert flagged(history.compare(entry("2026-02-01T00:00:00Z", 23), earlier, 0.20)) == set()


def test_sub_millisecond_latency_noise_is_not_a_regression() -> None:
    earlier = [entry("2026-01-01T00:00:00Z", 0.4)]
    assert flagged(history.compare(entry("2026-02-01T00:00:00Z", 0.8), earlier)) == set()
    rows = history.compare(entry("2026-02-01T00:00:00Z", 1.6), earlier)
    assert flagged(rows) == {"p95 latency", "p99 latency"}


def test_any_new_conformance_failure_is_a_regression_whatever_the_margin() -> None:
    earlier = [entry("2026-01-01T00:00:00Z", 2)]
    rows = history.compare(entry("2026-02-01T00:00:00Z", 2, failed=1), earlier, margin=5.0)
    assert flagged(rows) == {"conformance failures"}


def test_tiny_error_rates_are_noise_not_regressions() -> None:
    earlier = [entry("2026-01-01T00:00:00Z", 2, error_rate=0.0002)]
    noisy = entry("2026-02-01T00:00:00Z", 2, error_rate=0.0006)
    assert flagged(history.compare(noisy, earlier)) == set()
    worse = entry("2026-02-01T00:00:00Z", 2, error_rate=0.01)
    assert flagged(history.compare(worse, earlier)) == {"error rate"}


def test_only_runs_against_the_same_target_and_shape_are_compared() -> None:
    staging = {"base_url": "https://staging.example", "mock": False}
    entries = [
        entry("2026-01-01T00:00:00Z", 100, target=staging),
        entry("2026-01-02T00:00:00Z", 2),
        entry("2026-01-03T00:00:00Z", 2, shape={"name": "open", "rate": 500}, rps=500),
    ]
    current = entry("2026-02-01T00:00:00Z", 2.05)
    earlier = history.earlier_runs(entries, current)
    assert [e["started_at"] for e in earlier] == ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]
    rps = next(r for r in history.compare(current, earlier) if r.label == "requests per second")
    assert rps.baseline == 50.0  # the 500 req/s run has another shape
    assert not rps.regression


def test_history_files_are_appended_never_overwritten(tmp_path: Path) -> None:
    first = history.append_entry(tmp_path, entry("2026-01-01T00:00:00Z", 2))
    second = history.append_entry(tmp_path, entry("2026-01-01T00:00:00Z", 3))
    assert first != second
    (tmp_path / "broken.json").write_text("{not json")
    entries, problems = history.read_history(tmp_path)
    assert [e["load"]["p95_ms"] for e in entries] == [2, 3]
    assert len(problems) == 1
    assert "broken.json" in problems[0]


def test_a_rebuilt_report_does_not_compare_a_run_with_itself(tmp_path: Path) -> None:
    from vanceqa.report.build import build_report

    for name in ("conformance.json", "load.json", "run.json"):
        (tmp_path / name).write_text((RESULTS / name).read_text())
    first = build_report(tmp_path, record_history=True)
    assert first.history_path is not None
    assert all(r.baseline is None for r in first.trend_rows)  # nothing earlier yet
    again = build_report(tmp_path)  # `vanceqa report` after `vanceqa run`
    assert all(r.baseline is None for r in again.trend_rows)
    assert len(list((tmp_path / "history").glob("*.json"))) == 1
    saved = json.loads(first.history_path.read_text())
    assert saved["conformance"] == {"passed": 38, "failed": 2, "skipped": 3}
    assert saved["load"]["p95_ms"] == 3.4
    assert saved["load"]["error_rate"] == pytest.approx(4 / 1500)


def test_history_entries_are_checked_against_their_format(tmp_path: Path) -> None:
    bad = copy.deepcopy(entry("2026-01-01T00:00:00Z", 2))
    bad["load"]["p95_ms"] = "fast"
    (tmp_path / "x.json").write_text(json.dumps(bad))
    entries, problems = history.read_history(tmp_path)
    assert entries == []
    assert "load.p95_ms" in problems[0]
