"""`vanceqa report`: rebuild reports/index.html from the result files already there."""

from __future__ import annotations

import argparse
from pathlib import Path

from vanceqa.errors import UsageError
from vanceqa.report import history

DEFAULT_REPORT_DIR = "reports"


def parse_margin(text: str) -> float:
    """'10', '10%' or '2.5%' -> 0.10 / 0.025: the margin is given in percent."""
    value = text.strip().removesuffix("%").strip()
    try:
        margin = float(value) / 100
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a percentage like 10 or 10%, got {text!r}"
        ) from None
    if not 0 <= margin <= 10:
        raise argparse.ArgumentTypeError(f"must be between 0% and 1000%, got {text!r}")
    return margin


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `vanceqa report` and `vanceqa run`."""
    group = parser.add_argument_group("report")
    group.add_argument(
        "--report-dir",
        default=DEFAULT_REPORT_DIR,
        help="folder of the result files and the page (default: reports)",
    )
    group.add_argument(
        "--regression-margin",
        type=parse_margin,
        default=history.DEFAULT_MARGIN,
        metavar="PERCENT",
        help="flag p95/p99/rps/error rate that worsened by more than this against "
        f"earlier runs (default {history.DEFAULT_MARGIN * 100:.0f}%%)",
    )
    group.add_argument(
        "--baseline-runs",
        type=int,
        default=history.DEFAULT_WINDOW,
        metavar="N",
        help=f"compare with the median of the last N runs (default {history.DEFAULT_WINDOW})",
    )
    group.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when the trend flags a regression, even if every check passed",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser)
    parser.add_argument("--output", help="where to write the page (default: REPORT_DIR/index.html)")


def exit_code(verdict_code: int, regressed: bool, fail_on_regression: bool) -> int:
    if verdict_code == 0 and regressed and fail_on_regression:
        return 1
    return verdict_code


def run(args: argparse.Namespace) -> int:
    from vanceqa.report.build import build_report, known_secrets
    from vanceqa.report.summary import print_summary

    report_dir = Path(args.report_dir)
    if not report_dir.is_dir():
        raise UsageError(
            f"no report folder at {report_dir}: run `vanceqa run` or `vanceqa check` first"
        )
    if args.baseline_runs < 1:
        raise UsageError("--baseline-runs must be at least 1")
    outcome = build_report(
        report_dir,
        Path(args.output) if args.output else None,
        margin=args.regression_margin,
        window=args.baseline_runs,
    )
    code = exit_code(outcome.verdict.exit_code, bool(outcome.regressions), args.fail_on_regression)
    # The summary quotes result files too: scrub it of the tokens the page is scrubbed of.
    print_summary(outcome, secrets=known_secrets(), exit_code=code)
    return code
