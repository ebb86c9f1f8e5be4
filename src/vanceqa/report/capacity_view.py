"""The capacity section: the figure, the latency-throughput curve, the steps; its verdict and
its history record (the trend compares the capacity across runs).

Reads capacity.json only (docs/result-files.md); the exit codes it names are
vanceqa.load.outcome's, repeated here because the report never imports vanceqa.load (a
test keeps them equal).
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from vanceqa.report.charts import _log_ticks
from vanceqa.report.figures import ERRORS, MUTED, PALETTE, WIDE, figure, legend, styled, to_svg
from vanceqa.report.markup import badge, esc, fmt_duration, fmt_ms, fmt_num, table
from vanceqa.report.result_files import JSON
from vanceqa.report.verdict import ERROR, FAILED, MEASURED, PASSED, PhaseVerdict

# vanceqa.load.outcome's codes for the capacity search (a test keeps them equal).
EXIT_BELOW_EXPECTED = 4
EXIT_START_RATE = 6
EXIT_MAX_RATE = 7
EXIT_GENERATOR = 8
EXIT_TIME_BUDGET = 9
MEANINGS = {
    EXIT_BELOW_EXPECTED: "capacity below --expect-at-least",
    EXIT_START_RATE: "even the start rate broke the SLO",
    EXIT_MAX_RATE: "nothing broke up to the max rate",
    EXIT_GENERATOR: "the load generator was the limit",
    EXIT_TIME_BUDGET: "the time budget ran out",
}
_BOUNDS = ("max_rate", "generator", "time_budget")
_LIMITED_BY = {
    "slo": "the SLO",
    "generator": "the load generator",
    "max_rate": "the max rate",
    "time_budget": "the time budget",
    "start_rate": "the start rate already breaking",
    "interrupted": "an interruption",
}
CSS = """
.capacity-figure { font-size:30px; font-weight:800; margin:6px 0 2px; }
table.steps td:nth-child(n+3):not(:last-child) { text-align:right;
  font-variant-numeric:tabular-nums; }
