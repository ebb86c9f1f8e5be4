"""Read the result files of one run from a report folder, and say clearly what is wrong.

A missing file means the phase did not run; an unreadable one is recorded as a problem
(the page shows it and the command exits non-zero) instead of hiding the other phases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema

from vanceqa.report import schemas

JSON = dict[str, Any]

# phase name -> (file name, schema)
RESULT_FILES: dict[str, tuple[str, dict[str, Any]]] = {
    "run": ("run.json", schemas.RUN),
    "conformance": ("conformance.json", schemas.CONFORMANCE),
    "load": ("load.json", schemas.LOAD),
    "docs": ("docs.json", schemas.DOCS),
}


class ResultFileError(Exception):
    """A result file that exists but cannot be used; the message names the file and field."""


@dataclass
class Results:
    """Everything one report is built from."""

    report_dir: Path
    run: JSON | None = None
    conformance: JSON | None = None
    load: JSON | None = None
    docs: JSON | None = None
    problems: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # phase -> why

    @property
    def phases_present(self) -> list[str]:
        return [name for name in ("conformance", "load", "docs") if getattr(self, name)]

    @property
    def insecure(self) -> bool:
        """Whether any phase ran with --insecure (TLS certificates not verified)."""
        examples = ((self.docs or {}).get("examples_summary") or {}).get("target")
        targets = [(d or {}).get("target") for d in (self.run, self.conformance, self.load)]
        return any(isinstance(t, dict) and t.get("insecure") for t in [*targets, examples])

    @property
    def sources(self) -> dict[str, Any]:
        """The files the run used (contract, data, suites, SLOs...), merged over phases."""
        merged: dict[str, Any] = {}
        for data in (self.run, self.conformance, self.load, self.docs):
            for kind, source in ((data or {}).get("sources") or {}).items():
                merged.setdefault(kind, source)
        return merged


def read_json_file(path: Path, schema: dict[str, Any]) -> JSON:
    """Parse and check one file; raise ResultFileError with a message a person can act on."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultFileError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFileError(f"{path}: not valid JSON ({exc})") from None
    try:
        _validator(schema)(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        # "data.results[3].outcome must be one of [...]": name the field as in the file.
        message = str(exc.message).removeprefix("data.").removeprefix("data ")
        raise ResultFileError(f"{path}: {message}") from None
    assert isinstance(data, dict)
    return data


_VALIDATORS: dict[int, Callable[[object], object]] = {}


def _validator(schema: dict[str, Any]) -> Callable[[object], object]:
    """Compile each schema once (they are module constants, so id() is stable)."""
    if id(schema) not in _VALIDATORS:
        _VALIDATORS[id(schema)] = fastjsonschema.compile(schema)
    return _VALIDATORS[id(schema)]


def load_results(report_dir: Path) -> Results:
    """Read every known result file present in `report_dir`."""
    results = Results(report_dir=report_dir)
    for name, (file_name, schema) in RESULT_FILES.items():
        path = report_dir / file_name
        if not path.is_file():
            continue
        try:
            setattr(results, name, read_json_file(path, schema))
        except ResultFileError as exc:
            results.problems.append(str(exc))
            results.unreadable[name] = str(exc)
    return results


def conformance_summary(conformance: JSON) -> dict[str, int]:
    """Counts of passed/failed/skipped, recounted from the results (the source of truth)."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for result in conformance.get("results", []):
        counts[result["outcome"]] += 1
    summary = conformance.get("summary") or {}
    counts["requests"] = int(summary.get("requests") or 0)
    return counts


def load_error_rate(load: JSON) -> float | None:
    """Failures per request over the whole load run (0..1), or None without requests."""
    overall = overall_stats(load)
    requests = int(overall.get("requests") or 0)
    if not requests:
        return None
    return int(overall.get("failures") or 0) / requests


def overall_stats(load: JSON) -> JSON:
    """The `overall` block, or one summed from the operations when a producer left it out."""
    overall = load.get("overall")
    if isinstance(overall, dict):
        return overall
    ops = list((load.get("operations") or {}).values())
    requests = sum(int(op.get("requests") or 0) for op in ops)
    duration = float(((load.get("shape") or {}).get("run_time_s")) or load.get("duration_s") or 0)
    return {
        "requests": requests,
        "failures": sum(int(op.get("failures") or 0) for op in ops),
        "throttled": sum(int(op.get("throttled") or 0) for op in ops),
        "rps": requests / duration if duration else None,
        "latency_ms": None,  # percentiles cannot be summed
    }
