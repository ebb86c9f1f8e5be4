"""The one-screen summary printed after a run or a rebuild; colour on a terminal only."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from vanceqa.redact import scrub
from vanceqa.report.build import BuildOutcome
from vanceqa.report.result_files import JSON, Results
from vanceqa.report.trend_view import change_text
from vanceqa.target import INSECURE_NOTE

_STYLE = {
    "passed": "green",
    "failed": "bold red",
    "error": "yellow",
    "measured": "blue",
    "not run": "dim",
}
_VERDICT_STYLE = {"pass": "bold white on green", "fail": "bold white on red"}
MAX_FAILURES = 5


def _failures(results: Results) -> list[JSON]:
    return [r for r in (results.conformance or {}).get("results", []) if r["outcome"] == "failed"]


def summary_lines(outcome: BuildOutcome, exit_code: int | None = None) -> list[str]:
    """The summary as rich markup lines (escaped; colour is dropped when not on a terminal)."""
    verdict, results = outcome.verdict, outcome.results
    style = _VERDICT_STYLE.get(verdict.status, "bold black on yellow")
    code = verdict.exit_code if exit_code is None else exit_code
    lines = [f"[{style}] {verdict.word} [/] exit code {code}"]
    for phase in verdict.phases:
        colour = _STYLE.get(phase.status, "")
        lines.append(
            f"  {phase.name:<12} [{colour}]{phase.status.upper():<9}[/] {escape(phase.headline)}"
        )
    flagged = outcome.regressions
    if flagged:
        items = ", ".join(f"{r.label} {change_text(r)}" for r in flagged)
        lines.append(f"  {'trend':<12} [bold red]{'REGRESSED':<9}[/] {escape(items)}")
    elif any(r.baseline is not None for r in outcome.trend_rows):
        lines.append(f"  {'trend':<12} [green]{'OK':<9}[/] no regression beyond the margin")
    else:
        lines.append(f"  {'trend':<12} [dim]{'—':<9}[/] no earlier run to compare with")
    failures = _failures(results)
    if failures:
        lines.append("")
        lines.append(f"[bold]Failures ({len(failures)}):[/]")
        for result in failures[:MAX_FAILURES]:
            failure = result.get("failure") or {}
            what = failure.get("behaviour") or result.get("nodeid") or ""
            lines.append(
                f"  [red]✗[/] {escape(result['operation'])} · {escape(result['check'])}: "
                f"{escape(str(what))}"
            )
            if failure.get("curl"):
                lines.append(f"      [dim]{escape(str(failure['curl']))}[/]")
        if len(failures) > MAX_FAILURES:
            lines.append(f"  … and {len(failures) - MAX_FAILURES} more in the report")
    warned = [
        r for r in (results.conformance or {}).get("results", []) if r["outcome"] == "warning"
    ]
    if warned:
        lines.append("")
        lines.append(f"[bold]Warnings ({len(warned)}, beyond the docs; --strict fails them):[/]")
        for result in warned[:MAX_FAILURES]:
            message = str((result.get("failure") or {}).get("message") or "").splitlines()
            lines.append(
                f"  [yellow]⚠[/] {escape(result['operation'])} · {escape(result['check'])}: "
                f"{escape(message[0] if message else '')}"
            )
        if len(warned) > MAX_FAILURES:
            lines.append(f"  … and {len(warned) - MAX_FAILURES} more in the report")
    if results.insecure:
        lines.append(f"[bold yellow]! {escape(INSECURE_NOTE)}[/]")
    for problem in results.problems:
        lines.append(f"[yellow]! {escape(problem)}[/]")
    size = outcome.size_bytes / 1_000_000
    lines.append("")
    lines.append(f"Report: [bold]{escape(str(outcome.path.resolve()))}[/] ({size:.1f} MB)")
    return lines


def print_summary(
    outcome: BuildOutcome,
    console: Console | None = None,
    secrets: Iterable[str] = (),
    exit_code: int | None = None,
) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    keep_out = list(secrets)
    for line in summary_lines(outcome, exit_code):
        console.print(scrub(line, keep_out))
