"""`vanceqa run`: conformance, a short load test and the docs check, then one report.

With no options everything runs against the bundled mock (each phase starts its own);
with --base-url and tokens (or the VANCEQA_* variables) against a real server, handed
to the phases through the environment so no token shows in a process list or a log.
Exit code: 0 all passed; 1 a check failed (conformance or docs); the load command's own
code when only an SLO broke; 3 when the target could not be tested; 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

import vanceqa
from vanceqa import resources
from vanceqa.errors import UsageError
from vanceqa.report.phases import Phase, PhaseOutcome, run_phase
from vanceqa.report.plans import KILL_GRACE_S
from vanceqa.report.progress import PlainProgress, RichProgress
from vanceqa.report.report_command import add_report_arguments, exit_code
from vanceqa.report.result_files import RUN_FILE
from vanceqa.report.sections import SECTIONS, Section
from vanceqa.resources import ensure_report_dir
from vanceqa.target import (
    ENV,
    INSECURE_NOTE,
    TargetConfig,
    add_target_arguments,
    clean_environment,
)
from vanceqa.workspace import target_from_args

RUN_FORMAT = "vanceqa.run/1"
_PACKAGE = Path(vanceqa.__file__).resolve().parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    add_report_arguments(parser)
    parser.add_argument("--seed", type=int, help="seed for every phase (default: a random one)")
    parser.add_argument(
        "--skip",
        action="append",
        choices=[s.command for s in SECTIONS if not s.opt_in],
        default=[],
        help="leave a phase out, repeatable",
    )
    for section in SECTIONS:
        if section.opt_in:
            parser.add_argument(
                f"--{section.command}",
                action="store_true",
                help=f"also run `vanceqa {section.command}` (the {section.title} section)",
            )
    for section in SECTIONS:
        if section.add_options is not None:
            section.add_options(parser)


def _wanted(section: Section, args: argparse.Namespace) -> bool:
    if section.opt_in:
        return bool(getattr(args, section.command.replace("-", "_"), False))
    return section.command not in args.skip


def _available(phase: Phase) -> bool:
    # A file check, not an import: importing vanceqa.load here would patch this process.
    section = next(s for s in SECTIONS if s.name == phase.area)
    return (_PACKAGE / section.cli).is_file()


def plan(
    args: argparse.Namespace, report_dir: Path, seed: int, target: TargetConfig
) -> list[Phase]:
    """The phases to run, in order: each wanted section's, in the sections' order.

    Every section's options are checked here, before any phase runs.
    """
    return [
        replace(phase, area=section.name, result=section.result_file)
        for section in SECTIONS
        if _wanted(section, args)
        for phase in section.plan(args, report_dir, seed, target)
    ]


def run_sources(args: argparse.Namespace, target: TargetConfig) -> dict[str, dict[str, str]]:
    """The contract, data, suites, docs, locustfile and SLO file the phases will use."""
    kinds = ["contract", "suites", "docs", "locustfile"]
    slo = getattr(args, "slo", None) or os.environ.get("VANCEQA_SLO")
    kinds += [] if (slo or "").strip().lower() in ("none", "off") else ["slo"]
    kinds += ["data"] if target.starts_mock else []
    return resources.sources_record(kinds, {"slo": slo})


def child_environment(
    target: TargetConfig, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The phases' environment: the resolved target in VANCEQA_* variables, nothing stale."""
    env = clean_environment(base) | target.to_env()
    env["PYTHONUNBUFFERED"] = "1"  # progress lines arrive as they are printed
    return env


def _clear_old_results(report_dir: Path) -> None:
    # A result file left by an earlier run would be shown as this run's if a phase died.
    for file_name in (RUN_FILE, *(s.result_file for s in SECTIONS)):
        (report_dir / file_name).unlink(missing_ok=True)


