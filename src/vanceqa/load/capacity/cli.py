"""`vanceqa capacity`: the highest arrival rate the target sustains within its SLOs.

This process never imports locust: it checks the options, starts the bundled mock when
no target is given, preflights the target and runs `locust --shape capacity` (the
search runs inside locust, where plain `locust` users get it too), with the target in
VANCEQA_* variables, locust's own output in REPORT_DIR/logs/capacity-locust.log, and a
progress display read from capacity.json as the search writes it. Then it prints the
summary. The whole command ends within --time-budget: locust gets what is left of it
after the start-up, minus a reserve for its own start and wrap-up.

Exit codes (`vanceqa.load.outcome`, docs/capacity.md): 0 a capacity was found (and
--expect-at-least held); 1 no verdict; 2 usage; 3 target unavailable; 4 below
--expect-at-least; 5 overran; 6 even the start rate broke; 7 nothing broke up to
--max-rate; 8 the load generator was the limit; 9 the time budget ran out; 130
interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from vanceqa import resources
from vanceqa.client import TargetClient
from vanceqa.errors import UsageError
from vanceqa.load.capacity import settings
from vanceqa.load.capacity.document import FILE_NAME, summary_lines
from vanceqa.load.capacity.progress import SearchProgress
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
from vanceqa.preflight import preflight
from vanceqa.redact import redact_text
from vanceqa.target import TargetConfig, add_target_arguments
from vanceqa.units import parse_positive_duration, parse_rate
from vanceqa.workspace import target_from_args

RESERVE_S = 8.0  # of the budget, for locust's own start (imports, spawning) and wrap-up
POLL_S = 0.5
LOG_NAME = "capacity-locust.log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser, skip=("strict",))
    parser.add_argument("-H", "--host", dest="base_url", help="same as --base-url (locust's name)")
    search = parser.add_argument_group("capacity search")
    search.add_argument(
        "--slo",
        help=f"SLO file (env {SLO_ENV}; default loadtests/slo.toml; 'none': throughput only)",
    )
    search.add_argument(
        "--start-rate",
        default=f"{settings.DEFAULT_START_RATE:g}",
        help="the first rate offered, req/s (default %(default)s)",
    )
    search.add_argument(
        "--max-rate",
        help=f"the highest rate offered (default --max-rps, else {settings.DEFAULT_MAX_RATE:g})",
    )
    search.add_argument(
        "--time-budget",
        default=f"{settings.DEFAULT_BUDGET_S / 60:g}m",
        help="the whole command ends within this (default %(default)s)",
    )
    settings.add_arguments(search)
    load = parser.add_argument_group("load")
    add_shared_arguments(load, "capacity.json and its logs")
    load.add_argument("--max-lateness", help="drop a request no user could start this late (5s)")
    load.add_argument("--locustfile", help="another locustfile (default loadtests/locustfile.py)")
    add_mock_and_master_arguments(parser, "distributed (workers: `vanceqa load --worker`)")


def _rates(args: argparse.Namespace, target: TargetConfig) -> tuple[float, float]:
    start = parse_rate(args.start_rate, what="--start-rate")
    default_max = target.max_rps or settings.DEFAULT_MAX_RATE
    max_rate = parse_rate(args.max_rate, what="--max-rate") if args.max_rate else default_max
    settings.check_rates(start, max_rate, target.max_rps)
    return start, max_rate


def _validate(args: argparse.Namespace) -> None:
    """Every other option, before anything starts."""
    settings.resolve(vars(args))
    check_shared(args)
    if args.processes and args.master:
        raise UsageError("--processes runs its own workers; drop --master")
    locustfile = Path(args.locustfile) if args.locustfile else None
    if locustfile is not None and not locustfile.is_file():
        raise UsageError(f"locustfile not found: {locustfile}")


def _command(
    args: argparse.Namespace, rates: tuple[float, float], run_time_s: float, base_url: str
) -> list[str]:
    locustfile = args.locustfile or str(resources.locustfile_path())
    cmd = [sys.executable, "-m", "locust", "-f", locustfile, "--headless", "--only-summary"]
    cmd += ["--host", base_url, "--shape", "capacity", "--rate", f"{rates[0]:g}..{rates[1]:g}"]
    cmd += ["--run-time", f"{math.floor(run_time_s)}s"]
    cmd += ["--report-dir", str(Path(args.report_dir).resolve())]
    for setting in settings.SETTINGS:
        value = getattr(args, setting.name)
        if value is not None:
            cmd += [setting.flag, str(value)]
    return cmd + shared_locust_options(args) + list(args.locust_args)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not there yet, or being replaced
    return data if isinstance(data, dict) else None


def _run_locust(
    cmd: list[str], env: dict[str, str], log: Path, result: Path, bound: float, budget: float
) -> int:
    """Run locust, showing the search's progress; past `bound` seconds (a last resort:
    the search ends itself) SIGTERM it, which makes it write capacity.json, then kill it."""
    console = Console(highlight=False, soft_wrap=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(cmd, env=env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + bound
        seen = -1.0
        try:
            with SearchProgress(console, budget) as progress:
                while process.poll() is None and time.monotonic() < deadline:
                    fresh = None
                    with contextlib.suppress(OSError):
                        changed = result.stat().st_mtime
                        if changed != seen and (fresh := _read(result)) is not None:
                            seen = changed
                    progress.update(fresh)
                    time.sleep(POLL_S)
                if (data := _read(result)) is not None:
                    progress.update(data)
        except KeyboardInterrupt:
            # Locust may have had the terminal's SIGINT too; SIGTERM makes sure it stops
            # the search, writes capacity.json ("interrupted") and ends.
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=60)
            if process.poll() is None:
                process.kill()
            if (data := _read(result)) is not None:
                print("\n".join(summary_lines(data)), flush=True)
            raise
        if process.poll() is None:
            stop_locust(process, "capacity", bound)
            return EXIT_OVERRUN
        return process.returncode


def _tail(log: Path, secrets: tuple[str, ...], lines: int = 15) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return redact_text("\n".join(text.splitlines()[-lines:]), secrets)


def run(args: argparse.Namespace) -> int:
    """`vanceqa capacity`: options checked, the target found and preflighted, the search
    run inside locust, the summary printed, one exit code (docs/capacity.md)."""
    began = time.monotonic()
    target = target_from_args(args)
    rates = _rates(args, target)
    budget = parse_positive_duration(args.time_budget, what="--time-budget")
    if target.time_limit_s is not None:
        budget = min(budget, target.time_limit_s)
    _validate(args)
    slo = slo_path(args)
    report_dir = resources.ensure_report_dir(args.report_dir)
    result = report_dir / FILE_NAME
    with contextlib.ExitStack() as stack:
        target = target_or_mock(stack, target, args)
        with TargetClient(target) as client:
            preflight(client)
        run_time = budget - (time.monotonic() - began) - RESERVE_S
        needed = settings.resolve(vars(args))
        smallest = needed["warm_up"] + needed["step_time"] + 2.0
        if run_time < smallest:
            raise UsageError(
                f"--time-budget {budget:g}s leaves {max(run_time, 0):.0f}s for the search "
                f"after start-up; one step needs about {smallest:g}s"
            )
        assert target.base_url is not None
        cmd = _command(args, rates, run_time, target.base_url)
        print(f"vanceqa capacity: {redact_text(' '.join(cmd), target.secrets)}", flush=True)
        env = locust_environment(target, slo)
        result.unlink(missing_ok=True)  # what is read afterwards is this search's
        log = report_dir / "logs" / LOG_NAME
        bound = run_bound_s(run_time, target.request_timeout_s)
        code = _run_locust(cmd, env, log, result, bound, run_time)
        data = _read(result)
        if data is not None and data.get("exit_code") is not None and code in WITH_RESULTS:
            print("\n".join(summary_lines(data)), flush=True)
            print(f"vanceqa capacity: wrote {result} (locust's log: {log})", flush=True)
            return code
        why = "was stopped" if code == EXIT_OVERRUN else f"exited with code {code}"
        print(
            f"vanceqa capacity: error: locust {why} without a final {result}; its log "
            f"({log}) ends:\n{_tail(log, target.secrets)}",
            file=sys.stderr,
        )
        if data is not None:  # the steps measured so far are kept, marked unfinished
            print("\n".join(summary_lines(data)), flush=True)
        return code if code in (EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_OVERRUN) else EXIT_INCOMPLETE