"""


def _rate(value: object) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{value:,.0f} req/s" if value >= 1000 else f"{value:.4g} req/s"


def figure_text(data: JSON) -> str:
    """The capacity as a figure: exact, a lower or an upper bound, or unknown."""
    limited, capacity = data.get("limited_by"), data.get("capacity_rps")
    if limited == "start_rate":
        return f"below {_rate((data.get('settings') or {}).get('start_rate'))}"
    if capacity is None:
        return "unknown"
    return _rate(capacity) if limited == "slo" else f"at least {_rate(capacity)}"


# -- verdict and history ----------------------------------------------------------------------


def judge(data: JSON, code: int | None) -> PhaseVerdict:
    """Found within the SLO: passed; below the start rate or the expectation: failed; a
    bound (generator, max rate, time budget) is a measurement unless an expectation needed
    more; a search that never finished is an error."""
    code = data.get("exit_code", code)
    limited = data.get("limited_by")
    headline = str(data.get("answer") or f"{figure_text(data)}: no answer")
    if data.get("status") != "final" or limited is None or limited == "interrupted":
        note = f"the search did not finish ({headline})"
        return PhaseVerdict("capacity", ERROR, note, code, note)
    met = data.get("expectation_met")
    if met is False or limited == "start_rate":
        return PhaseVerdict("capacity", FAILED, headline, code)
    if limited == "slo" or met is True:
        return PhaseVerdict("capacity", PASSED, headline, code)
    if data.get("expect_at_least") is not None:
        note = f"could not tell whether the capacity reaches the expected one ({headline})"
        return PhaseVerdict("capacity", ERROR, note, code, note)
    return PhaseVerdict("capacity", MEASURED, headline, code)


def history(data: JSON) -> JSON:
    """The trend compares found capacities; bounds are kept beside them, never compared."""
    limited, capacity = data.get("limited_by"), data.get("capacity_rps")
    return {
        "capacity_rps": capacity if limited == "slo" else None,
        "lower_bound_rps": capacity if limited in _BOUNDS else None,
        "limited_by": limited,
        "slo": sorted((data.get("slo") or {}).get("thresholds") or []),
    }


def comparable(a: JSON, b: JSON) -> bool:
    """Capacities under different SLOs measure different things."""
    return a.get("slo") is None or b.get("slo") is None or a["slo"] == b["slo"]


# -- the latency-throughput curve ------------------------------------------------------------


def _judged(data: JSON) -> list[JSON]:
    return [s for s in data.get("steps") or [] if s.get("verdict") in ("held", "broke")]


def _latency_limits(data: JSON) -> list[tuple[str, float]]:
    """Overall latency thresholds as (expression, ms), for the SLO lines."""
    steps = data.get("steps") or []
    rows = steps[-1].get("thresholds") if steps else None
    found = {}
    for row in rows or []:
        if row.get("unit") == "ms" and row.get("scope") == "overall":
            found[str(row["expression"])] = float(row["limit"])
    return sorted(found.items(), key=lambda item: item[1])


@styled
def curve_chart(data: JSON) -> Figure:
    """Corrected p50/p95/p99 against the achieved rate, each judged step a point (held
    filled, broke hollow); the SLO's latency limits as lines, the capacity as the knee."""
    # In the order of the rate offered: past the knee the line climbs the wall.
    steps = sorted(_judged(data), key=lambda s: (s["rate"], s.get("step") or 0))
    fig, ax = figure(WIDE, 400, "Latency against throughput")
    values: list[float] = []
    for key, color in (("p50", PALETTE[2]), ("p95", PALETTE[1]), ("p99", PALETTE[0])):
        points = [
            (float(s["achieved_rps"]), float(lat[key]), s["verdict"] == "held")
            for s in steps
            if isinstance(s.get("achieved_rps"), int | float)
            and isinstance((lat := s.get("latency_corrected_ms") or {}).get(key), int | float)
            and lat[key] > 0
        ]
        if not points:
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        values += ys
        ax.plot(xs, ys, color=color, label=f"{key} (corrected)", linewidth=1.2, alpha=0.7)
        for held in (True, False):
            chosen = [p for p in points if p[2] is held]
            ax.scatter(
                [p[0] for p in chosen],
                [p[1] for p in chosen],
                s=28,
                color=color if held else "white",
                edgecolors=color,
                zorder=3,
            )
    for expression, limit in _latency_limits(data):
        ax.axhline(
            limit, color=ERRORS, linestyle=(0, (5, 3)), linewidth=1.2, label=f"SLO {expression}"
        )
        values.append(limit)
    capacity = data.get("capacity_rps")
    if isinstance(capacity, int | float):
        label = f"capacity {capacity:g} req/s"
        ax.axvline(capacity, color=MUTED, linestyle=":", linewidth=1.4, label=label)
        ax.annotate(
            "knee",
            (capacity, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            color=MUTED,
        )
    ax.set_xlabel("achieved requests/s (hollow: the step broke the SLO)")
    ax.set_ylabel("ms, corrected (log scale)")
    ax.set_xlim(left=0)
    if values:
        ax.set_yscale("log")
        low, high = min(values) / 1.3, max(values) * 1.3
        ax.set_ylim(low, high)
        ax.yaxis.set_major_locator(FixedLocator(_log_ticks(low, high)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_locator(NullLocator())
    legend(fig, [ax])
    knee = f"; capacity {capacity:g} req/s" if isinstance(capacity, int | float) else ""
    fig.set_label(
        f"Corrected latency against achieved throughput over {len(steps)} judged steps{knee}; "
        + ", ".join(f"SLO {e}" for e, _ in _latency_limits(data))
        + "."
    )
    return fig


# -- the section --------------------------------------------------------------------------------


def _steps_table(data: JSON) -> str:
    rows = []
    for step in data.get("steps") or []:
        corrected = step.get("latency_corrected_ms") or {}
        generator = step.get("generator") or {}
        cpu = generator.get("cpu_max")
        verdict = str(step.get("verdict"))
        status = {"held": "passed", "broke": "failed"}.get(verdict, "skipped")
        text = verdict + (" (generator)" if generator.get("limited") else "")
        broken = ", ".join(step.get("broken") or [])
        rows.append(
            [
                esc(step.get("step")),
                esc(step.get("phase")),
                _rate(step.get("rate")),
                fmt_num(step.get("achieved_rps")),
                fmt_ms(corrected.get("p50")),
                fmt_ms(corrected.get("p95")),
                fmt_ms(corrected.get("p99")),
                fmt_ms(corrected.get("max")),
                fmt_num(step.get("failures") or 0),
                fmt_num(step.get("dropped") or 0),
                "—" if cpu is None else f"{cpu:.0%}",
                badge(status, text)
                + (f' <span class="small">{esc(broken)}</span>' if broken else ""),
            ]
        )
    return table(
        ["#", "phase", "offered", "achieved /s", "p50 ms", "p95 ms", "p99 ms", "max ms",
         "errors", "dropped", "generator CPU", "verdict"],
        rows,
        css="steps",
    )  # fmt: skip


def _facts(data: JSON) -> list[str]:
    facts = []
    first = data.get("first_broken")
    if first:
        facts.append(
            f"Broke first: <code>{esc(first.get('threshold'))}</code> at {_rate(first.get('rate'))}"
        )
    held, broke = data.get("held_rps"), data.get("broke_at_rps")
    if isinstance(held, int | float) and isinstance(broke, int | float) and held > 0:
        facts.append(
            f"Held at {_rate(held)}, broke at {_rate(broke)}: {broke / held - 1:.1%} apart "
            f"(precision asked {(data.get('settings') or {}).get('precision', 0):.1%})"
        )
    confirmation = data.get("confirmation") or {}
    if confirmation.get("repeats"):
        facts.append(
            f"Confirmed: {confirmation['agreed']} of {confirmation['repeats']} repeats agreed"
            + (
                f"; {confirmation['failed_candidates']} higher rate(s) broke when repeated"
                if confirmation.get("failed_candidates")
                else ""
            )
        )
    rechecks = data.get("rechecks") or {}
    if rechecks.get("run"):
        facts.append(
            f"Rechecked {rechecks['run']} break(s); {rechecks.get('overturned', 0)} held the "
            "second time"
        )
    settings = data.get("settings") or {}
    step_time, budget = settings.get("step_time_s"), settings.get("time_budget_s")
    facts.append(
        f"{len(data.get('steps') or [])} steps of {fmt_duration(step_time)} in "
        f"{fmt_duration(data.get('duration_s'))} of a {fmt_duration(budget)} budget, "
        f"{esc(data.get('workers') or 1)} generator process(es)"
    )
    if data.get("expect_at_least") is not None:
        met = {True: "met", False: "not met", None: "not decided"}[data.get("expectation_met")]
        facts.append(f"Expected at least {_rate(data['expect_at_least'])}: {met}")
    return facts


def section(data: JSON | None) -> str:
    """The whole capacity section (or a note that the search did not run)."""
    if data is None:
        return (
            '<section id="capacity"><h2>Capacity</h2>'
            '<p class="muted">The capacity search did not run (no capacity.json).</p></section>'
        )
    verdict = judge(data, data.get("exit_code"))
    limited = data.get("limited_by")
    limit = badge(verdict.status, "limited by " + _LIMITED_BY.get(str(limited), str(limited)))
    parts = [
        '<section id="capacity"><h2>Capacity</h2>',
        f'<p class="capacity-figure">{esc(figure_text(data))}</p>',
        f'<p class="stats">{limit} '
        f"<span>{esc(data.get('answer') or 'the search did not finish')}</span></p>",
    ]
    if limited == "generator":
        parts.append(
            '<p class="problem">The load generator, not the server, could not keep up: this is '
            "a lower bound. Run again with more --processes or workers.</p>"
        )
    parts.append("<ul>" + "".join(f"<li>{fact}</li>" for fact in _facts(data)) + "</ul>")
    if _judged(data):
        parts.append(f'<div class="chart">{to_svg(curve_chart(data), "chart-capacity")}</div>')
    parts += ["<h3>Steps</h3>", f'<div class="scroll">{_steps_table(data)}</div>', "</section>"]
    return "".join(parts)