def _run_json(
    report_dir: Path,
    started_at: str,
    duration: float,
    seed: int,
    target: TargetConfig,
    outcomes: list[PhaseOutcome],
    skipped: list[Phase],
    why_skipped: str,
    sources: dict[str, dict[str, str]],
) -> None:
    phases = [o.record(report_dir) for o in outcomes]
    phases += [
        {
            "name": p.name,
            "phase": p.area,
            "command": p.command,
            "exit_code": None,
            "note": why_skipped,
        }
        for p in skipped
    ]
    document = {
        "format": RUN_FORMAT,
        "started_at": started_at,
        "duration_s": round(duration, 2),
        "seed": seed,
        "target": {
            "base_url": target.base_url,
            "mock": target.starts_mock,
            "insecure": target.insecure,
        },
        "versions": {"vanceqa": vanceqa.__version__, "python": platform.python_version()},
        "phases": phases,
        "sources": sources,
    }
    path = report_dir / RUN_FILE
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    from vanceqa.report.build import build_report, known_secrets
    from vanceqa.report.summary import print_summary

    target = target_from_args(args)
    if args.baseline_runs < 1:
        raise UsageError("--baseline-runs must be at least 1")
    report_dir = ensure_report_dir(args.report_dir)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    phases = plan(args, report_dir, seed, target)
    if not phases:
        raise UsageError("every phase is skipped: nothing to run")
    secrets = known_secrets(target.secrets)
    env = child_environment(target)
    console = Console(highlight=False, soft_wrap=True)
    where = "the bundled mock" if target.starts_mock else target.base_url
    console.print(f"vanceqa run: testing {where} (seed {seed}); results in {report_dir}/")
    sources = run_sources(args, target)
    console.print(f"vanceqa run: sources: {escape(resources.sources_text(sources))}")
    if target.insecure:
        console.print(f"[bold yellow]vanceqa run: {escape(INSECURE_NOTE)}[/]")
    _clear_old_results(report_dir)
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock = time.monotonic()
    ends_at = clock + target.time_limit_s if target.time_limit_s else None
    outcomes: list[PhaseOutcome] = []
    why_skipped = "interrupted before it finished"
    interrupted = False
    listener = RichProgress(console, phases) if console.is_terminal else PlainProgress(console)
    try:
        with listener:
            for phase in phases:
                phase_env = env
                if ends_at is not None:
                    # --time-limit bounds the whole run: each phase gets what is left.
                    budget = ends_at - time.monotonic()
                    if budget <= 0:
                        why_skipped = "not run: the run's time limit (--time-limit) passed"
                        break
                    phase_env = {**env, ENV["time_limit_s"]: f"{budget:.1f}s"}
                    phase.timeout_s = min(phase.timeout_s, budget + KILL_GRACE_S)
                log = report_dir / "logs" / f"{phase.name.replace(' ', '-')}.log"
                if not _available(phase):
                    note = f"`vanceqa {phase.argv[0]}` is not part of this installation"
                    listener.started(phase)
                    outcomes.append(PhaseOutcome(phase, None, 0.0, log, note))
                    listener.finished(outcomes[-1])
                    continue
                outcome = run_phase(phase, log, phase_env, secrets, listener)
                outcomes.append(outcome)
                if outcome.exit_code == 3 and not target.starts_mock:
                    why_skipped = f"not run: the target was unavailable during {phase.name}"
                    break
    except KeyboardInterrupt:
        interrupted = True
        console.print("vanceqa run: interrupted; writing the report of what finished")
    finally:
        done = {o.phase.name for o in outcomes}
        left = [p for p in phases if p.name not in done]
        _run_json(
            report_dir,
            started_at,
            time.monotonic() - clock,
            seed,
            target,
            outcomes,
            left,
            why_skipped,
            sources,
        )
    built = build_report(
        report_dir,
        margin=args.regression_margin,
        window=args.baseline_runs,
        secrets=secrets,
        record_history=not interrupted,
    )
    code = exit_code(built.verdict.exit_code, bool(built.regressions), args.fail_on_regression)
    code = 130 if interrupted else code
    console.print()
    print_summary(built, console, secrets, exit_code=code)
    return code
