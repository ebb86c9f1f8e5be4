"""Run one phase (`vanceqa check`, `load`, `docs ...`) as a subprocess, bounded and logged.

Each phase runs in its own process (and process group): locust's gevent patching never
reaches the orchestrator, and a timeout or Ctrl-C stops the phase with its mock and
workers. Output goes to reports/logs/NAME.log with tokens scrubbed; progress is read
from it where the phase prints some (pytest's "[ 42%]"), else estimated from time.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vanceqa.processes import stop_process
from vanceqa.redact import scrub

_PYTEST_PERCENT = re.compile(r"\[\s*(\d{1,3})%\]\s*$")


def pytest_progress(line: str) -> float | None:
    """Fraction done from a pytest progress line, if it is one."""
    match = _PYTEST_PERCENT.search(line)
    return int(match.group(1)) / 100 if match else None


@dataclass
class Phase:
    """One command of the run."""

    name: str  # shown to the user: "check", "load", "docs drift"
    argv: list[str]  # after `python -m vanceqa`
    expected_s: float  # a guess at its duration, for the progress bar
    timeout_s: float  # it is stopped after this long
    ok_codes: tuple[int, ...] = (0, 1)  # codes that still mean "it ran and judged"
    meanings: dict[int, str] = field(default_factory=dict)  # exit code -> a word for it
    progress: Callable[[str], float | None] | None = None
    # Set by `vanceqa run` from the section that planned it (sections.py):
    area: str = ""  # the report section it feeds
    result: str = ""  # the result file it writes in the report folder

    @property
    def command(self) -> str:
        return " ".join(["vanceqa", *self.argv])


@dataclass
class PhaseOutcome:
    """How a phase ended; `note` says why when it did not end normally."""

    phase: Phase
    exit_code: int | None
    duration_s: float
    log: Path
    note: str | None = None
    tail: list[str] = field(default_factory=list)

    def record(self, report_dir: Path) -> dict[str, object]:
        """The phase's entry in run.json."""
        try:
            log = str(self.log.relative_to(report_dir))
        except ValueError:
            log = str(self.log)
        return {
            "name": self.phase.name,
            "phase": self.phase.area,
            "command": self.phase.command,
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 2),
            "result": self.phase.result,
            "log": log,
            "note": self.note,
        }


class Listener:
    """What the progress display is told while a phase runs."""

    def started(self, phase: Phase) -> None: ...

    def advanced(self, phase: Phase, fraction: float, line: str | None) -> None: ...

    def finished(self, outcome: PhaseOutcome) -> None: ...


def run_phase(
    phase: Phase,
    log_path: Path,
    env: Mapping[str, str],
    secrets: Sequence[str],
    listener: Listener,
) -> PhaseOutcome:
    """Run `phase` to its end (or its timeout); never raises for the phase's own failure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    listener.started(phase)
    started = time.monotonic()
    lines: queue.Queue[str | None] = queue.Queue()
    tail: list[str] = []
    note: str | None = None
    with log_path.open("w", encoding="utf-8") as log:
        log.write(f"$ {phase.command}\n")
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "vanceqa", *phase.argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env=dict(env),
                start_new_session=True,
            )
        except OSError as exc:
            note = f"could not start: {exc}"
            outcome = PhaseOutcome(phase, None, 0.0, log_path, note)
            listener.finished(outcome)
            return outcome
        reader = threading.Thread(target=_pump, args=(process, lines), daemon=True)
        reader.start()
        fraction = 0.0
        try:
            while True:
                try:
                    line = lines.get(timeout=0.2)
                except queue.Empty:
                    line = ""
                if line is None:
                    break
                elapsed = time.monotonic() - started
                shown = None
                if line:
                    shown = scrub(line.rstrip("\n"), secrets)
                    log.write(shown + "\n")
                    tail = [*tail[-19:], shown]
                    reported = phase.progress(shown) if phase.progress else None
                    fraction = max(fraction, reported) if reported is not None else fraction
                if phase.progress is None or fraction == 0.0:
                    fraction = max(fraction, min(0.95, elapsed / phase.expected_s))
                listener.advanced(phase, fraction, shown)
                if elapsed > phase.timeout_s:
                    note = f"stopped after {phase.timeout_s:.0f} s (the phase's time limit)"
                    stop_process(process, group=True)
                    break
        except BaseException:
            # Ctrl-C or a crash here must not leave the phase running.
            stop_process(process, group=True)
            raise
        finally:
            process.wait()
            reader.join(timeout=5)
            if process.stdout:
                process.stdout.close()
        code = process.returncode
        if note is None and code not in phase.ok_codes:
            note = _explain(phase, code, tail)
        log.write(f"# exit code {code}\n")
    outcome = PhaseOutcome(phase, code, time.monotonic() - started, log_path, note, tail)
    listener.finished(outcome)
    return outcome


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)


def _explain(phase: Phase, code: int, tail: list[str]) -> str:
    """A one-line reason for an exit code that is not a verdict."""
    meaning = {2: "usage error", 3: "target unavailable", 130: "interrupted"}.get(code)
    if code < 0:
        meaning = f"killed by signal {-code}"
    last = next((line.strip() for line in reversed(tail) if line.strip()), "")
    text = f"exited with code {code}" + (f" ({meaning})" if meaning else "")
    return f"{text}: {last[:300]}" if last else text
