"""Small HTML helpers: everything that reaches the page from a result file goes through `esc`."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

STATUS_CLASS = {
    "passed": "ok",
    "pass": "ok",
    "failed": "bad",
    "fail": "bad",
    "error": "warn",
    "incomplete": "warn",
    "skipped": "skip",
    "measured": "info",
    "not run": "skip",
}


def esc(value: object) -> str:
    """Text for the page, escaped; None shows as an em dash."""
    return "—" if value is None else html.escape(str(value), quote=True)


def badge(status: str, text: str | None = None) -> str:
    css = STATUS_CLASS.get(status, "info")
    return f'<span class="badge {css}">{esc(text or status)}</span>'


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    css: str = "",
    caption: str | None = None,
) -> str:
    """A table from cells that are already HTML (escape them first)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{css}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def fmt_ms(value: object) -> str:
    """A latency in ms with about three significant digits."""
    if not isinstance(value, int | float):
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_num(value: object, digits: int = 1) -> str:
    if not isinstance(value, int | float):
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def fmt_duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def slug(text: str) -> str:
    """An id fragment safe in HTML attributes and URLs."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "x"
