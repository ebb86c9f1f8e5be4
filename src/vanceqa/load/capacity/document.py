"""reports/capacity.json (format in docs/result-files.md), its exit code and its summary.

The driver publishes the document when each step starts and ends (the progress display
and a run cut short both read it) and once more, final, with the exit code.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from vanceqa.load.capacity.search import (
    GENERATOR,
    INTERRUPTED,
    MAX_RATE,
    SLO,
    START_RATE,
    TIME_BUDGET,
    Conclusion,
    Search,
)
from vanceqa.load.capacity.settings import GROWTH
from vanceqa.load.outcome import (
    EXIT_BREACH,
    EXIT_GENERATOR,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_MAX_RATE,
    EXIT_OK,
    EXIT_OVERRUN,
    EXIT_START_RATE,
    EXIT_TIME_BUDGET,
    EXIT_UNAVAILABLE,
)
from vanceqa.load.slo import SLO as SLOFile
from vanceqa.redact import redact_text

FORMAT = "vanceqa.capacity/1"
FILE_NAME = "capacity.json"
# Codes of the run that outrank the search's own (no answer, target gone, overran).
RUN_CODES_FIRST = frozenset({EXIT_INCOMPLETE, EXIT_UNAVAILABLE, EXIT_OVERRUN})
EXIT_CODES = {
    SLO: EXIT_OK,
    START_RATE: EXIT_START_RATE,
    MAX_RATE: EXIT_MAX_RATE,
    GENERATOR: EXIT_GENERATOR,
    TIME_BUDGET: EXIT_TIME_BUDGET,
    INTERRUPTED: EXIT_INTERRUPTED,
}


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.4g} req/s"


def exit_code_for(conclusion: Conclusion, plan: Any) -> int:
    """The search's exit code (docs/capacity.md): with --expect-at-least R, 0 when the
    steps prove at least R, 4 when they prove less; otherwise by what limited it."""
    expect = plan.expect_at_least
    capacity, broke = conclusion.capacity_rps, conclusion.broke_at
    if expect is not None:
        if capacity is not None and capacity >= expect:
            return EXIT_OK
        if (broke is not None and broke <= expect) or conclusion.limited_by == SLO:
            return EXIT_BREACH
        if conclusion.limited_by == START_RATE and plan.rate_from <= expect:
            return EXIT_BREACH
    return EXIT_CODES[conclusion.limited_by]


def _first_broken(steps: list[dict[str, Any]], conclusion: Conclusion) -> dict[str, Any] | None:
    """What limits the capacity: the thresholds broken at the lowest rate that broke and
    counted (its last step at that rate); for the generator, its last step."""
    judged = [s for s in steps if s.get("verdict") == "broke" and s.get("broken")]
    if conclusion.limited_by == GENERATOR or conclusion.broke_at is None:
        chosen = judged[-1:] if conclusion.limited_by == GENERATOR else []
    else:
        chosen = [s for s in judged if math.isclose(s["rate"], conclusion.broke_at, rel_tol=1e-9)]
    if not chosen:
        return None
    step = chosen[-1]
    rows = [t for t in step["thresholds"] if t.get("passed") is False]
    return {
        "rate": step["rate"],
        "step": step["step"],
        "threshold": rows[0]["expression"],
        "measured": rows[0]["measured"],
        "unit": rows[0]["unit"],
        "thresholds": [t["expression"] for t in rows],
        "generator": bool(step["generator"]["limited"]),
    }


def answer(conclusion: Conclusion, plan: Any, first: dict[str, Any] | None) -> str:
    """The result in one sentence."""
    limit, capacity, broke = conclusion.limited_by, conclusion.capacity_rps, conclusion.broke_at
    what = f"{first['threshold']} broke at {rate_text(first['rate'])}" if first else ""
    if limit == SLO:
        return f"{rate_text(capacity)}: {what}"
    if limit == MAX_RATE:
        return f"at least {rate_text(capacity)}: nothing broke up to the max rate"
    if limit == START_RATE:
        return f"below {rate_text(plan.rate_from)}: even the start rate broke ({what})"
    if limit == GENERATOR:
        if capacity is None:
            return (
                f"unknown: the load generator could not offer even {rate_text(plan.rate_from)} "
                "(add --processes or workers)"
            )
        return (
            f"at least {rate_text(capacity)}: the load generator was the limit "
            "(add --processes or workers)"
        )
    why = "the time budget ran out" if limit == TIME_BUDGET else "the run was stopped"
    if capacity is not None and broke is not None:
        return f"between {rate_text(capacity)} and {rate_text(broke)}: {why} first"
    if capacity is not None:
        return f"at least {rate_text(capacity)}: {why} before anything broke"
    if broke is not None:
        return f"below {rate_text(broke)}: {why} before any rate held"
    return f"unknown: {why} before any step was judged"


def build(
    *,
    plan: Any,
    slo: SLOFile | None,
    steps: list[dict[str, Any]],
    search: Search,
    running: dict[str, Any] | None,
    elapsed_s: float,
    context: dict[str, Any],
    final: bool,
    exit_code: int | None,
) -> dict[str, Any]:
    over = search.ended is not None
    conclusion = search.conclusion()
    first = _first_broken(steps, conclusion)
    expect = plan.expect_at_least
    capacity = conclusion.capacity_rps if over else None
    return {
        "format": FORMAT,
        **context,
        "duration_s": round(elapsed_s, 3),
        "status": "final" if final else ("ended" if over else "searching"),
        "settings": {
            "start_rate": plan.rate_from,
            "max_rate": plan.rate_to,
            "step_time_s": plan.step_time_s,
            "warm_up_s": plan.warm_up_s,
            "precision": plan.precision,
            "repeats": plan.repeats,
            "time_budget_s": plan.run_time_s,
            "growth": GROWTH,
            "expect_at_least": expect,
        },
        "slo": {
            "file": slo.source if slo else None,
            "thresholds": [t.expression for t in slo.thresholds] if slo else [],
        },
        "capacity_rps": capacity,
        "limited_by": conclusion.limited_by if over else None,
        "answer": answer(conclusion, plan, first) if over else None,
        "held_rps": conclusion.capacity_rps,
        "broke_at_rps": conclusion.broke_at,
        "first_broken": first,
        "precision_reached": conclusion.precision_reached,
        "confirmation": {
            "rate": conclusion.capacity_rps if conclusion.repeats else None,
            "repeats": conclusion.repeats,
            "agreed": conclusion.agreed,
            "failed_candidates": conclusion.failed_candidates,
        },
        "rechecks": {"run": conclusion.rechecks, "overturned": conclusion.overturned},
        "expect_at_least": expect,
        "expectation_met": (
            None if expect is None or not over else exit_code_for(conclusion, plan) == EXIT_OK
        ),
        "running": running,
        "steps": steps,
        "exit_code": exit_code,
    }


def write(data: dict[str, Any], report_dir: str | Path, secrets: tuple[str, ...]) -> Path:
    """Write capacity.json atomically, every secret redacted from the text."""
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    text = redact_text(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode(), secrets) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".capacity-", suffix=".json", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is not
    target = folder / FILE_NAME
    os.replace(tmp, target)
    return target


# -- the terminal summary -----------------------------------------------------------------

_MAX_ROWS = 16


def _ms(value: Any) -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def step_line(step: dict[str, Any]) -> str:
    """One row of the steps table (also the progress display's)."""
    corrected = step.get("latency_corrected_ms") or {}
    generator = step.get("generator") or {}
    cpu = generator.get("cpu_max")
    limited = step["verdict"] == "broke" and generator.get("limited")
    verdict = step["verdict"] + (" (generator)" if limited else "")
    if step.get("broken") and step["verdict"] == "broke":
        verdict += ": " + ", ".join(step["broken"])
    achieved = step.get("achieved_rps")
    return (
        f"  {step['step']:>4} {step['phase']:<8}{step['rate']:>9.4g}"
        f"{'-' if achieved is None else f'{achieved:.4g}':>9}"
        f"{_ms(corrected.get('p50')):>7}{_ms(corrected.get('p95')):>7}{_ms(corrected.get('p99')):>7}"
        f"{step.get('failures', 0):>7}{step.get('throttled', 0):>5}{step.get('dropped', 0):>6}"
        f"{'-' if cpu is None else f'{cpu:.0%}':>6}  {verdict}"
    )


STEP_HEADER = (
    f"  {'step':>4} {'phase':<8}{'offered':>9}{'achieved':>9}{'p50':>7}{'p95':>7}{'p99':>7}"
    f"{'errors':>7}{'429':>5}{'drop':>6}{'cpu':>6}  verdict (latency ms, corrected)"
)


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The one-screen summary: the answer, why, how sure, the steps, the exit code."""
    target = data.get("target") or {}
    where = str(target.get("base_url") or "?") + (" (bundled mock)" if target.get("mock") else "")
    settings = data["settings"]
    lines = [
        f"vanceqa capacity: {data.get('answer') or 'no answer'}",
        f"  against {where}, {data.get('workers', 1)} generator process(es); "
        f"limited by: {data.get('limited_by') or '-'}",
    ]
    first = data.get("first_broken")
    if first:
        measured = first.get("measured")
        shown = f" (measured {measured:.4g}{'ms' if first.get('unit') == 'ms' else ''})"
        lines.append(
            f"  broke first: {first['threshold']} at {rate_text(first['rate'])}"
            + (shown if isinstance(measured, int | float) else "")
        )
    confirmation = data["confirmation"]
    if confirmation["repeats"]:
        lines.append(
            f"  confirmed: {confirmation['agreed']} of {confirmation['repeats']} repeat(s) agreed"
            + (
                f"; {confirmation['failed_candidates']} higher candidate(s) broke when repeated"
                if confirmation["failed_candidates"]
                else ""
            )
        )
    rechecks = data.get("rechecks") or {}
    if rechecks.get("run"):
        lines.append(
            f"  rechecked: {rechecks['run']} break(s) run again, "
            f"{rechecks['overturned']} held the second time"
        )
    held, broke = data.get("held_rps"), data.get("broke_at_rps")
    if held and broke:
        lines.append(
            f"  bracket: held {rate_text(held)}, broke {rate_text(broke)}: "
            f"{(broke / held - 1):.1%} apart (asked {settings['precision']:.1%})"
        )
    steps = data["steps"]
    lines.append(
        f"  {len(steps)} step(s) in {data['duration_s']:.0f}s of a "
        f"{settings['time_budget_s']:g}s budget; steps of {settings['step_time_s']:g}s"
    )
    if data.get("expect_at_least") is not None:
        met = data.get("expectation_met")
        lines.append(
            f"  expected at least {rate_text(data['expect_at_least'])}: "
            + {True: "met", False: "NOT met", None: "not decided"}[met]
        )
    lines.append(STEP_HEADER)
    if len(steps) <= _MAX_ROWS:
        lines += [step_line(step) for step in steps]
    else:  # one screen: the first steps, then the last ones
        lines += [step_line(step) for step in steps[:3]]
        lines.append(f"  ... {len(steps) - _MAX_ROWS + 1} more step(s) in capacity.json")
        lines += [step_line(step) for step in steps[-(_MAX_ROWS - 4) :]]
    lines.append(f"exit code {data.get('exit_code')}")
    return lines
