"""Assemble reports/index.html: one file, styles and SVG charts inline, no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from vanceqa import __version__
from vanceqa.report import trend_view
from vanceqa.report.history import TrendRow
from vanceqa.report.markup import badge, esc, fmt_duration
from vanceqa.report.result_files import JSON, Results
from vanceqa.report.style import CSS, SCRIPT
from vanceqa.report.verdict import Verdict
from vanceqa.target import INSECURE_NOTE


@dataclass
class PageInput:
    """What the page shows, already judged."""

    results: Results
    verdict: Verdict
    trend_rows: list[TrendRow]
    trend_entries: list[JSON]
    margin: float
    window: int
    notes: list[str]


def _files(results: Results) -> list[JSON]:
    """run.json, then each section's file, in the sections' order."""
    return [d for d in (results.run, *(results.data.get(s.name) for s in results.sections)) if d]


def _first(results: Results, key: str) -> object:
    for data in _files(results):
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def _target(results: Results) -> str:
    target = _first(results, "target")
    if not isinstance(target, dict):
        return "unknown"
    if target.get("mock"):
        where = f" at {target['base_url']}" if target.get("base_url") else ""
        return f"the bundled mock{where}"
    return str(target.get("base_url") or "unknown")


def _sources(results: Results) -> str:
    """Which contract, data, suites and SLO file the run used (the user's or ours)."""
    rows = [
        f"{esc(kind.replace('_', ' '))} <code>{esc(source.get('path'))}</code> "
        f"({esc(source.get('origin'))})"
        for kind, source in results.sources.items()
        if isinstance(source, dict)
    ]
    return "<br>".join(rows) or "—"


def _when(results: Results) -> str:
    started = _first(results, "started_at")
    if not isinstance(started, str):
        return "unknown"
    try:
        moment = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return started
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(results: Results) -> object:
    if results.run and results.run.get("duration_s") is not None:
        return results.run["duration_s"]
    durations = [d.get("duration_s") for d in _files(results)]
    numbers = [float(x) for x in durations if isinstance(x, int | float)]
    return sum(numbers) if numbers else None


def _versions(results: Results) -> str:
    merged: dict[str, object] = {}
    for data in _files(results):
        for name, version in (data.get("versions") or {}).items():
            merged.setdefault(name, version)
    return " · ".join(f"{esc(k)} {esc(v)}" for k, v in merged.items()) or "—"


def _replay(results: Results) -> str:
    commands = [p["command"] for p in (results.run or {}).get("phases", []) if p.get("command")]
    if not commands:
        seed = _first(results, "seed")
        if seed is None:
            return ""
        commands = [f"vanceqa run --seed {seed}"]
    lines = "\n".join(commands)
    return (
        '<details class="replay"><summary>Replay this run</summary>'
        f"<pre>{esc(lines)}</pre></details>"
    )


def header(page: PageInput) -> str:
    verdict = page.verdict
    results = page.results
    reasons = "".join(f"<li>{esc(r)}</li>" for r in verdict.reasons)
    target = esc(_target(results))
    if results.insecure:
        target += f' <strong class="problem">{esc(INSECURE_NOTE)}</strong>'
    facts = [
        ("Target", target),
        ("When", esc(_when(results))),
        ("Duration", esc(fmt_duration(_duration(results)))),
        ("Seed", f"<code>{esc(_first(results, 'seed'))}</code>"),
        ("Versions", _versions(results)),
        ("Sources", _sources(results)),
    ]
    dl = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    return (
        f'<header class="verdict {verdict.status}" id="verdict">'
        f'<div class="word">{esc(verdict.word)}</div>'
        f'<div class="why"><h1>Vance AI API: conformance and load report</h1>'
        f"{f'<ul>{reasons}</ul>' if reasons else '<p>Every check passed and every SLO held.</p>'}"
        f'</div></header><dl class="meta">{dl}</dl>{_replay(results)}'
    )


def phase_cards(page: PageInput) -> str:
    cards = "".join(
        f'<a class="card phase" href="#{esc(p.name)}">'
        f"<h3>{esc(p.name)} {badge(p.status)}</h3><p>{esc(p.headline)}</p></a>"
        for p in page.verdict.phases
    )
    flagged = trend_view.regressions(page.trend_rows)
    if flagged:
        names = ", ".join(r.label for r in flagged)
        cards += (
            f'<a class="card phase" href="#trend"><h3>trend {badge("failed", "regressed")}</h3>'
            f"<p>{esc(names)}</p></a>"
        )
    return f'<div class="cards phases" id="summary">{cards}</div>'


def render(page: PageInput, clean: Callable[[str], str] = lambda html: html) -> str:
    """The complete HTML document, all of it passed through `clean` (the token scrubber)."""
    results = page.results
    notes = "".join(f'<p class="problem">{esc(n)}</p>' for n in page.notes)
    # The sections the verdict judged: an opt-in section that did not run is left out.
    judged = {p.name for p in page.verdict.phases}
    shown = [s for s in results.sections if s.name in judged]
    links = [("verdict", "Verdict"), *((s.name, s.title) for s in shown), ("trend", "Trend")]
    nav = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in links)
    css = CSS + "".join(s.css for s in shown)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(
        [
            f"<nav>{nav}</nav><main>",
            header(page),
            notes,
            phase_cards(page),
            *(s.view(results.data.get(s.name)) for s in shown),
            trend_view.section(page.trend_rows, page.trend_entries, page.margin, page.window),
            f"<footer>Written by vanceqa {esc(__version__)} on {generated} from the result files "
            f"in {esc(results.report_dir.name or results.report_dir)}/.</footer></main>",
        ]
    )
    title = f"{page.verdict.word} · vanceqa report · {_when(results)}"
    return clean(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{css}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )
