"""DIR/docs.json (format in docs/result-files.md): drift and example results for reports.

`docs drift` starts a fresh file; `docs examples` adds its half to a file already there
for the same page (and starts one otherwise). Run drift first, as `vanceqa run` does,
and the file holds both; an old run's examples never pass for today's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vanceqa.docs.drift import DriftReport
from vanceqa.docs.examples import ExampleResult
from vanceqa.docs.render import display_path

DOCS_FORMAT = "vanceqa.docs/1"


def write_docs_json(
    report_dir: Path | str,
    page: Path,
    *,
    drift: DriftReport | None = None,
    examples: list[ExampleResult] | None = None,
    target: dict[str, Any] | None = None,
    stopped: str | None = None,
    sources: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Write or update DIR/docs.json; returns its path."""
    directory = Path(report_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "docs.json"
    shown = display_path(page)
    document: dict[str, Any] = {"format": DOCS_FORMAT, "page": shown, "drift": [], "examples": []}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        previous = None
    if drift is None and isinstance(previous, dict) and previous.get("page") == shown:
        document.update({k: v for k, v in previous.items() if k not in ("format", "page")})
    # Which page, contract, baseline and data each half used (resources.sources_record).
    document["sources"] = {**(document.get("sources") or {}), **(sources or {})}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if drift is not None:
        document["drift"] = drift.to_json()
        document["drift_summary"] = {
            "errors": drift.count("error"),
            "warnings": drift.count("warning"),
            "info": drift.count("info"),
            "new_errors": len(drift.gating),
            "baselined": sum(1 for f in drift.findings if f.baselined),
            "contract": drift.contract,
            "baseline": drift.baseline,
            "stale_baseline": drift.stale_baseline,
            "checked_at": now,
        }
    if examples is not None:
        document["examples"] = [e.to_json() for e in examples]
        document["examples_summary"] = {
            outcome: sum(1 for e in examples if e.outcome == outcome)
            for outcome in ("passed", "failed", "skipped")
        } | {"target": target, "stopped": stopped, "ran_at": now}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
