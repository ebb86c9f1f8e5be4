"""Text for people: the parse summary, drift grouped by rule, example outcomes."""

from __future__ import annotations

import os
from collections import Counter
from itertools import groupby
from pathlib import Path

from vanceqa.docs.drift import DriftReport
from vanceqa.docs.examples import ExampleResult
from vanceqa.docs.findings import RULES
from vanceqa.docs.jsonish import type_name
from vanceqa.docs.model import DocsPage, Endpoint


def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it is below it, else absolute."""
    resolved = Path(path).resolve()
    try:
        relative = os.path.relpath(resolved, Path.cwd())
    except ValueError:  # another drive
        return str(resolved)
    return str(resolved) if relative.startswith("..") else relative


def page_summary(page: DocsPage, shown_path: str) -> str:
    files = " + ".join(page.files)
    lines = [f"{page.title}  ({shown_path}: {files})"]
    if page.language_tabs:
        lines.append(f"language tabs: {', '.join(page.language_tabs)}")
    missing = [i for i in page.includes if not i.found]
    for include in missing:
        lines.append(f"missing include: {include.name} ({include.file}, named at {include.source})")
    methods = sum(len(e.methods) for e in page.endpoints)
    lines.append(
        f"{len(page.endpoints)} request lines ({methods} endpoints), "
        f"{len(page.all_error_codes())} error codes"
    )
    width = max((len(e.path) for e in page.endpoints), default=0)
    for endpoint in page.endpoints:
        lines.append("")
        lines += _endpoint_lines(endpoint, width)
    if page.error_codes:
        first = page.error_codes[0].source
        codes = ", ".join(f"{c.code} {c.name}" for c in page.error_codes)
        lines += ["", f"error codes ({first}): {codes}"]
    return "\n".join(lines)


def _endpoint_lines(endpoint: Endpoint, width: int) -> list[str]:
    methods = "|".join(endpoint.methods)
    lines = [f"{methods:<7} {endpoint.path:<{width}}  {endpoint.title}  [{endpoint.source}]"]
    for p in endpoint.parameters + endpoint.response_fields:
        detail = [p.location, p.name]
        if p.type:
            detail.append(p.type if p.type_stated else f"{p.type} (inferred)")
        if p.default is not None:
            detail.append(f"= {p.default}")
        if p.required:
            detail.append("required")
        lines.append("        " + " ".join(detail))
    tabs = Counter(e.language for e in endpoint.examples)
    shown_tabs = " ".join(f"{k}" + (f"x{n}" if n > 1 else "") for k, n in tabs.items()) or "none"
    responses = ", ".join(
        f"{r.kind} {r.status or r.family} " + (type_name(r.body) if r.parsed else "NOT JSON")
        for r in endpoint.responses
    )
    lines.append(f"        examples: {shown_tabs}; json: {responses or 'none'}")
    if endpoint.error_codes:
        lines.append("        error codes: " + " ".join(str(c.code) for c in endpoint.error_codes))
    return lines


def drift_text(report: DriftReport, shown_page: str, *, show_info: bool = False) -> str:
    against = f" against {display_path(report.contract)}" if report.contract else " (no contract)"
    lines = [f"docs drift: {shown_page}{against}"]
    if report.baseline:
        lines[0] += f", baseline {display_path(report.baseline)}"
    info = [f for f in report.findings if f.severity == "info"]
    visible = [f for f in report.findings if show_info or f.severity != "info"]
    for (severity, rule_id), group in groupby(visible, key=lambda f: (f.severity, f.rule)):
        rule = RULES.get(rule_id)
        lines += ["", f"{severity}  {rule_id}: {rule.title if rule else ''}"]
        for finding in group:
            mark = "  (baselined)" if finding.baselined else ""
            lines.append(f"  {finding.where}  {finding.message}{mark}")
    if info and not show_info:
        counts = Counter(f.rule for f in info)
        listed = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))
        lines += ["", f"info: {len(info)} notes ({listed}); --all lists them"]
    for stale in report.stale_baseline:
        lines.append(f"baseline entry no longer found (remove it): {stale}")
    errors, new = report.count("error"), len(report.gating)
    summary = (
        f"{errors} error{'s' if errors != 1 else ''} ({errors - new} baselined, {new} new), "
        f"{report.count('warning')} warnings, {len(info)} info"
    )
    verdict = "new drift: fails" if new else "no new drift"
    lines += ["", f"{summary} -- {verdict}"]
    return "\n".join(lines)


def examples_text(results: list[ExampleResult], heading: str, stopped: str | None) -> str:
    lines = [heading]
    width = max((len(r.endpoint) for r in results), default=0)
    for r in results:
        status = str(r.status) if r.status is not None else "-"
        where = f"{r.file}:{r.line}"
        text = f"  {r.outcome.upper():<7} {r.endpoint:<{width}}  {where:<20} {status:>3}"
        if r.message:
            text += f"  {r.message}"
        lines.append(text)
    counts = Counter(r.outcome for r in results)
    lines.append(
        f"{len(results)} examples: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )
    if stopped:
        lines.append(f"stopped early: {stopped}")
    return "\n".join(lines)
