"""`vanceqa check`: run the conformance suites and write their three reports.

Exit codes: 0 every check passed, 1 a check failed, 2 usage error, 3 the target cannot
be tested (unreachable, token refused, maintenance).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pytest

from vanceqa import resources
from vanceqa.conformance.plugin import EXIT_UNAVAILABLE, STATE
from vanceqa.target import TargetConfig, add_target_arguments
from vanceqa.workspace import target_from_args

REPORT_FILES = ("conformance.xml", "conformance.html", "conformance.json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--report-dir", default="reports", help="where the reports go (default: reports/)"
    )
    parser.add_argument("--seed", type=int, help="Hypothesis seed, to repeat a run exactly")
    parser.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="after `--`: arguments passed to pytest as they are (e.g. -- -k auth -x)",
    )


class _Outcome:
    """Watches the in-process pytest run for the plugin's verdict on the target."""

    def __init__(self) -> None:
        self.unavailable: str | None = None
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.throttled = 0

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        state = config.stash.get(STATE, None)
        if state is not None and state.session is not None:
            self.unavailable = state.session.unavailable or state.stopped
        if state is not None:
            self.counts = state.book.summary()
        if state is not None and state.session is not None:
            self.throttled = sum(c.stats.throttled_retries for c in state.session.clients())


def pytest_arguments(
    args: argparse.Namespace, target: TargetConfig, seed: int, report_dir: Path
) -> list[str]:
    suites = resources.conformance_dir()
    argv = [
        str(suites),
        "-c",
        str(resources.suite_file("pytest.ini")),
        "--rootdir",
        str(suites.parent),
        f"--junitxml={report_dir / 'conformance.xml'}",
        f"--html={report_dir / 'conformance.html'}",
        "--self-contained-html",
        f"--conformance-json={report_dir / 'conformance.json'}",
        f"--hypothesis-seed={seed}",
        "-p",
        "no:cacheprovider",
    ]
    # In-process: the options (secrets too) never reach a process list.
    argv += target.to_argv(secrets=True, pytest=True)
    extra = list(args.pytest_args or [])
    if extra and extra[0] == "--":
        extra = extra[1:]
    return argv + extra


def run(args: argparse.Namespace) -> int:
    target = target_from_args(args)  # options and VANCEQA_* checked before anything starts
    report_dir = resources.ensure_report_dir(args.report_dir)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    outcome = _Outcome()
    code = int(pytest.main(pytest_arguments(args, target, seed, report_dir), plugins=[outcome]))
    counts = outcome.counts
    if any(counts.values()):
        files = ", ".join(str(report_dir / name) for name in REPORT_FILES)
        print(
            f"vanceqa check: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped, {outcome.throttled} waits on 429 (seed {seed}); "
            f"reports: {files}"
        )
    if outcome.unavailable is not None:
        print(f"vanceqa check: target unavailable: {outcome.unavailable}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if code == pytest.ExitCode.OK:
        return 0
    if code == pytest.ExitCode.TESTS_FAILED:
        return 1
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return 2
    # Interrupted or an internal error: no verdict on the target, but never a pass.
    print(f"vanceqa check: pytest stopped with exit code {code}", file=sys.stderr)
    return 1
