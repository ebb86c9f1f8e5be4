"""Faithful servers on real frameworks pass the whole suite; their typical defects fail it.

Each framework's server (tests/servers/) is served on a real loopback port and the suite
runs against it as a staging user would (`--base-url`, tokens, `--hidden-id`,
`--destructive --delete-id ...`): zero failures, warnings allowed and listed. Each of
its typical defects (tests/servers/framework_defects.py) must fail the suite naming its check.
Express comes from the npm registry, installed once into a cache folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "servers"))

from framework_defects import FRAMEWORK_DEFECTS, FRAMEWORKS, FrameworkDefect
from launch import serve_framework

from tests.conftest import installer_env
from tests.defects.harness import SuiteRun, options_for, run_suite
from vanceqa.conformance import checks

pytestmark = [pytest.mark.socket, pytest.mark.slow]
EXPRESS = "express@4"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vanceqa-tests" / "express4"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """express 4 from the npm registry, installed once into a cache folder."""
    prefix = _cache_dir()
    modules = prefix / "node_modules"
    prefix.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers arrive here together: one installs, the others wait for it.
    with (prefix / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Written only after a whole install: an install cut short is done again.
        installed = prefix / ".installed"
        if not installed.exists():
            shutil.rmtree(modules, ignore_errors=True)
            npm = shutil.which("npm")
            assert npm, "the Express server needs npm (and node) on PATH"
            assert shutil.which("node"), "the Express server needs node on PATH"
            done = subprocess.run(
                [npm, "install", "--prefix", str(prefix), EXPRESS, "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=300,
                env=installer_env(),
            )
            assert done.returncode == 0, f"npm install {EXPRESS} failed:\n{done.stderr[-2000:]}"
            installed.write_text(EXPRESS + "\n")
    return modules


# A faithful server is proven as users run the suite (the default profile, each its own
# seed), and once more where generated values hunt for false alarms: the flags, the ids
# and schemathesis under the thorough profile (400 examples each).
FAITHFUL = {"profile": "conformance"}
HUNT = {"profile": "conformance-thorough", "extra": ("-k", "flag or _id or generated")}


def _run(
    framework: str, defect: str | None, modules: Path, settings: dict[str, object]
) -> SuiteRun:
    """One suite run against one served server. Each run serves exactly one test and runs
    inside it, so that pytest-xdist spreads the twenty runs over its workers."""
    seed = 1 if defect else 101 + FRAMEWORKS.index(framework)
    with serve_framework(framework, defect, node_modules=modules) as base_url:
        return run_suite(options_for(base_url).argv(), seed=seed, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_generated_values_raise_no_false_alarm(framework: str, node_modules: Path) -> None:
    run = _run(framework, None, node_modules, HUNT)
    assert run.document is not None, run.output[-3000:]
    assert run.returncode == 0, f"{framework}: a false alarm?\n{run.output[-4000:]}"
    ran = {r["check"] for r in run.document["results"] if r["outcome"] == "passed"}
    assert {"param_malformed", "param_spelling", "id_malformed", "schemathesis"} <= ran


def warnings_of(run: SuiteRun) -> list[str]:
    results = (run.document or {}).get("results", [])
    return [
        f"{r['check']}: {r['failure']['message']}" for r in results if r["outcome"] == "warning"
    ]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_faithful_server_passes(framework: str, node_modules: Path) -> None:
    run = _run(framework, None, node_modules, FAITHFUL)
    assert run.document is not None, run.output[-3000:]
    summary = run.document["summary"]
    assert run.returncode == 0, f"{framework}: a false alarm?\n{run.output[-4000:]}"
    assert summary["failed"] == 0
    # The whole suite ran: destructive checks included, nothing skipped but what a
    # staging run must skip (DELETE on ids nobody named).
    ran = {r["check"] for r in run.document["results"] if r["outcome"] != "skipped"}
    assert {"state_delete_answer", "state_machine", "schemathesis", "auth_hidden_admin"} <= ran
    assert summary["levels"]["failure"] >= 30
    assert summary["levels"]["warning"] == 2
    for result in run.document["results"]:
        if result["outcome"] == "warning":
            assert checks.REGISTRY[result["check"]].level == checks.WARNING
    print(f"{framework} warnings: {warnings_of(run) or 'none'}")


@pytest.mark.parametrize("defect", FRAMEWORK_DEFECTS, ids=lambda d: d.label)
def test_framework_defect_is_caught(defect: FrameworkDefect, node_modules: Path) -> None:
    run = _run(defect.framework, defect.name, node_modules, {})
    assert run.document is not None, run.output[-3000:]
    assert run.returncode == 1, f"suite exit {run.returncode}:\n{run.output[-3000:]}"
    failed = run.failed_checks()
    assert defect.expected_check in failed, (
        f"{defect.label} ({defect.description}) should fail {defect.expected_check}; "
        f"failed: {sorted(failed)}"
    )


def test_every_framework_has_typical_defects() -> None:
    for framework in FRAMEWORKS:
        assert len([d for d in FRAMEWORK_DEFECTS if d.framework == framework]) >= 2
    assert all(d.expected_check in checks.REGISTRY for d in FRAMEWORK_DEFECTS)
