"""The page's charts: throughput, latency over time, percentile spectrum, errors, trend.

Each function takes figures from the result files and returns a matplotlib Figure; the
page inlines it with `figures.to_svg`. Exact values are in the tables beside each chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from vanceqa.report.figures import (
    ERRORS,
    HALF,
    MUTED,
    PALETTE,
    TEXT,
    THROTTLED,
    WIDE,
    canvas,
    figure,
    legend,
    styled,
)
from vanceqa.report.result_files import JSON

# Percentile spectrum: x is 1/(1-q), so each extra nine gets the same width.
_SPECTRUM_TICKS: tuple[tuple[float, str], ...] = (
    (0.0, "0%"),
    (50.0, "50%"),
    (90.0, "90%"),
    (99.0, "99%"),
    (99.9, "99.9%"),
    (99.99, "99.99%"),
    (100.0, "max"),
)
_MAX_NINES = 100_000.0  # where "100%" (the maximum) is drawn, one step past 99.99%


def _floats(values: Sequence[Any]) -> list[float]:
    return [float(v) if isinstance(v, int | float) else math.nan for v in values]


def _series(points: Sequence[JSON], key: str) -> list[float]:
    return _floats([p.get(key) for p in points])


def _present(values: Sequence[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]


def _span(values: Sequence[float], unit: str) -> str:
    seen = _present(values)
    if not seen:
        return "no data"
    return f"{min(seen):g} to {max(seen):g} {unit}".strip()


def _ms(value: float, _: object = None) -> str:
    return f"{value:g}"


def _error_bars(ax: Axes, t: list[float], counts: Mapping[str, list[float]]) -> Axes:
    """Errors and 429s per second, stacked, on their own scale under the rps line."""
    bars = ax.twinx()
    bars.grid(False)
    bars.spines["right"].set_visible(True)
    bottom = [0.0] * len(t)
    for key, color in (("errors", ERRORS), ("throttled", THROTTLED)):
        values = counts[key]
        # Only the seconds that had any: a long clean run draws no empty bars.
        seconds = [i for i, v in enumerate(values) if v]
        if seconds:
            bars.bar(
                [t[i] for i in seconds],
                [values[i] for i in seconds],
                bottom=[bottom[i] for i in seconds],
                width=0.6,
                color=color,
                alpha=0.6,
                label="errors/s" if key == "errors" else "429s/s",
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    # The bars stay in the bottom third, so they never hide the rps line.
    bars.set_ylim(0, max(max(bottom, default=0.0), 1.0) * 3)
    bars.set_ylabel("errors, 429s /s")
    bars.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.set_zorder(bars.get_zorder() + 1)  # the line over the bars
    ax.patch.set_visible(False)
    return bars


@styled
def throughput_chart(timeseries: Sequence[JSON]) -> Figure:
    """Requests per second over the run, with errors and 429s per second as bars."""
    t = _series(timeseries, "t")
    rps = _series(timeseries, "rps")
    fig, ax = figure(HALF, 330, "Requests per second")
    ax.plot(t, rps, label="requests/s", color=PALETTE[0], linewidth=2)
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("requests/s")
    ax.set_ylim(bottom=0, top=max(_present(rps), default=1.0) * 1.15)
    counts = {
        key: [0.0 if math.isnan(v) else v for v in _series(timeseries, key)]
        for key in ("errors", "throttled")
    }
    axes = [ax]
    if any(any(values) for values in counts.values()):
        axes.append(_error_bars(ax, t, counts))
    else:
        ax.text(0.99, 0.03, "no errors, no 429s", transform=ax.transAxes, ha="right", color=MUTED)
    legend(fig, axes)
    totals = {key: sum(values) for key, values in counts.items()}
    fig.set_label(
        f"Requests per second over {len(t)} seconds: {_span(rps, 'requests/s')}; "
        f"{totals['errors']:g} errors and {totals['throttled']:g} throttled (429) in all."
    )
    return fig


@styled
def latency_chart(timeseries: Sequence[JSON]) -> Figure:
    """p50/p95/p99 latency per second of the run; corrected p99 dashed."""
    t = _series(timeseries, "t")
    fig, ax = figure(HALF, 330, "Latency over time")
    summary = []
    for key, color in (("p50", PALETTE[2]), ("p95", PALETTE[1]), ("p99", PALETTE[0])):
        values = _series(timeseries, key)
        ax.plot(t, values, label=key, color=color)
        summary.append(f"{key} {_span(values, 'ms')}")
    corrected = _series(timeseries, "p99_corrected")
    if _present(corrected):
        ax.plot(t, corrected, label="p99 corrected", color=PALETTE[4], linestyle=(0, (5, 3)))
        summary.append(f"corrected p99 {_span(corrected, 'ms')}")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("ms")
    ax.set_ylim(bottom=0)
    legend(fig, [ax])
    fig.set_label(f"Latency per second over {len(t)} seconds: " + "; ".join(summary) + ".")
    return fig


def _log_ticks(low: float, high: float) -> list[float]:
    """Round values for a log axis: 1-2-5 per decade, finer when that would label too few."""
    if not 0 < low < high:
        return []
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks: list[float] = []
    for steps in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)):
        ticks = [round(s * 10.0**d, 9) for d in decades for s in steps]
        ticks = [t for t in ticks if low <= t <= high]
        if len(ticks) >= 4:
            break
    return ticks


def _nines(percentile: float) -> float:
    return _MAX_NINES if percentile >= 100 else min(_MAX_NINES, 100.0 / (100.0 - percentile))


@styled
def spectrum_chart(operations: Mapping[str, JSON]) -> Figure:
    """Latency by percentile, one colour per operation; corrected latencies dashed."""
    fig, ax = figure(WIDE, 400, "Percentile spectrum")
    summary = []
    xs: list[float] = []
    for index, (name, stats) in enumerate(operations.items()):
        color = PALETTE[index % len(PALETTE)]
        for key, style, suffix in (
            ("spectrum", "-", ""),
            ("spectrum_corrected", (0, (5, 3)), " (corrected)"),
        ):
            points = [p for p in stats.get(key) or [] if p[1] is not None and p[1] > 0]
            if not points:
                continue
            x = [_nines(float(p[0])) for p in points]
            xs += x
            ax.plot(
                x,
                [float(p[1]) for p in points],
                label=name + suffix,
                color=color,
                linestyle=style,
                marker="o" if not suffix else None,
            )
            summary.append(f"{name}{suffix} {points[0][1]:g} to {points[-1][1]:g} ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    left, right = min(xs, default=1.0), max(xs, default=_MAX_NINES)
    ticks = {_nines(p): text for p, text in _SPECTRUM_TICKS if left <= _nines(p) <= right}
    ax.xaxis.set_major_locator(FixedLocator(list(ticks)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: ticks.get(v, "")))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(left / 1.15, right * 1.4)
    ax.yaxis.set_major_locator(FixedLocator(_log_ticks(*ax.get_ylim())))
    ax.yaxis.set_major_formatter(FuncFormatter(_ms))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("percentile")
    ax.set_ylabel("ms (log scale)")
    legend(fig, [ax])
    fig.set_label("Latency by percentile: " + "; ".join(summary) + ".")
    return fig


@styled
def errors_chart(operations: Mapping[str, JSON]) -> Figure:
    """Failures by reason and throttled (429) answers, stacked per operation."""
    reasons = sorted(
        {
            reason
            for stats in operations.values()
            for reason in stats.get("failures_by_reason") or {}
        }
    )
    labels = [*reasons, "throttled (429)"]
    fig, ax = figure(WIDE, 110 + 38 * len(labels), "Errors and throttled by reason")
    rows = list(range(len(labels)))
    left = [0.0] * len(labels)
    for index, (name, stats) in enumerate(operations.items()):
        by_reason = stats.get("failures_by_reason") or {}
        values = _floats([by_reason.get(r, 0) for r in reasons] + [stats.get("throttled") or 0])
        values = [0.0 if math.isnan(v) else v for v in values]
        drawn = [row for row in rows if values[row]]  # no empty bar for a reason it never had
        if drawn:
            ax.barh(
                drawn,
                [values[row] for row in drawn],
                left=[left[row] for row in drawn],
                height=0.6,
                label=name,
                color=PALETTE[index % len(PALETTE)],
            )
            left = [a + b for a, b in zip(left, values, strict=True)]
    for row, total in zip(rows, left, strict=True):
        ax.annotate(
            f"{total:g}",
            (total, row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=TEXT,
        )
    ax.set_yticks(rows, labels)
    ax.tick_params(axis="y", labelcolor=TEXT, length=0)
    ax.invert_yaxis()  # the first reason on top
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(max(left, default=0.0), 1.0) * 1.08)
    ax.set_xlabel("requests")
    legend(fig, [ax])
    fig.set_label(
        "Errors and throttled requests by reason: "
        + "; ".join(f"{label} {total:g}" for label, total in zip(labels, left, strict=True))
        + "."
    )
    return fig


@styled
def trend_chart(entries: Sequence[JSON]) -> Figure:
    """p95/p99, rps and conformance failures of each run, one panel each, runs aligned."""
    # Runs sit at equal steps (by index): two runs in one minute must not merge.
    when = list(range(len(entries)))
    labels = [str(e.get("started_at") or "?")[5:16].replace("T", " ") for e in entries]
    loads = [e.get("load") or {} for e in entries]
    p95 = _floats([x.get("p95_ms") for x in loads])
    p99 = _floats([x.get("p99_ms") for x in loads])
    rps = _floats([x.get("rps") for x in loads])
    failed = _floats([(e.get("conformance") or {}).get("failed") for e in entries])
    fig = canvas(WIDE, 420, "Runs so far")
    # Panels, not twin axes: two scales on one panel make lines cross that never met.
    latency, rate, counts = fig.subplots(3, 1, sharex=True, height_ratios=(3, 2, 2))
    latency.plot(when, p95, label="p95 ms", color=PALETTE[0], marker="o")
    latency.plot(when, p99, label="p99 ms", color=PALETTE[3], marker="o")
    latency.set_ylim(bottom=0, top=max(_present(p95 + p99), default=1.0) * 1.2)
    latency.set_ylabel("latency ms")
    rate.plot(when, rps, label="requests/s", color=PALETTE[2], marker="s")
    rate.set_ylim(bottom=0, top=max(_present(rps), default=1.0) * 1.25)
    rate.set_ylabel("requests/s")
    failures = [0.0 if math.isnan(f) else f for f in failed]
    counts.bar(when, failures, width=0.4, color=ERRORS, alpha=0.55, label="conformance failures")
    for x, f in zip(when, failed, strict=True):
        if not math.isnan(f):
            counts.annotate(
                f"{f:g}", (x, f), xytext=(0, 2), textcoords="offset points", ha="center"
            )
    counts.set_ylim(0, max(failures, default=0.0) * 1.4 + 1)
    counts.set_ylabel("failures")
    for ax in (latency, rate, counts):
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=ax is counts))
    step = max(1, math.ceil(len(when) / 12))  # at most a dozen dates under the axis
    counts.set_xticks(when[::step], labels[::step])
    counts.set_xlim(-0.6, len(when) - 0.4)
    counts.set_xlabel("run (UTC)")
    fig.align_ylabels()
    legend(fig, [latency, rate, counts])
    latest = entries[-1] if entries else {}
    fig.set_label(
        f"The last {len(entries)} runs, oldest first: p95 {_span(p95, 'ms')}, "
        f"p99 {_span(p99, 'ms')}, {_span(rps, 'requests/s')}; conformance failures "
        f"{', '.join(f'{f:g}' for f in _present(failed)) or 'not recorded'} "
        f"(latest run {latest.get('started_at') or '?'})."
    )
    return fig
