"""The commands `vanceqa run` starts for each report section, and the run options they take.

Each planner gets the run's parsed arguments, the report folder, the seed and the
resolved target (its time limits bound each phase), and returns
the section's phases in order (sections.py names the planner of each section, and
`vanceqa run` stamps each phase with its section and result file). Options
are checked here, before any phase runs, so a typo never waits for the suites to finish.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vanceqa.report.phases import Phase, pytest_progress
from vanceqa.target import TargetConfig
from vanceqa.units import parse_positive_duration, parse_rate

# `vanceqa load`'s code for a breached SLO (vanceqa.load.slo, not imported: importing
# vanceqa.load here could patch this process with gevent; a test keeps the two equal).
EXIT_SLO_BREACH = 4
# A phase stops itself at its time limit and writes its results; this much later it is
# stopped from outside (its results may then be lost): the last resort, not the way.
KILL_GRACE_S = 120.0


def _common(report_dir: Path) -> list[str]:
    return ["--report-dir", str(report_dir)]


def check(
    args: argparse.Namespace, report_dir: Path, seed: int, target: TargetConfig
) -> list[Phase]:
    """The conformance suites: conformance.json."""
    return [
        Phase(
            "check",
            ["check", *_common(report_dir), "--seed", str(seed)],
            expected_s=40,
            timeout_s=target.time_limit("check") + KILL_GRACE_S,
            meanings={1: "conformance failures", 3: "target unavailable"},
            progress=pytest_progress,
        )
    ]


def add_load_options(parser: argparse.ArgumentParser) -> None:
    load = parser.add_argument_group("load phase")
    load.add_argument("--rate", default="50", help="open-model arrival rate, req/s (default 50)")
    load.add_argument("--run-time", default="10s", help="load test duration (default 10s)")
    load.add_argument("--slo", help="SLO file (default: the load command's default SLOs)")


def load(
    args: argparse.Namespace, report_dir: Path, seed: int, target: TargetConfig
) -> list[Phase]:
    """A short open-model load test: load.json."""
    run_time = parse_positive_duration(args.run_time, what="--run-time")
    rate = parse_rate(args.rate, what="--rate")
    argv = ["load", *_common(report_dir), "--seed", str(seed), "--shape", "open"]
    argv += ["--rate", f"{rate:g}", "--run-time", f"{run_time:g}s"]
    if args.slo:
        argv += ["--slo", args.slo]
    return [
        Phase(
            "load",
            argv,
            expected_s=run_time + 8,
            timeout_s=run_time + 300,
            ok_codes=(0, EXIT_SLO_BREACH),
            meanings={EXIT_SLO_BREACH: "SLO breached", 3: "target unavailable", 5: "overran"},
        )
    ]


def docs(
    args: argparse.Namespace, report_dir: Path, seed: int, target: TargetConfig
) -> list[Phase]:
    """Drift first (it starts docs.json), then the examples (they add their half)."""
    return [
        Phase(
            f"docs {action}",
            ["docs", action, *_common(report_dir)],
            expected_s=5,
            timeout_s=target.time_limit("docs") + KILL_GRACE_S,
            meanings={1: f"docs {action} findings"},
        )
        for action in ("drift", "examples")
    ]
