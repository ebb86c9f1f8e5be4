"""`vanceqa load`: a bounded locust run with HDR latencies and SLO gates.

This process never imports locust (it would patch the standard library with gevent):
it checks the options, starts the bundled mock when no target is given, makes sure
the target answers, and runs `python -m locust -f loadtests/locustfile.py` with the
target in VANCEQA_* variables (tokens never on a command line). The locustfile's
plugin writes DIR/load.json; locust's own --html page goes beside it as DIR/load.html.

Every run ends on its own: locust stops the users at the run time, cutting off the
requests in flight, and its own deadline stops a run still going `STOP_GRACE_S` later.
Should locust itself hang, this process stops it after `run_bound_s` (run time, twice
the request deadline and fixed allowances: a last resort, never the mechanism).

Exit codes (`vanceqa.load.outcome`): 0 every SLO held; 1 no answer to judge, or locust
failed; 2 usage; 3 the target is unavailable (before the run, or it stopped answering
during it); 4 an SLO was breached (or the run aborted on one); 5 the run overran its
deadline; 130 interrupted. load.json says what was measured and why the run ended.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import subprocess
import sys
import time
from pathlib import Path

from vanceqa import resources
from vanceqa.client import TargetClient
from vanceqa.errors import UsageError
from vanceqa.load.launch import (
    SLO_ENV,
    add_mock_and_master_arguments,
    add_shared_arguments,
    check_shared,
    locust_environment,
    shared_locust_options,
    slo_path,
    stop_locust,
    target_or_mock,
)
from vanceqa.load.options import run_bound_s
from vanceqa.load.outcome import (
    EXIT_INCOMPLETE,
    EXIT_OVERRUN,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    WITH_RESULTS,
)
from vanceqa.load.shapes import (
    DEFAULT_SHAPE,
    SHAPES,
    LoadShape,
    plan_shape,
    shape_help,
    shape_names,
)
from vanceqa.load.units import parse_think_time
from vanceqa.preflight import preflight
from vanceqa.redact import redact_text
from vanceqa.target import add_target_arguments
from vanceqa.units import parse_positive_duration
from vanceqa.workspace import target_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser, skip=("strict",))
    parser.add_argument("-H", "--host", dest="base_url", help="same as --base-url (locust's name)")
    load = parser.add_argument_group("load")
    load.add_argument("--shape", choices=shape_names(), default=DEFAULT_SHAPE, help=shape_help())
    load.add_argument(
        "--rate", help="open models: requests/s for the whole run (open-ramp: FROM..TO)"
    )
    load.add_argument("-u", "--users", type=int, help="peak users; open models: the pool size")
    load.add_argument("-r", "--spawn-rate", type=float, help="users started per second")
    load.add_argument(
        "-t", "--run-time", help="duration, e.g. 30s or 5m (default: the shape's; always bounded)"
    )
    load.add_argument(
        "--slo", help=f"SLO file (env {SLO_ENV}; default loadtests/slo.toml; 'none': no gates)"
    )
    add_shared_arguments(load, "load.json and load.html")
    load.add_argument("--think-time", help="closed shapes: pause between tasks, e.g. 0 or 1s..3s")
    load.add_argument(
        "--max-lateness", help="open models: drop a request no user could start this late (5s)"
    )
    load.add_argument("--locustfile", help="another locustfile (default loadtests/locustfile.py)")
    dist = add_mock_and_master_arguments(parser, "distributed (locust --master/--worker)")
    dist.add_argument("--worker", action="store_true", help="be a worker of --master-host")
    dist.add_argument("--master-host", default="127.0.0.1", help="the master's address")


def _validate(
    args: argparse.Namespace, max_rps: float | None = None
) -> tuple[LoadShape, str | None]:
    """Check every option before starting anything; returns (the shape, SLO path)."""
    run_time = parse_positive_duration(args.run_time, what="--run-time") if args.run_time else None
    if SHAPES[args.shape].command != "load":
        raise UsageError(f"--shape {args.shape} runs as `vanceqa {SHAPES[args.shape].command}`")
    shape = plan_shape(
        args.shape,
        users=args.users,
        spawn_rate=args.spawn_rate,
        run_time_s=run_time,
        rate=args.rate,
        max_rps=max_rps,
    )
    check_shared(args)
    if args.think_time:
        parse_think_time(args.think_time)
    if args.master and args.worker:
        raise UsageError("--master and --worker exclude each other")
    if args.processes and (args.master or args.worker):
        raise UsageError("--processes runs its own workers; drop --master/--worker")
    return shape, slo_path(args)


def _locustfile(args: argparse.Namespace) -> str:
    path = Path(args.locustfile) if args.locustfile else resources.locustfile_path()
    if not path.is_file():
        raise UsageError(f"locustfile not found: {path}")
    return str(path)


def _command(args: argparse.Namespace, run_time: float, base_url: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "locust", "-f", _locustfile(args)]
    if args.worker:
        return [*cmd, "--worker", "--master-host", args.master_host, "--master-port",
                str(args.master_port), *args.locust_args]  # fmt: skip
    report_dir = Path(args.report_dir).resolve()
    cmd += ["--headless", "--host", str(base_url), "--shape", args.shape]
    cmd += ["--run-time", f"{math.ceil(run_time)}s", "--report-dir", str(report_dir)]
    cmd += ["--html", str(report_dir / "load.html"), "--only-summary"]
    for option, value in (
        ("--rate", args.rate),
        ("--users", args.users),
        ("--spawn-rate", args.spawn_rate),
        ("--think-time", args.think_time),
    ):
        if value is not None:
            cmd += [option, str(value)]
    return cmd + shared_locust_options(args) + list(args.locust_args)


def _run_locust(cmd: list[str], env: dict[str, str], limit: float | None) -> int:
    """Run locust; past `limit` seconds (a last resort: locust ends its runs itself),
    SIGTERM it, which makes it write load.json and quit, then kill it."""
    process = subprocess.Popen(cmd, env=env)
    try:
        try:
            return process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            assert limit is not None
            stop_locust(process, "load", limit)
            return EXIT_OVERRUN
    except KeyboardInterrupt:
        # The terminal sent SIGINT to locust too: let it write load.json, then stop.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        if process.poll() is None:
            process.kill()
        raise


def run(args: argparse.Namespace) -> int:
    """`vanceqa load`: options checked, the target found and preflighted, locust run,
    one exit code (see the module docstring and docs/load.md)."""
    if args.worker:  # the master holds the target, the shape and the SLOs
        _validate(args)
        return _run_locust(_command(args, 0.0, None), dict(os.environ), None)
    target = target_from_args(args)
    shape, slo = _validate(args, target.max_rps)
    run_time = shape.run_time_s
    report_dir = resources.ensure_report_dir(args.report_dir)  # before any load, not after
    with contextlib.ExitStack() as stack:
        target = target_or_mock(stack, target, args)
        with TargetClient(target) as client:
            preflight(client)
        result = report_dir / "load.json"
        started = time.time()
        cmd = _command(args, run_time, target.base_url)
        print(f"vanceqa load: {redact_text(' '.join(cmd), target.secrets)}", flush=True)
        if target.time_limit_s is not None:  # the run stops by then (see the plugin)
            run_time = min(run_time, target.time_limit_s)
        limit = run_bound_s(run_time, target.request_timeout_s)
        code = _run_locust(cmd, locust_environment(target, slo), limit)
        fresh = result.is_file() and result.stat().st_mtime >= started - 1
        if code in WITH_RESULTS and fresh:
            return code
        if code in (EXIT_USAGE, EXIT_UNAVAILABLE) and not fresh:
            return code
        if code == EXIT_OVERRUN:
            print(f"vanceqa load: error: locust was stopped before writing {result}",
                  file=sys.stderr)  # fmt: skip
            return EXIT_OVERRUN
        print(
            f"vanceqa load: error: locust exited with code {code} without writing {result}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
