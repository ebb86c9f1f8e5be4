"""The page's charts, drawn with plotly and emitted as divs that share one inline plotly.js.

Every figure uses the empty "none" template plus a small layout of our own: plotly's
stock templates add ~8 kB to each chart and the page stays self-contained either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from vanceqa.report.results import JSON

PALETTE = ("#2563eb", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2", "#4b5563")
_GRID = "#e5e7eb"
_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d"]}

# Percentile spectrum: x is 1/(1-q), so each extra nine gets the same width.
_SPECTRUM_TICKS: tuple[tuple[float, str], ...] = (
    (0.0, "0%"),
    (50.0, "50%"),
    (90.0, "90%"),
    (99.0, "99%"),
    (99.9, "99.9%"),
    (99.99, "99.99%"),
)
_MAX_NINES = 100_000.0  # where "100%" (the maximum) is drawn, one step past 99.99%


@cache
def plotly_js() -> str:
    """The plotly.js bundle that ships with the plotly package, to inline once per page."""
    return str(get_plotlyjs())


def _layout(title: str, y_title: str, height: int = 320, **extra: Any) -> dict[str, Any]:
    axis = {"gridcolor": _GRID, "zeroline": False, "linecolor": "#9ca3af", "automargin": True}
    layout: dict[str, Any] = {
        "template": "none",
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 40, "b": 20},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "colorway": list(PALETTE),
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        "hovermode": "x unified",
        "xaxis": dict(axis),
        "yaxis": {**axis, "title": {"text": y_title}},
    }
    layout.update(extra)
    return layout


def to_div(fig: go.Figure, div_id: str) -> str:
    """One chart as a div plus the script that draws it (plotly.js is on the page once)."""
    return str(
        pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config=_CONFIG,
            default_height=f"{fig.layout.height or 320}px",
        )
    )


def _series(points: Sequence[JSON], key: str) -> list[Any]:
    return [p.get(key) for p in points]


def throughput_chart(timeseries: Sequence[JSON]) -> go.Figure:
    """Requests per second over the run, with errors and 429s per second as bars."""
    t = _series(timeseries, "t")
    fig = go.Figure(layout=_layout("Requests per second", "requests/s"))
    fig.add_scatter(x=t, y=_series(timeseries, "rps"), name="rps", mode="lines", line_width=2)
    peak = 0.0
    for key, color in (("errors", PALETTE[4]), ("throttled", PALETTE[1])):
        values = _series(timeseries, key)
        if any(values):
            fig.add_bar(x=t, y=values, name=f"{key}/s", marker_color=color, opacity=0.6, yaxis="y2")
            peak += max(float(v or 0) for v in values)
    # Keep the bars in the bottom third so they never hide the rps line.
    fig.update_layout(
        xaxis_title="seconds since start",
        yaxis={"rangemode": "tozero"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "errors, 429s /s",
            "showgrid": False,
            "automargin": True,
            "range": [0, max(peak, 1.0) * 3],
        },
        barmode="stack",
        bargap=0.5,
    )
    return fig


def latency_chart(timeseries: Sequence[JSON]) -> go.Figure:
    """p50/p95/p99 latency per second of the run."""
    t = _series(timeseries, "t")
    fig = go.Figure(layout=_layout("Latency over time", "ms"))
    for key in ("p50", "p95", "p99"):
        fig.add_scatter(x=t, y=_series(timeseries, key), name=key, mode="lines")
    corrected = _series(timeseries, "p99_corrected")
    if any(v is not None for v in corrected):
        fig.add_scatter(x=t, y=corrected, name="p99 corrected", mode="lines", line={"dash": "dot"})
    fig.update_layout(xaxis_title="seconds since start")
    return fig


def _nines(percentile: float) -> float:
    return _MAX_NINES if percentile >= 100 else min(_MAX_NINES, 100.0 / (100.0 - percentile))


def spectrum_chart(operations: Mapping[str, JSON]) -> go.Figure:
    """Latency by percentile, one colour per operation; corrected latencies dashed."""
    fig = go.Figure(layout=_layout("Percentile spectrum", "ms (log)", height=380))
    for index, (name, stats) in enumerate(operations.items()):
        color = PALETTE[index % len(PALETTE)]
        for key, dash, suffix in (("spectrum", "solid", ""), ("spectrum_corrected", "dash", "")):
            points = stats.get(key) or []
            if not points:
                continue
            label = name + (" (corrected)" if key.endswith("corrected") else suffix)
            fig.add_scatter(
                x=[_nines(p[0]) for p in points],
                y=[p[1] for p in points],
                customdata=[p[0] for p in points],
                name=label,
                mode="lines+markers",
                marker_size=4,
                line={"color": color, "dash": dash},
                hovertemplate="p%{customdata}: %{y} ms<extra>" + label + "</extra>",
            )
    fig.update_layout(
        hovermode="closest",
        xaxis={
            "type": "log",
            "title": "percentile",
            "tickvals": [_nines(p) for p, _ in _SPECTRUM_TICKS] + [_MAX_NINES],
            "ticktext": [text for _, text in _SPECTRUM_TICKS] + ["max"],
            "tickangle": 0,
            "gridcolor": _GRID,
        },
        yaxis={"type": "log", "dtick": 1},
    )
    return fig


def errors_chart(operations: Mapping[str, JSON]) -> go.Figure:
    """Failures by reason and throttled (429) answers, stacked per operation."""
    reasons = sorted(
        {
            reason
            for stats in operations.values()
            for reason in stats.get("failures_by_reason") or {}
        }
    )
    labels = [*reasons, "throttled (429)"]
    fig = go.Figure(
        layout=_layout("Errors and throttled by reason", "", height=120 + 34 * len(labels))
    )
    for name, stats in operations.items():
        by_reason = stats.get("failures_by_reason") or {}
        values = [by_reason.get(r, 0) for r in reasons] + [stats.get("throttled") or 0]
        fig.add_bar(y=labels, x=values, name=name, orientation="h")
    fig.update_layout(barmode="stack", hovermode="closest", xaxis_title="requests")
    return fig


def trend_chart(entries: Sequence[JSON]) -> go.Figure:
    """p95/p99 and rps of each run, with conformance failures as bars."""
    # Runs sit at equal steps (by index): two runs in one minute must not merge.
    when = list(range(len(entries)))
    labels = [str(e.get("started_at") or "?")[5:16].replace("T", " ") for e in entries]
    loads = [e.get("load") or {} for e in entries]
    fig = go.Figure(layout=_layout("Runs so far", "ms"))
    fig.add_scatter(x=when, y=[x.get("p95_ms") for x in loads], name="p95 ms", mode="lines+markers")
    fig.add_scatter(x=when, y=[x.get("p99_ms") for x in loads], name="p99 ms", mode="lines+markers")
    fig.add_scatter(
        x=when, y=[x.get("rps") for x in loads], name="rps", mode="lines+markers", yaxis="y2"
    )
    failed = [(e.get("conformance") or {}).get("failed") for e in entries]
    fig.add_bar(
        x=when,
        y=failed,
        name="conformance failures",
        marker_color=PALETTE[4],
        opacity=0.45,
        yaxis="y3",
        text=[f or "" for f in failed],
        textposition="outside",
    )
    peak = max((float(f) for f in failed if isinstance(f, int | float)), default=0.0)
    fig.update_layout(
        xaxis={"title": "run (UTC)", "tickvals": when, "ticktext": labels, "gridcolor": _GRID},
        yaxis={"rangemode": "tozero"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "rps",
            "showgrid": False,
            "automargin": True,
            "rangemode": "tozero",
        },
        yaxis3={"overlaying": "y", "visible": False, "range": [0, max(peak, 1.0) * 3.5]},
        bargap=0.6,
    )
    return fig
