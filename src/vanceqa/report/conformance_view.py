"""The conformance section: a matrix of checks by operations, then every failure, warning
and skip."""

from __future__ import annotations

from collections import defaultdict

from vanceqa.report.markup import badge, esc, fmt_duration, fmt_num, table
from vanceqa.report.result_files import JSON, conformance_summary

# The contract's operations first, in its order; anything else after; cross-cutting last.
_OPERATION_ORDER = ("listKittens", "getKitten", "deleteKitten")
ALL_OPERATIONS = "*"


def operation_columns(results: list[JSON]) -> list[str]:
    seen = list(dict.fromkeys(r["operation"] for r in results))
    known = [op for op in _OPERATION_ORDER if op in seen]
    others = sorted(op for op in seen if op not in _OPERATION_ORDER and op != ALL_OPERATIONS)
    return known + others + ([ALL_OPERATIONS] if ALL_OPERATIONS in seen else [])


def failure_ids(results: list[JSON], outcome: str = "failed") -> dict[int, str]:
    """Anchor of each failed (or warning) result, by its index in `results`."""
    found = [i for i, r in enumerate(results) if r["outcome"] == outcome]
    prefix = "fail" if outcome == "failed" else "warn"
    return {index: f"{prefix}-{n + 1}" for n, index in enumerate(found)}


def _cell(cell: list[tuple[int, JSON]], anchors: dict[int, str]) -> str:
    if not cell:
        return '<td class="cell na" title="not applicable">·</td>'
    outcomes = [r["outcome"] for _, r in cell]
    tip = "\n".join(
        f"{r.get('nodeid') or r['check']}: {r['outcome']}"
        + (f" ({r['reason']})" if r.get("reason") else "")
        for _, r in cell
    )
    counts = {o: outcomes.count(o) for o in ("passed", "failed", "skipped", "warning")}
    if counts["failed"]:
        first = next(i for i, r in cell if r["outcome"] == "failed")
        label = "✗ fail" + (f" ×{counts['failed']}" if counts["failed"] > 1 else "")
        return (
            f'<td class="cell bad" title="{esc(tip)}">'
            f'<a href="#{anchors[first]}" class="open-failure">{label}</a></td>'
        )
    if counts["warning"]:
        # Reading 15: beyond the docs; shown apart from failures, never as a pass.
        first = next(i for i, r in cell if r["outcome"] == "warning")
        label = "⚠ warn" + (f" ×{counts['warning']}" if counts["warning"] > 1 else "")
        return (
            f'<td class="cell warn" title="{esc(tip)}">'
            f'<a href="#{anchors[first]}" class="open-failure">{label}</a></td>'
        )
    parts = []
    if counts["passed"]:
        parts.append("✓ pass" + (f" ×{counts['passed']}" if counts["passed"] > 1 else ""))
    if counts["skipped"]:
        parts.append("– skip" + (f" ×{counts['skipped']}" if counts["skipped"] > 1 else ""))
    css = "ok" if not counts["skipped"] else ("skip" if not counts["passed"] else "mixed")
    return f'<td class="cell {css}" title="{esc(tip)}">{" · ".join(parts)}</td>'


