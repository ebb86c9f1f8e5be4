"""The report's sections, each declared once: every other part of the report reads SECTIONS.

A section is one result file and everything the report does with it: the schema it is
checked against, how it is judged, how it is shown, which `vanceqa run` commands write it
and which of its figures the trend follows. Reading the files (`results`), the verdict,
the page, the history and `vanceqa run`'s plan all iterate this list, so adding a section
is one `Section(...)` here (plus its parts and its test), as pytest-html lets a plugin add
to its page without touching the page code.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vanceqa.report import (
    capacity_view,
    conformance_view,
    docs_view,
    load_view,
    plans,
    schemas,
    verdict,
)
from vanceqa.report.phases import Phase
from vanceqa.report.result_files import JSON, conformance_summary, load_error_rate, overall_stats
from vanceqa.report.verdict import PhaseVerdict
from vanceqa.target import TargetConfig

Judge = Callable[[JSON, int | None], PhaseVerdict]
View = Callable[[JSON | None], str]
Plan = Callable[[argparse.Namespace, Path, int, TargetConfig], list[Phase]]


@dataclass(frozen=True)
class Figure:
    """One figure a section keeps in reports/history/ and the trend compares across runs."""

    key: str  # its name in the section's history record
    label: str  # how the trend table names it
    higher_is_worse: bool = True
    unit: str = ""  # "ms", "/s", "%" or "" (a count)
    margin: bool = True  # flagged beyond --regression-margin; False: on any worsening
    flagged: bool = True  # False: shown for context, never a regression
    floor: float | None = None  # a change this small is noise, never a regression


@dataclass(frozen=True, eq=False)
class Section:
    """One part of the report and of `vanceqa run`."""

    name: str  # key in Results, page anchor, the verdict's phase name, `phase` in run.json
    title: str  # the page's navigation label
    result_file: str  # what its command writes in the report folder
    schema: dict[str, Any]  # what the report relies on in that file (schemas.py)
    judge: Judge  # (its data, its commands' exit code) -> how it went
    view: View  # its data (None: no file) -> its <section id="NAME">
    command: str  # `vanceqa COMMAND` writes it; the name `--skip` (or --COMMAND) takes
    cli: str  # the module under vanceqa/ that must be installed for `vanceqa run` to try it
    plan: Plan  # (run's args, report folder, seed, target) -> the commands of `vanceqa run`
    add_options: Callable[[argparse.ArgumentParser], None] | None = None  # run's options for it
    opt_in: bool = False  # run only with `vanceqa run --COMMAND`; absent from the page unless run
    keeps_exit_code: bool = False  # failing alone, the run exits with its file's `exit_code`
    history: Callable[[JSON], JSON] | None = None  # its record in reports/history/
    figures: tuple[Figure, ...] = ()  # the record's figures the trend compares
    comparable: Callable[[JSON, JSON], bool] | None = None  # may two records be compared?
    css: str = ""  # styles its view needs beyond style.CSS


def _conformance_history(data: JSON) -> JSON:
    counts = conformance_summary(data)
    return {k: counts[k] for k in ("passed", "failed", "skipped")}


def _load_history(data: JSON) -> JSON:
    overall = overall_stats(data)
    latency = overall.get("latency_ms") or {}
    shape = data.get("shape") or {}
    return {
        "p95_ms": latency.get("p95"),
        "p99_ms": latency.get("p99"),
        "rps": overall.get("rps"),
        "error_rate": load_error_rate(data),
        "shape": {"name": shape.get("name"), "rate": shape.get("rate")},
    }


def _same_shape(a: JSON, b: JSON) -> bool:
    # Older entries carry no shape: compare them.
    return a.get("shape") is None or b.get("shape") is None or a["shape"] == b["shape"]


# Error rates this small are noise on a short run: flag only a rise beyond 0.1 points.
ERROR_RATE_FLOOR = 0.001
# Sub-millisecond latencies double between two runs on a busy machine: a latency is
# flagged only when it also rose by more than this.
LATENCY_FLOOR_MS = 1.0

SECTIONS: tuple[Section, ...] = (
    Section(
        name="conformance",
        title="Conformance",
        result_file="conformance.json",
        schema=schemas.CONFORMANCE,
        judge=verdict.judge_conformance,
        view=conformance_view.section,
        command="check",
        cli="conformance/cli.py",
        plan=plans.check,
        history=_conformance_history,
        # Any new failure or skip is flagged; fewer passes is shown, not flagged: a check
        # that moved from pass to fail is already flagged once.
        figures=(
            Figure("failed", "conformance failures", margin=False),
            Figure("skipped", "conformance checks skipped", margin=False),
            Figure("passed", "conformance checks passed", higher_is_worse=False, flagged=False),
        ),
    ),
    Section(
        name="load",
        title="Load",
        result_file="load.json",
        schema=schemas.LOAD,
        judge=verdict.judge_load,
        view=load_view.section,
        command="load",
        cli="load/cli.py",
        plan=plans.load,
        add_options=plans.add_load_options,
        keeps_exit_code=True,
        history=_load_history,
        figures=(
            Figure("p95_ms", "p95 latency", unit="ms", floor=LATENCY_FLOOR_MS),
            Figure("p99_ms", "p99 latency", unit="ms", floor=LATENCY_FLOOR_MS),
            Figure("rps", "requests per second", higher_is_worse=False, unit="/s"),
            Figure("error_rate", "error rate", unit="%", floor=ERROR_RATE_FLOOR),
        ),
        comparable=_same_shape,
    ),
    Section(
        name="docs",
        title="Docs",
        result_file="docs.json",
        schema=schemas.DOCS,
        judge=verdict.judge_docs,
        view=docs_view.section,
        command="docs",
        cli="docs/cli.py",
        plan=plans.docs,
    ),
    Section(
        name="capacity",
        title="Capacity",
        result_file="capacity.json",
        schema=schemas.CAPACITY,
        judge=capacity_view.judge,
        view=capacity_view.section,
        command="capacity",
        cli="load/capacity/cli.py",
        plan=plans.capacity,
        add_options=plans.add_capacity_options,
        opt_in=True,
        keeps_exit_code=True,
        history=capacity_view.history,
        # Only capacities found within the SLO are compared; a drop beyond the margin is a
        # regression (the search's own precision is 5% by default).
        figures=(Figure("capacity_rps", "capacity", higher_is_worse=False, unit="/s"),),
        comparable=capacity_view.comparable,
        css=capacity_view.CSS,
    ),
)
