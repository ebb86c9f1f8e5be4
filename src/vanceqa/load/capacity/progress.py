"""What `vanceqa capacity` shows while the search runs, read from capacity.json as it grows.

On a terminal: a live table of the steps so far and the one running, redrawn in place.
Elsewhere (CI, `vanceqa run`'s log): no display, one plain line per judged step.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from vanceqa.load.capacity.document import rate_text


def plain_line(step: dict[str, Any]) -> str:
    """A judged step in one line of a log."""
    corrected = step.get("latency_corrected_ms") or {}
    p99 = corrected.get("p99")
    verdict = step["verdict"]
    if step.get("broken") and verdict == "broke":
        verdict += " (" + ", ".join(step["broken"]) + ")"
    if verdict.startswith("broke") and (step.get("generator") or {}).get("limited"):
        verdict += " (the load generator was the limit)"
    achieved = step.get("achieved_rps")
    return (
        f"vanceqa capacity: step {step['step']} ({step['phase']}) {rate_text(step['rate'])}: "
        f"achieved {'-' if achieved is None else f'{achieved:.4g}'}/s, corrected p99 "
        f"{'-' if p99 is None else f'{p99:g}'} ms: {verdict}"
    )


def live_line(step: dict[str, Any]) -> str:
    """A step in the live table: narrow enough for an 80-column terminal."""
    corrected = step.get("latency_corrected_ms") or {}
    p99 = corrected.get("p99")
    achieved = step.get("achieved_rps")
    verdict = step["verdict"]
    if verdict == "broke" and (step.get("generator") or {}).get("limited"):
        verdict += " (generator)"
    elif verdict == "broke":
        verdict += ": " + ", ".join(step.get("broken") or [])
    return (
        f"  {step['step']:>4} {step['phase']:<8}{step['rate']:>9.4g}"
        f"{'-' if achieved is None else f'{achieved:.4g}':>9}"
        f"{'-' if p99 is None else f'{p99:.3g}':>8}  {verdict}"
    )


LIVE_HEADER = f"  {'step':>4} {'phase':<8}{'offered':>9}{'achieved':>9}{'p99 ms':>8}  verdict"


class SearchProgress:
    def __init__(self, console: Console, budget_s: float) -> None:
        self.console = console
        self.budget_s = budget_s
        self.began = time.monotonic()
        self.shown = 0  # steps printed (plain mode)
        self.data: dict[str, Any] = {}
        self.live: Live | None = None
        if console.is_terminal:
            self.live = Live(Text("vanceqa capacity: starting locust ..."), console=console,
                             transient=True, refresh_per_second=4)  # fmt: skip

    def __enter__(self) -> SearchProgress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.stop()

    def update(self, data: dict[str, Any] | None = None) -> None:
        """New numbers from capacity.json (None: the same ones, a second later)."""
        self.data = data if data is not None else self.data
        steps = self.data.get("steps") or []
        if self.live is None:
            for step in steps[self.shown :]:
                self.console.print(escape(plain_line(step)))
            self.shown = len(steps)
            return
        if self.data:
            self.live.update(Text("\n".join(self._lines(steps)), no_wrap=True))

    def _lines(self, steps: list[dict[str, Any]]) -> list[str]:
        data = self.data
        held, broke = data.get("held_rps"), data.get("broke_at_rps")
        head = (
            f"vanceqa capacity: searching, {time.monotonic() - self.began:.0f}s of "
            f"{self.budget_s:.0f}s; held {rate_text(held)}, broke {rate_text(broke)}"
        )
        running = data.get("running")
        lines = [head, LIVE_HEADER, *(live_line(s) for s in steps[-12:])]
        if running:
            lines.append(
                f"  {running['step']:>4} {running['phase']:<8}{running['rate']:>9.4g}   running ..."
            )
        return lines
