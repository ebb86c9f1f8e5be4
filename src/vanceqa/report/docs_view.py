"""The documentation section: drift between docs and contract, and the examples run."""

from __future__ import annotations

from vanceqa.report.markup import badge, esc, table
from vanceqa.report.result_files import JSON

_SEVERITY_STATUS = {"error": "failed", "warning": "error", "info": "measured"}


def _where(item: JSON) -> str:
    if item.get("file") and item.get("line"):
        return f"{esc(item['file'])}:{esc(item['line'])}"
    return esc(item.get("file"))


def section(data: JSON | None) -> str:
    """The whole docs section (or a note that the docs were not checked)."""
    if data is None:
        return (
            '<section id="docs"><h2>Documentation</h2>'
            '<p class="muted">The documentation was not checked (no docs.json).</p></section>'
        )
    drift = data.get("drift") or []
    examples = data.get("examples") or []
    parts = ['<section id="docs"><h2>Documentation</h2>']
    if data.get("page"):
        parts.append(f'<p class="muted">Checked page: <code>{esc(data["page"])}</code></p>')
    drift_rows = [
        [
            badge(_SEVERITY_STATUS.get(str(d.get("severity")), "measured"), d.get("severity")),
            f"<code>{esc(d.get('id'))}</code>",
            _where(d),
            esc(d["message"]),
            "baselined" if d.get("baselined") else "",
        ]
        for d in drift
    ]
    parts.append(f"<h3>Drift ({len(drift)})</h3>")
    parts.append(
        table(["severity", "finding", "where", "what", ""], drift_rows, css="drift")
        if drift
        else '<p class="muted">No drift between the docs and the contract.</p>'
    )
    if examples:
        rows = [
            [
                badge(str(e["outcome"])),
                esc(e.get("endpoint")),
                esc(e.get("language")),
                _where(e),
                esc(e.get("status")),
                esc(e.get("message") or ""),
            ]
            for e in examples
        ]
        parts.append(f"<h3>Examples run ({len(examples)})</h3>")
        parts.append(
            table(
                ["result", "endpoint", "language", "where", "status", "note"], rows, css="examples"
            )
        )
    parts.append("</section>")
    return "".join(parts)
