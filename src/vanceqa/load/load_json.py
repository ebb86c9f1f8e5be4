"""reports/load.json (format in docs/result-files.md) and the summary printed at the end."""

from __future__ import annotations

import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from vanceqa import __version__, resources
from vanceqa.load.metrics import OVERALL, Aggregate
from vanceqa.load.shapes import LoadShape
from vanceqa.load.slo import SLO, Verdict, format_value
from vanceqa.redact import redact_text

FORMAT = "vanceqa.load/1"
FILE_NAME = "load.json"


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_document(
    *,
    aggregate: Aggregate,
    shape: LoadShape,
    base_url: str,
    mock: bool,
    started_at: float,
    duration_s: float,
    seed: int | None,
    workers: int,
    slo: SLO | None,
    verdicts: list[Verdict],
    exit_code: int,
    aborted: str | None = None,
    stopped_early: str | None = None,
    overrun: str | None = None,
    stopped_answering: str | None = None,
    connection: dict[str, Any] | None = None,
    locust_version: str | None = None,
    users: dict[int, int] | None = None,
) -> dict[str, Any]:
    origin = aggregate.window[0] if aggregate.window else None
    operations = {
        name: {
            **aggregate.entry(totals, duration_s),
            "timeseries": aggregate.timeseries(origin, scope=name),
        }
        for name in aggregate.names()
        if (totals := aggregate.totals(name)) is not None
    }
    overall = aggregate.totals(OVERALL)
    assert overall is not None
    return {
        "format": FORMAT,
        "target": {
            "base_url": base_url,
            "mock": mock,
            "insecure": connection is not None and connection.get("tls_verified") is False,
        },
        "connection": connection or {},
        "started_at": iso(started_at),
        "duration_s": round(duration_s, 3),
        "seed": seed,
        "versions": {
            "vanceqa": __version__,
            "locust": locust_version,
            "python": platform.python_version(),
        },
        "shape": shape.to_json(),
        "workers": workers,
        "model": "open" if shape.open_model else "closed",
        "operations": operations,
        "overall": aggregate.entry(overall, duration_s),
        "timeseries": aggregate.timeseries(origin, users or {}),
        "slo": {
            "passed": all(v.passed for v in verdicts),
            "file": slo.source if slo else None,
            "thresholds": [v.to_json() for v in verdicts],
        },
        "aborted": aborted,
        "stopped_early": stopped_early,
        "overrun": overrun,
        "stopped_answering": stopped_answering,
        "exit_code": exit_code,
    }


def write_document(
    document: dict[str, Any], report_dir: str | Path, secrets: tuple[str, ...]
) -> Path:
    """Write load.json atomically, with every secret redacted from the text."""
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    text = redact_text(text, secrets) + "\n"
    target = folder / FILE_NAME
    fd, tmp = tempfile.mkstemp(prefix=".load-", suffix=".json", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is not
    os.replace(tmp, target)
    return target


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}" if value < 100 else f"{value:.0f}"


def summary_lines(document: dict[str, Any]) -> list[str]:
    """The human summary: counts and HDR percentiles per operation, then SLO verdicts."""
    shape = document["shape"]
    rate = ""
    if document.get("model") == "open":
        rate = f" at {shape['rate_from']:g}..{shape['rate_to']:g} req/s"
        if shape.get("rate") is not None:
            rate = f" at {shape['rate']:g} req/s"
    where = document["target"]["base_url"] + (
        " (bundled mock)" if document["target"]["mock"] else ""
    )
    if document["target"].get("insecure"):
        where += " (TLS certificates NOT verified: --insecure)"
    lines = [
        f"vanceqa load: {shape['name']}{rate}, {shape['users']} users, "
        f"{document['duration_s']:.1f}s against {where}, {document['workers']} worker process(es)",
        "HDR latency in ms (3 significant digits)"
        + (
            "; 'corrected' is timed from each request's scheduled start"
            if document.get("model") == "open"
            else ""
        ),
        f"  {'operation':<14}{'requests':>9}{'fail':>7}{'429':>6}{'drop':>6}{'rps':>8}"
        f"{'p50':>8}{'p90':>8}{'p95':>8}{'p99':>8}{'p99.9':>8}{'max':>8}",
    ]
    if document.get("sources"):
        lines.insert(1, f"sources: {resources.sources_text(document['sources'])}")
    rows = [*document["operations"].items(), ("overall", document["overall"])]
    for name, entry in rows:
        variants = [("", entry["latency_ms"])]
        if entry.get("latency_corrected_ms"):
            variants.append((" corrected", entry["latency_corrected_ms"]))
        for label, latency in variants:
            head = (
                f"  {name:<14}{entry['requests']:>9}{entry['failures']:>7}{entry['throttled']:>6}"
                f"{entry['dropped']:>6}{_cell(entry['rps']):>8}"
                if not label
                else f"  {'  ' + label.strip():<14}{'':>36}"
            )
            cells = "".join(
                f"{_cell(latency.get(k) if latency else None):>8}"
                for k in ("p50", "p90", "p95", "p99", "p99.9", "max")
            )
            lines.append(head + cells)
    for name, entry in rows:
        if name == "overall":
            continue
        for reason, count in entry["failures_by_reason"].items():
            lines.append(f"  failure {name}: {count} x {reason}")
        for reason, count in entry.get("refused_by_reason", {}).items():
            lines.append(f"  refused {name}: {count} x {reason}")
        if entry.get("cut_off"):
            lines.append(f"  cut off {name}: {entry['cut_off']} still waiting when the run ended")
    slo = document["slo"]
    if slo["file"]:
        verdict = "passed" if slo["passed"] else "BREACHED"
        lines.append(f"SLO {_shown_path(slo['file'])}: {verdict}")
        for item in slo["thresholds"]:
            lines.append(_verdict_line(item))
    if document.get("aborted"):
        lines.append(f"aborted early: {document['aborted']}")
    if document.get("stopped_early"):
        lines.append(f"incomplete: {document['stopped_early']}")
    if document.get("overrun"):
        lines.append(f"overran: {document['overrun']}")
    if document.get("stopped_answering"):
        lines.append(f"stopped: {document['stopped_answering']}")
    lines.append(f"exit code {document['exit_code']}")
    return lines


def _shown_path(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _verdict_line(item: dict[str, Any]) -> str:
    word = "PASS" if item["passed"] else "FAIL"
    measured = item["measured"]
    shown = "nothing" if measured is None else format_value(measured, item["unit"])
    return f"  {word}  {item['scope']:<12} {item['expression']:<26} measured {shown}"
