"""The trend: one small JSON per run in reports/history/, and regressions against earlier runs.

A run is compared with the median of up to `window` earlier runs against the same target
(any bundled mock counts as one target), so one noisy run neither hides nor invents a
regression. Load figures are compared only between runs of the same load shape.
"""

from __future__ import annotations

import copy
import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from vanceqa.report import schemas
from vanceqa.report.result_files import JSON, ResultFileError, Results, read_json_file
from vanceqa.report.sections import SECTIONS, Figure, Section
from vanceqa.report.verdict import Verdict

HISTORY_FORMAT = "vanceqa.history/1"
DEFAULT_MARGIN = 0.10
DEFAULT_WINDOW = 5


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


def _section_files(results: Results) -> list[JSON]:
    return [d for d in (results.data.get(s.name) for s in results.sections) if d]


def run_started_at(results: Results) -> str | None:
    """When the run began: run.json's time, else the earliest section's."""
    if results.run and results.run.get("started_at"):
        return str(results.run["started_at"])
    times = [str(d["started_at"]) for d in _section_files(results) if d.get("started_at")]
    return min(times) if times else None


def run_target(results: Results) -> JSON:
    for data in [results.run or {}, *_section_files(results)]:
        if isinstance(data.get("target"), dict):
            target = data["target"]
            return {"base_url": target.get("base_url"), "mock": bool(target.get("mock"))}
    return {"base_url": None, "mock": True}


def entry_for(results: Results, verdict: Verdict) -> JSON:
    """The history record of this run: each section's record (None: it did not run)."""
    files = [results.run or {}, *_section_files(results)]
    entry: JSON = {
        "format": HISTORY_FORMAT,
        "started_at": run_started_at(results) or "",
        "verdict": verdict.status,
        "target": run_target(results),
        "seed": next((d.get("seed") for d in files if d.get("seed")), None),
    }
    for section in results.sections:
        if section.history is not None:
            data = results.data.get(section.name)
            entry[section.name] = section.history(data) if data else None
    return entry


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


def read_history(
    history_dir: Path, sections: tuple[Section, ...] = SECTIONS
) -> tuple[list[JSON], list[str]]:
    """All readable entries, oldest first, and a note for each unreadable file."""
    entries: list[JSON] = []
    problems: list[str] = []
    if not history_dir.is_dir():
        return entries, problems
    schema = _schema(sections)
    for path in sorted(history_dir.glob("*.json"), key=_file_order):
        try:
            entries.append(read_json_file(path, schema))
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
    sections: tuple[Section, ...] = SECTIONS,
) -> list[TrendRow]:
    """Rows for each section's figures, each flagged when it regressed beyond `margin`."""
    recent = earlier[-window:] if window > 0 else []
    rows = []
    for section in sections:
        now_record = current.get(section.name) or {}
        comparable = section.comparable or (lambda a, b: True)
        baselines = [
            e[section.name]
            for e in recent
            if e.get(section.name) and comparable(e[section.name], now_record)
        ]
        for figure in section.figures:
            now = now_record.get(figure.key)
            base = _median([b.get(figure.key) for b in baselines])
            rows.append(_row(figure, now, base, margin))
    return [r for r in rows if r.current is not None or r.baseline is not None]


def _row(figure: Figure, now: float | None, base: float | None, margin: float) -> TrendRow:
    worse_up = figure.higher_is_worse
    regressed = figure.flagged and _regressed(now, base, worse_up, margin if figure.margin else 0.0)
    if figure.floor is not None and now is not None and base is not None:
        regressed = regressed and abs(now - base) > figure.floor
    return TrendRow(figure.label, now, base, worse_up, regressed, figure.unit)


def _median(values: list[object]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return statistics.median(numbers) if numbers else None


def _regressed(now: float | None, base: float | None, worse_up: bool, margin: float) -> bool:
    if now is None or base is None:
        return False
    if worse_up:
        return now > base * (1 + margin) and now > base
    return now < base * (1 - margin) and now < base


_SCHEMAS: dict[tuple[Section, ...], JSON] = {}


def _schema(sections: tuple[Section, ...]) -> JSON:
    """schemas.HISTORY with each section's record: an object of numbers, or null.

    Built once per list of sections: the compiled validator is cached by the schema's id.
    """
    if sections not in _SCHEMAS:
        schema = copy.deepcopy(schemas.HISTORY)
        for section in sections:
            if section.history is not None:
                schema["properties"][section.name] = {
                    "type": ["object", "null"],
                    "properties": {f.key: {"type": ["number", "null"]} for f in section.figures},
                }
        _SCHEMAS[sections] = schema
    return _SCHEMAS[sections]
