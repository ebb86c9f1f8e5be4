"""What `vanceqa load` and `vanceqa capacity` share in starting locust from a process
that never imports it: the options they both take, their checks, the part of locust's
command line they both build, its environment, the bundled mock, and stopping it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from vanceqa import resources
from vanceqa.contract import default_contract
from vanceqa.errors import UsageError
from vanceqa.load.slo import load_slo
from vanceqa.load.units import check_mock_faults, parse_weights
from vanceqa.mock.faults import FAULTS
from vanceqa.mock.launcher import serve_mock
from vanceqa.target import TargetConfig, clean_environment
from vanceqa.units import parse_duration

SLO_ENV = "VANCEQA_SLO"
TERM_GRACE_S = 10.0  # after SIGTERM, locust writes its result file; then it is killed


def add_shared_arguments(load: argparse._ArgumentGroup, result: str) -> None:
    """The load group's options both commands take; `result` names the files written."""
    load.add_argument("--processes", type=int, help="locust worker processes on this machine")
    load.add_argument(
        "--report-dir", default="reports", help=f"where {result} go (default reports)"
    )
    load.add_argument("--seed", type=int, help="seed of the random choices")
    load.add_argument("--weights", help="scenario weights, e.g. browse=8,admin=1,delete=1")


def add_mock_and_master_arguments(
    parser: argparse.ArgumentParser, title: str
) -> argparse._ArgumentGroup:
    """The bundled mock's options, the master's (their group is returned), and what goes
    to locust after `--`."""
    mock = parser.add_argument_group("bundled mock (when no --base-url is given)")
    mock.add_argument(
        "--mock-fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=FAULTS.option_help(),
    )
    mock.add_argument("--mock-workers", type=int, default=1, help="mock worker processes")
    dist = parser.add_argument_group(title)
    dist.add_argument("--master", action="store_true", help="be the master of remote workers")
    dist.add_argument("--expect-workers", type=int, default=1, help="workers the master awaits")
    dist.add_argument("--master-port", type=int, default=5557, help="the master's port")
    parser.add_argument(
        "locust_args", nargs="*", metavar="-- LOCUST_ARGS", help="after --: passed to locust"
    )
    return dist


def slo_path(args: argparse.Namespace) -> str | None:
    """The SLO file (--slo, VANCEQA_SLO, the bundled one), read once here so that a bad
    file fails before any load; None for 'none' or 'off'."""
    text = args.slo or os.environ.get(SLO_ENV) or str(resources.slo_path())
    if text.strip().lower() in ("none", "off"):
        return None
    load_slo(text, default_contract().operation_ids())
    return str(Path(text).resolve())


def check_shared(args: argparse.Namespace) -> None:
    """The shared options' checks, before anything starts."""
    if args.weights:
        parse_weights(args.weights)
    if args.max_lateness:
        parse_duration(args.max_lateness, what="--max-lateness")
    if args.processes is not None and args.processes < 1:
        raise UsageError("--processes must be at least 1")
    if args.mock_workers < 1:
        raise UsageError("--mock-workers must be at least 1")
    check_mock_faults(args.mock_fault)


def shared_locust_options(args: argparse.Namespace) -> list[str]:
    """The shared options as locust takes them (the master's included)."""
    cmd: list[str] = []
    for option, value in (
        ("--seed", args.seed),
        ("--weights", args.weights),
        ("--max-lateness", args.max_lateness),
        ("--processes", args.processes),
    ):
        if value is not None:
            cmd += [option, str(value)]
    if args.master:
        cmd += ["--master", "--expect-workers", str(args.expect_workers)]
        cmd += ["--master-bind-port", str(args.master_port)]
    return cmd


def locust_environment(target: TargetConfig, slo: str | None) -> dict[str, str]:
    """locust's environment: the resolved target (secrets never on its command line)."""
    return clean_environment() | target.to_env() | {SLO_ENV: slo or "none"}


def target_or_mock(
    stack: contextlib.ExitStack, target: TargetConfig, args: argparse.Namespace
) -> TargetConfig:
    """The target; with no --base-url, the bundled mock started on `stack` in its place."""
    if target.starts_mock:
        mock = stack.enter_context(serve_mock(faults=args.mock_fault, workers=args.mock_workers))
        return mock.stand_in_for(target)
    if args.mock_fault:
        raise UsageError("--mock-fault applies to the bundled mock only (no --base-url)")
    return target


def stop_locust(process: subprocess.Popen[bytes], command: str, bound: float) -> None:
    """locust ran past `bound` seconds (a last resort: it ends its runs itself): SIGTERM,
    which makes it write its result file and quit, then kill it."""
    print(
        f"vanceqa {command}: error: locust was still running {bound:.0f}s after its start; "
        "stopping it",
        file=sys.stderr,
    )
    process.send_signal(signal.SIGTERM)  # no SIGINT: gevent prints a traceback
    try:
        process.wait(timeout=TERM_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