def matrix(results: list[JSON]) -> str:
    columns = operation_columns(results)
    anchors = {**failure_ids(results), **failure_ids(results, "warning")}
    cells: dict[tuple[str, str], list[tuple[int, JSON]]] = defaultdict(list)
    for index, result in enumerate(results):
        cells[(result["check"], result["operation"])].append((index, result))
    checks = list(dict.fromkeys(r["check"] for r in results))
    head = "".join(
        f'<th scope="col">{"all operations" if op == ALL_OPERATIONS else esc(op)}</th>'
        for op in columns
    )
    rows = []
    for check in checks:
        row = "".join(_cell(cells.get((check, op), []), anchors) for op in columns)
        rows.append(f'<tr><th scope="row">{esc(check)}</th>{row}</tr>')
    return (
        '<div class="scroll"><table class="matrix" id="conformance-matrix">'
        f'<thead><tr><th scope="col">check</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _failure(anchor: str, result: JSON) -> str:
    failure = result.get("failure") or {}
    status = failure.get("status")
    warned = result["outcome"] == "warning"
    mark = badge("error", "warning") if warned else badge("failed", "fail")
    parts = [
        f'<details class="failure{" warning" if warned else ""}" id="{anchor}">',
        f"<summary>{mark} <b>{esc(result['operation'])}</b> · "
        f"<code>{esc(result['check'])}</code> — {esc(failure.get('behaviour') or '')}</summary>",
        '<dl class="facts">',
        f"<dt>Documented behaviour</dt><dd>{esc(failure.get('behaviour'))}</dd>",
    ]
    if failure.get("docs_quote"):
        parts.append(
            f"<dt>The docs say</dt><dd><blockquote>{esc(failure['docs_quote'])}</blockquote></dd>"
        )
    if failure.get("curl"):
        parts.append(f'<dt>Repeat it</dt><dd><pre class="curl">{esc(failure["curl"])}</pre></dd>')
    if status is not None or failure.get("body_excerpt"):
        parts.append(
            f"<dt>Response</dt><dd>status <b>{esc(status)}</b>"
            f'<pre class="body">{esc(failure.get("body_excerpt") or "")}</pre></dd>'
        )
    if failure.get("message"):
        parts.append(
            f'<dt>Failure</dt><dd><pre class="message">{esc(failure["message"])}</pre></dd>'
        )
    if result.get("nodeid"):
        parts.append(f"<dt>Test</dt><dd><code>{esc(result['nodeid'])}</code></dd>")
    parts.append("</dl></details>")
    return "".join(parts)


def section(data: JSON | None) -> str:
    """The whole conformance section (or a note that the suites did not run)."""
    if data is None:
        return (
            '<section id="conformance"><h2>Conformance</h2>'
            '<p class="muted">The conformance suites did not run (no conformance.json).</p>'
            "</section>"
        )
    results: list[JSON] = data.get("results", [])
    counts = conformance_summary(data)
    anchors = failure_ids(results)
    failures = "".join(_failure(anchors[i], results[i]) for i in sorted(anchors))
    warned = failure_ids(results, "warning")
    warnings = "".join(_failure(warned[i], results[i]) for i in sorted(warned))
    levels = (data.get("summary") or {}).get("levels") or {}
    strict = bool((data.get("summary") or {}).get("strict"))
    skipped = [r for r in results if r["outcome"] == "skipped"]
    skip_table = table(
        ["operation", "check", "why it was skipped"],
        [
            [esc(r["operation"]), f"<code>{esc(r['check'])}</code>", esc(r.get("reason"))]
            for r in skipped
        ],
        css="skips",
    )
    passed, failed, n_skipped = counts["passed"], counts["failed"], counts["skipped"]
    stats = " ".join(
        [
            badge("passed", f"{passed} passed"),
            badge("failed" if failed else "passed", f"{failed} failed"),
            badge("skipped", f"{n_skipped} skipped"),
            badge("error" if counts["warning"] else "passed", f"{counts['warning']} warnings"),
            f'<span class="muted">{fmt_num(counts["requests"])} requests ·'
            f" {fmt_duration(data.get('duration_s'))} · seed {esc(data.get('seed'))}</span>",
        ]
    )
    return "".join(
        [
            '<section id="conformance"><h2>Conformance</h2>',
            f'<p class="stats">{stats}</p>',
            (
                f'<p class="problem">The suites stopped early: {esc(data["aborted"])}</p>'
                if data.get("aborted")
                else ""
            ),
            '<p class="muted">Each cell is one check against one operation. '
            "Hover a cell for its tests; click a failure to open it below.</p>",
            matrix(results),
            f'<h3 id="failures">Failures ({len(anchors)})</h3>' if anchors else "",
            f'<div class="failures">{failures}</div>' if anchors else "",
            (
                f'<p class="muted" id="levels">Checks run: {fmt_num(levels.get("failure", 0))}'
                f" at level failure, {fmt_num(levels.get('warning', 0))} at level warning"
                f" (warnings {'fail the run: --strict' if strict else 'never fail the run'})."
                "</p>"
                if levels
                else ""
            ),
            f'<h3 id="warnings">Warnings ({len(warned)})</h3>' if warned else "",
            '<p class="muted">Beyond the docs and HTTP (docs/readings.md, reading 15): '
            "shown, not failed, unless the run is --strict.</p>"
            if warned
            else "",
            f'<div class="failures">{warnings}</div>' if warned else "",
            f'<h3 id="skips">Skipped ({len(skipped)})</h3>{skip_table}' if skipped else "",
            "</section>",
        ]
    )
