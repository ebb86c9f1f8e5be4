"""The defect catalogue: every planted defect makes the suite fail, naming the right check.

Every defect (tests/defects/catalogue.py) is served through a real socket (granian), one
server for all, each under its own path prefix; the suite runs against each with the
options a staging user would pass, in two worker processes that run suites one after
another. The first test of the module pays for all of them.
"""

from __future__ import annotations

import socket
from collections import Counter

import pytest

from tests.defects.catalogue import BY_NAME, DEFECTS
from tests.defects.harness import SuiteRun, defect_url, options_for, run_suites, serve_catalogue
from vanceqa.conformance import checks

pytestmark = [
    pytest.mark.socket,
    pytest.mark.slow,
    pytest.mark.xdist_group("catalogue"),
]  # one catalogue run serves every test here


def _options(root: str, name: str) -> list[str]:
    # A defect of a warning-level check fails the suite only when the user asks (--strict).
    level = checks.REGISTRY[BY_NAME[name].expected_check].level
    strict = ["--vanceqa-strict"] if level == checks.WARNING else []
    return options_for(defect_url(root, name)).argv() + strict


@pytest.fixture(scope="module")
def catalogue_runs() -> dict[str, SuiteRun]:
    with serve_catalogue() as root:
        return run_suites({d.name: _options(root, d.name) for d in DEFECTS})


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


def test_a_suite_run_past_its_deadline_is_stopped_and_says_so() -> None:
    """A target that accepts and never answers: the run is stopped at its deadline."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        options = ["--base-url", url, "--api-token", "t-0123456789"]
        runs = run_suites({"silent": options, "after": options}, workers=1, timeout_s=2)
    for run in runs.values():
        assert run.returncode == -1
        assert "the suite run took over 2 s: its worker was stopped" in run.output


def _hand_written(name: str) -> bool:
    # The checks that run others (schemathesis, the state machine, the docs' examples)
    # catch what their parts catch; "only it catches" is asked of the others.
    registered = checks.REGISTRY.get(name)
    return registered is not None and registered.function is not checks.SCHEMATHESIS.function


@pytest.mark.parametrize("name", [n for n in checks.REGISTRY if _hand_written(n)], ids=lambda n: n)
def test_every_check_catches_a_defect_no_other_check_catches(
    name: str, catalogue_runs: dict[str, SuiteRun]
) -> None:
    """A check earns its place: some catalogue defect fails it and no other hand-written
    check, or the check states in code why that cannot be (its waiver)."""
    check = checks.REGISTRY[name]
    sole = [
        d.name
        for d in DEFECTS
        if {c for c in catalogue_runs[d.name].failed_checks() if _hand_written(c)} == {name}
    ]
    assert sole or check.waiver, (
        f"no catalogue defect is caught by {name} alone; add one (tests/defects/catalogue.py) "
        "or state its waiver in the check's registration"
    )
    if sole and check.waiver:
        pytest.fail(f"{name} has a waiver, yet {sole} are caught by it alone: drop the waiver")
