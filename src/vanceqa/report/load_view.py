"""The load section: SLO table, throughput and latency over time, HDR tables, spectrum, errors."""

from __future__ import annotations

from vanceqa.report import charts
from vanceqa.report.figures import to_svg
from vanceqa.report.markup import badge, esc, fmt_duration, fmt_ms, fmt_num, slug, table
from vanceqa.report.result_files import JSON, load_error_rate, overall_stats

PERCENTILE_ROWS = (
    ("min", "min"),
    ("p50", "p50"),
    ("p90", "p90"),
    ("p95", "p95"),
    ("p99", "p99"),
    ("p99.9", "p99.9"),
    ("max", "max"),
    ("mean", "mean"),
)


def _measured(threshold: JSON) -> str:
    value = threshold.get("measured")
    unit = threshold.get("unit") or ""
    if not isinstance(value, int | float):
        return "—"
    if unit == "ratio":
        return f"{value:.2%}"
    if unit == "count":
        return fmt_num(int(value))
    text = fmt_ms(value) if unit == "ms" else fmt_num(value, 2)
    return f"{text} {esc(unit)}".strip()


def slo_table(slo: JSON | None) -> str:
    if not slo or not slo.get("thresholds"):
        return (
            '<p class="muted">No SLO was set for this run: latencies are measured, not judged.</p>'
        )
    rows = []
    for threshold in slo["thresholds"]:
        passed = threshold.get("passed")
        status = "passed" if passed else ("failed" if passed is False else "skipped")
        rows.append(
            [
                esc(threshold.get("scope") or "overall"),
                f"<code>{esc(threshold['expression'])}</code>",
                _measured(threshold),
                badge(status, {"passed": "met", "failed": "broken"}.get(status, "not judged")),
            ]
        )
    source = f' <span class="muted">from {esc(slo["file"])}</span>' if slo.get("file") else ""
    return f"<h3>Service-level objectives{source}</h3>" + table(
        ["scope", "threshold", "measured", "result"], rows, css="slo"
    )


def hdr_table(name: str, stats: JSON) -> str:
    raw = stats.get("latency_ms") or {}
    corrected = stats.get("latency_corrected_ms")
    rows = [
        [label, fmt_ms(raw.get(key)), fmt_ms(corrected.get(key)) if corrected else "—"]
        for key, label in PERCENTILE_ROWS
        if key in raw or (corrected and key in corrected)
    ]
    note = (
        "corrected = timed from when the request was due (open model)"
        if corrected
        else "no corrected column: a closed-model run has no schedule to measure from"
    )
    facts = (
        f"{fmt_num(stats.get('requests'))} requests · {fmt_num(stats.get('rps'))} req/s · "
        f"{fmt_num(stats.get('failures') or 0)} failed · {fmt_num(stats.get('throttled') or 0)} "
        "throttled"
    )
    return (
        f'<div class="card hdr" id="hdr-{slug(name)}"><h4>{esc(name)}</h4>'
        f'<p class="muted small">{facts}</p>'
        + table(["percentile", "raw ms", "corrected ms"], rows, css="num")
        + f'<p class="muted small">{note}</p></div>'
    )


def errors_table(operations: dict[str, JSON]) -> str:
    rows = []
    for name, stats in operations.items():
        for reason, count in sorted((stats.get("failures_by_reason") or {}).items()):
            rows.append([esc(name), esc(reason), fmt_num(count)])
        if stats.get("throttled"):
            rows.append([esc(name), "throttled (429, retried)", fmt_num(stats["throttled"])])
        if stats.get("dropped"):
            rows.append(
                [esc(name), "dropped (could not be sent on time)", fmt_num(stats["dropped"])]
            )
    if not rows:
        return '<p class="muted">No errors and nothing throttled.</p>'
    return table(["operation", "reason", "requests"], rows, css="errors")


def _shape(data: JSON) -> str:
    shape = data.get("shape") or {}
    parts = [f"{esc(shape.get('name') or 'unknown')} model"]
    if shape.get("rate"):
        parts.append(f"{fmt_num(shape['rate'])} req/s scheduled")
    if shape.get("run_time_s"):
        parts.append(f"{fmt_duration(shape['run_time_s'])}")
    if data.get("workers"):
        parts.append(f"{data['workers']} worker processes")
    return " · ".join(parts)


def section(data: JSON | None) -> str:
    """The whole load section (or a note that the load test did not run)."""
    if data is None:
        return (
            '<section id="load"><h2>Load</h2>'
            '<p class="muted">The load test did not run (no load.json).</p></section>'
        )
    operations: dict[str, JSON] = data.get("operations") or {}
    overall = overall_stats(data)
    rate = load_error_rate(data)
    timeseries = data.get("timeseries") or []
    slo = data.get("slo") or {}
    slo_status = "failed" if slo.get("passed") is False else ("passed" if slo else "measured")
    stats = " ".join(
        [
            badge(
                slo_status, {"failed": "SLO broken", "passed": "SLO met"}.get(slo_status, "no SLO")
            ),
            f"<span>{fmt_num(overall.get('requests'))} requests</span>",
            f"<span>{fmt_num(overall.get('rps'))} req/s</span>",
            f"<span>{'—' if rate is None else f'{rate:.2%}'} errors</span>",
            f"<span>{fmt_num(overall.get('throttled') or 0)} throttled</span>",
            f'<span class="muted">{_shape(data)} · seed {esc(data.get("seed"))}</span>',
        ]
    )
    parts = ['<section id="load"><h2>Load</h2>', f'<p class="stats">{stats}</p>']
    if data.get("aborted"):
        parts.append(f'<p class="problem">The load test stopped early: {esc(data["aborted"])}</p>')
    parts.append(slo_table(slo))
    if timeseries:
        rps = to_svg(charts.throughput_chart(timeseries), "chart-rps")
        latency = to_svg(charts.latency_chart(timeseries), "chart-latency")
        parts += [
            '<h3>Over time</h3><div class="charts two">',
            f'<div class="chart">{rps}</div><div class="chart">{latency}</div></div>',
        ]
    tables = [hdr_table(name, stats) for name, stats in operations.items()]
    if isinstance(data.get("overall"), dict) and len(operations) > 1:
        tables.append(hdr_table("all operations", data["overall"]))
    parts += ['<h3>Latency percentiles (HDR)</h3><div class="cards">', *tables, "</div>"]
    if any(stats.get("spectrum") for stats in operations.values()):
        figure = charts.spectrum_chart(operations)
        parts.append(f'<div class="chart">{to_svg(figure, "chart-spectrum")}</div>')
    parts.append("<h3>Errors and throttling</h3>")
    if any(s.get("failures_by_reason") or s.get("throttled") for s in operations.values()):
        figure = charts.errors_chart(operations)
        parts.append(f'<div class="chart">{to_svg(figure, "chart-errors")}</div>')
    parts += [errors_table(operations), "</section>"]
    return "".join(parts)
