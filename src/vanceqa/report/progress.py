"""Progress while `vanceqa run` works: a bar per phase on a terminal, plain lines elsewhere (CI)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from vanceqa.report.phases import Listener, Phase, PhaseOutcome


def _verdict(outcome: PhaseOutcome) -> str:
    if outcome.note:
        return outcome.note
    code = outcome.exit_code
    meanings = {0: "passed", 1: "failures found", **outcome.phase.meanings}
    return meanings.get(code, f"exit code {code}") if code is not None else "did not run"


class PlainProgress(Listener):
    """One line when a phase starts and one when it ends: readable in a CI log."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def started(self, phase: Phase) -> None:
        self.console.print(f"vanceqa run: {phase.name}: started: {escape(phase.command)}")

    def finished(self, outcome: PhaseOutcome) -> None:
        if outcome.exit_code is None:
            self.console.print(f"vanceqa run: {outcome.phase.name}: {escape(_verdict(outcome))}")
            return
        self.console.print(
            f"vanceqa run: {outcome.phase.name}: {escape(_verdict(outcome))} "
            f"in {outcome.duration_s:.1f} s (log: {escape(str(outcome.log))})"
        )


class RichProgress(Listener):
    """A bar per phase, the latest output line beside the running one."""

    def __init__(self, console: Console, phases: Sequence[Phase]) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<14}"),
            BarColumn(bar_width=30),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}", style="dim"),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {
            p.name: self.progress.add_task(p.name, total=1.0, start=False, status="waiting")
            for p in phases
        }

    def __enter__(self) -> RichProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.progress.__exit__(kind, exc, tb)

    def started(self, phase: Phase) -> None:
        task = self.tasks[phase.name]
        self.progress.start_task(task)
        self.progress.update(task, status="starting")

    def advanced(self, phase: Phase, fraction: float, line: str | None) -> None:
        task = self.tasks[phase.name]
        if line and line.strip():
            self.progress.update(task, completed=fraction, status=escape(line.strip()[:60]))
        else:
            self.progress.update(task, completed=fraction)

    def finished(self, outcome: PhaseOutcome) -> None:
        task = self.tasks[outcome.phase.name]
        ok = outcome.note is None
        style = "green" if ok and outcome.exit_code == 0 else ("red" if ok else "yellow")
        status = f"[{style}]{escape(_verdict(outcome))}[/]"
        self.progress.update(task, completed=1.0, status=status)
        self.progress.stop_task(task)
