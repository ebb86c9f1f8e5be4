"""The trend: one small JSON per run in reports/history/, and regressions against earlier runs.

A run is compared with the median of up to `window` earlier runs against the same target
(any bundled mock counts as one target), so one noisy run neither hides nor invents a
regression. Load figures are compared only between runs of the same load shape.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from vanceqa.report import schemas
from vanceqa.report.results import (
    JSON,
    ResultFileError,
    Results,
    conformance_summary,
    load_error_rate,
    overall_stats,
    read_json_file,
)
from vanceqa.report.verdict import Verdict

HISTORY_FORMAT = "vanceqa.history/1"
DEFAULT_MARGIN = 0.10
DEFAULT_WINDOW = 5
# Error rates this small are noise on a short run: flag only a rise beyond 0.1 points.
ERROR_RATE_FLOOR = 0.001
# Sub-millisecond latencies double between two runs on a busy machine: a latency is
# flagged only when it also rose by more than this.
LATENCY_FLOOR_MS = 1.0


@dataclass(frozen=True)
class TrendRow:
    """One compared figure."""

    label: str
    current: float | None
    baseline: float | None
    higher_is_worse: bool
    regression: bool
    unit: str = ""

    @property
    def change(self) -> float | None:
        if self.current is None or self.baseline is None or self.baseline == 0:
            return None
        return (self.current - self.baseline) / self.baseline


def run_started_at(results: Results) -> str | None:
    """When the run began: run.json's time, else the earliest phase's."""
    if results.run and results.run.get("started_at"):
        return str(results.run["started_at"])
    times = [
        str(d["started_at"])
        for d in (results.conformance, results.load)
        if d and d.get("started_at")
    ]
    return min(times) if times else None


def run_target(results: Results) -> JSON:
    for data in (results.run, results.conformance, results.load):
        if data and isinstance(data.get("target"), dict):
            target = data["target"]
            return {"base_url": target.get("base_url"), "mock": bool(target.get("mock"))}
    return {"base_url": None, "mock": True}


def entry_for(results: Results, verdict: Verdict) -> JSON:
    """The history record of this run."""
    entry: JSON = {
        "format": HISTORY_FORMAT,
        "started_at": run_started_at(results) or "",
        "verdict": verdict.status,
        "target": run_target(results),
        "seed": next((d.get("seed") for d in _phase_files(results) if d.get("seed")), None),
        "conformance": None,
        "load": None,
    }
    if results.conformance:
        counts = conformance_summary(results.conformance)
        entry["conformance"] = {k: counts[k] for k in ("passed", "failed", "skipped")}
    if results.load:
        overall = overall_stats(results.load)
        latency = overall.get("latency_ms") or {}
        shape = results.load.get("shape") or {}
        entry["load"] = {
            "p95_ms": latency.get("p95"),
            "p99_ms": latency.get("p99"),
            "rps": overall.get("rps"),
            "error_rate": load_error_rate(results.load),
            "shape": {"name": shape.get("name"), "rate": shape.get("rate")},
        }
    return entry


def _phase_files(results: Results) -> list[JSON]:
    return [d for d in (results.run, results.conformance, results.load) if d]


def append_entry(history_dir: Path, entry: JSON) -> Path:
    """Write `entry` as a new file named after its start time; never overwrite one."""
    history_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^0-9A-Za-z]", "", str(entry["started_at"])) or "run"
    path = history_dir / f"{stem}.json"
    counter = 1
    while path.exists():
        counter += 1
        path = history_dir / f"{stem}-{counter}.json"
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def read_history(history_dir: Path) -> tuple[list[JSON], list[str]]:
    """All readable entries, oldest first, and a note for each unreadable file."""
    entries: list[JSON] = []
    problems: list[str] = []
    if not history_dir.is_dir():
        return entries, problems
    for path in sorted(history_dir.glob("*.json"), key=_file_order):
        try:
            entries.append(read_json_file(path, schemas.HISTORY))
        except ResultFileError as exc:
            problems.append(f"history entry skipped: {exc}")
    entries.sort(key=lambda e: str(e["started_at"]))  # stable: same-second runs keep file order
    return entries, problems


def _file_order(path: Path) -> tuple[str, int]:
    """'20260101T000000Z-2' after '20260101T000000Z' (append_entry's collision suffix)."""
    stem, _, counter = path.stem.rpartition("-")
    if stem and counter.isdigit():
        return stem, int(counter)
    return path.stem, 1


def _same_target(a: JSON, b: JSON) -> bool:
    ta, tb = a.get("target") or {}, b.get("target") or {}
    if ta.get("mock", True) or tb.get("mock", True):
        return bool(ta.get("mock", True)) and bool(tb.get("mock", True))
    return bool(ta.get("base_url") == tb.get("base_url"))


def _same_shape(a: JSON, b: JSON) -> bool:
    sa = (a.get("load") or {}).get("shape")
    sb = (b.get("load") or {}).get("shape")
    return sa is None or sb is None or sa == sb  # older entries carry no shape: compare


def earlier_runs(entries: list[JSON], current: JSON) -> list[JSON]:
    """Complete runs before `current` against the same target (never `current` itself).

    An incomplete run (target down, phase killed) has figures that mean nothing as a
    baseline; it stays in history/ but is not compared with.
    """
    started = str(current["started_at"])
    return [
        e
        for e in entries
        if str(e["started_at"]) < started or not started
        if _same_target(e, current) and e.get("verdict") != "incomplete"
    ]


def compare(
    current: JSON,
    earlier: list[JSON],
    margin: float = DEFAULT_MARGIN,
    window: int = DEFAULT_WINDOW,
) -> list[TrendRow]:
    """Rows for the figures that matter, each flagged when it regressed beyond `margin`."""
    recent = earlier[-window:] if window > 0 else []
    loads = [e for e in recent if e.get("load") and _same_shape(e, current)]
    rows = []
    # Any new failure or skip is flagged; fewer passes is shown, not flagged: a check that
    # moved from pass to fail is already flagged once.
    for key, label, worse_up, flag in (
        ("failed", "conformance failures", True, True),
        ("skipped", "conformance checks skipped", True, True),
        ("passed", "conformance checks passed", False, False),
    ):
        now = (current.get("conformance") or {}).get(key)
        base = _median([(e.get("conformance") or {}).get(key) for e in recent])
        regressed = flag and _regressed(now, base, worse_up, 0.0)
        rows.append(TrendRow(label, now, base, worse_up, regressed))
    for key, label, worse_up, unit in (
        ("p95_ms", "p95 latency", True, "ms"),
        ("p99_ms", "p99 latency", True, "ms"),
        ("rps", "requests per second", False, "/s"),
        ("error_rate", "error rate", True, "%"),
    ):
        now = (current.get("load") or {}).get(key)
        base = _median([(e.get("load") or {}).get(key) for e in loads])
        regressed = _regressed(now, base, worse_up, margin)
        floor = {"error_rate": ERROR_RATE_FLOOR, "p95_ms": LATENCY_FLOOR_MS}.get(key)
        floor = LATENCY_FLOOR_MS if key == "p99_ms" else floor
        if floor is not None and now is not None and base is not None:
            regressed = regressed and now - base > floor
        rows.append(TrendRow(label, now, base, worse_up, regressed, unit))
    return [r for r in rows if r.current is not None or r.baseline is not None]


def _median(values: list[object]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return statistics.median(numbers) if numbers else None


def _regressed(now: float | None, base: float | None, worse_up: bool, margin: float) -> bool:
    if now is None or base is None:
        return False
    if worse_up:
        return now > base * (1 + margin) and now > base
    return now < base * (1 - margin) and now < base
