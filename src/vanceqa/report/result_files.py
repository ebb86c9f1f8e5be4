"""Read the result files of one run from a report folder, and say clearly what is wrong.

A missing file means the phase did not run; an unreadable one is recorded as a problem
(the page shows it and the command exits non-zero) instead of hiding the other phases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from vanceqa.report import schemas

RUN_FILE = "run.json"  # written by `vanceqa run`: what ran, how it ended

JSON = dict[str, Any]

if TYPE_CHECKING:
    from vanceqa.report.sections import Section


class ResultFileError(Exception):
    """A result file that exists but cannot be used; the message names the file and field."""


@dataclass
class Results:
    """Everything one report is built from: run.json and each section's file.

    A section's data reads as an attribute (`results.conformance`), None when its file is
    missing or unreadable; `sections` are the declarations the files were read for.
    """

    report_dir: Path
    sections: tuple[Section, ...]
    data: dict[str, JSON] = field(default_factory=dict)  # section name -> its file's content
    run: JSON | None = None
    problems: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # section -> why

    def __getattr__(self, name: str) -> JSON | None:
        # Only for declared sections: a typo is still an AttributeError.
        sections = self.__dict__.get("sections", ())
        if any(section.name == name for section in sections):
            data: dict[str, JSON] = self.__dict__["data"]
            return data.get(name)
        raise AttributeError(f"{type(self).__name__!r} has no section {name!r}")

    @property
    def phases_present(self) -> list[str]:
        return [s.name for s in self.sections if self.data.get(s.name)]

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


def load_results(report_dir: Path, sections: tuple[Section, ...]) -> Results:
    """Read run.json and every declared section's file present in `report_dir`."""
    results = Results(report_dir=report_dir, sections=sections)
    files = [("run", RUN_FILE, schemas.RUN)]
    files += [(s.name, s.result_file, s.schema) for s in sections]
    for name, file_name, schema in files:
        path = report_dir / file_name
        if not path.is_file():
            continue
        try:
            data = read_json_file(path, schema)
        except ResultFileError as exc:
            results.problems.append(str(exc))
            results.unreadable[name] = str(exc)
            continue
        if name == "run":
            results.run = data
        else:
            results.data[name] = data
    return results


def conformance_summary(conformance: JSON) -> dict[str, int]:
    """Counts of passed/failed/skipped/warning, recounted from the results (the source of
    truth); `levels` counts the checks that ran at each level, as the producer wrote it."""
    counts = {"passed": 0, "failed": 0, "skipped": 0, "warning": 0}
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
