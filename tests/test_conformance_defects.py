"""The defect catalogue: every planted defect makes the suite fail, naming the right check.

Each defect (tests/defects/catalogue.py) is served through a real socket (granian), and
the suite runs against it in a subprocess with the options a staging user would pass.
Runs go two at a time; the first test of the module pays for all of them.
"""

from __future__ import annotations

import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "defects"))

from catalogue import BY_NAME, DEFECTS
from harness import SuiteRun, options_for, run_suite, serve_defect

from vanceqa.conformance import checks

pytestmark = [pytest.mark.socket, pytest.mark.slow]
PARALLEL_RUNS = 2


def _run_defect(name: str) -> SuiteRun:
    # A defect of a warning-level check fails the suite only when the user asks (--strict).
    level = checks.REGISTRY[BY_NAME[name].expected_check].level
    strict = ["--vanceqa-strict"] if level == checks.WARNING else []
    with serve_defect(name) as base_url:
        return run_suite(options_for(base_url).argv() + strict)


@pytest.fixture(scope="module")
def catalogue_runs() -> dict[str, SuiteRun]:
    names = [d.name for d in DEFECTS]
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        return dict(zip(names, pool.map(_run_defect, names), strict=True))


def test_catalogue_is_broad() -> None:
    assert len(DEFECTS) >= 25
    expected = Counter(d.expected_check for d in DEFECTS)
    assert all(name in checks.REGISTRY for name in expected), set(expected) - set(checks.REGISTRY)
    # Breadth: the defects exercise most of the hand-written checks, not a favourite few.
    assert len(expected) >= 20


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda d: d.name)
def test_defect_is_caught(defect, catalogue_runs: dict[str, SuiteRun]) -> None:
    run = catalogue_runs[defect.name]
    assert run.document is not None, f"no conformance.json; output:\n{run.output[-3000:]}"
    assert run.returncode == 1, f"suite exit {run.returncode}:\n{run.output[-3000:]}"
    assert run.document["summary"]["failed"] >= 1
    failed = run.failed_checks()
    assert defect.expected_check in failed, (
        f"{defect.name} ({defect.description}) should fail {defect.expected_check}; "
        f"failed: {sorted(failed)}"
    )
    # Each failure of the expected check says what broke, what was sent and what came back.
    for result in run.document["results"]:
        failure = result["failure"] or {}
        if result["outcome"] == "failed" and failure.get("check") == defect.expected_check:
            assert failure["behaviour"]
            assert failure["curl"].startswith("curl ")
            options = options_for("http://unused")
            assert options.api_token not in failure["curl"]
            assert options.admin_token not in failure["curl"]
            assert isinstance(failure["status"], int)
            break
    else:
        pytest.fail(f"no failure record carries check {defect.expected_check}")
