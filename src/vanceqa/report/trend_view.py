"""The trend section: this run against the earlier ones, regressions flagged."""

from __future__ import annotations

from vanceqa.report import charts
from vanceqa.report.figures import to_svg
from vanceqa.report.history import TrendRow
from vanceqa.report.markup import badge, esc, fmt_ms, fmt_num, table
from vanceqa.report.result_files import JSON


def _value(row: TrendRow, value: float | None) -> str:
    if value is None:
        return "—"
    if row.unit == "%":
        return f"{value:.2%}"
    if row.unit == "ms":
        return f"{fmt_ms(value)} ms"
    if row.unit == "/s":
        return f"{fmt_num(value)} /s"
    return fmt_num(int(value)) if float(value).is_integer() else fmt_num(value)


def change_text(row: TrendRow) -> str:
    change = row.change
    if change is None:
        if row.current is not None and row.baseline is not None and row.current != row.baseline:
            return f"{row.current - row.baseline:+g}"
        return "—"
    return f"{change:+.1%}"


def regressions(rows: list[TrendRow]) -> list[TrendRow]:
    return [r for r in rows if r.regression]


def section(rows: list[TrendRow], entries: list[JSON], margin: float, window: int) -> str:
    """The trend section; `entries` are earlier runs plus this one, oldest first."""
    earlier = len(entries) - 1
    parts = ['<section id="trend"><h2>Trend</h2>']
    if earlier <= 0:
        parts.append(
            '<p class="muted">No earlier runs against this target in reports/history/ yet: '
            "the next run will be compared with this one.</p></section>"
        )
        return "".join(parts)
    flagged = regressions(rows)
    summary = (
        badge("failed", f"{len(flagged)} regressions")
        if flagged
        else badge("passed", "no regressions")
    )
    parts.append(
        f'<p class="stats">{summary} <span class="muted">against the median of the last '
        f"{min(window, earlier)} of {earlier} earlier runs; latency and throughput are flagged "
        f"beyond a {margin * 100:g}% margin, failures and skips on any rise</span></p>"
    )
    table_rows = [
        [
            esc(r.label),
            _value(r, r.current),
            _value(r, r.baseline),
            change_text(r),
            badge("failed", "regression") if r.regression else badge("passed", "ok"),
        ]
        for r in rows
    ]
    parts.append(table(["figure", "this run", "baseline", "change", ""], table_rows, css="trend"))
    if len(entries) > 1:
        parts.append(
            f'<div class="chart">{to_svg(charts.trend_chart(entries), "chart-trend")}</div>'
        )
    parts.append("</section>")
    return "".join(parts)
