"""Build reports/index.html from a report folder: read, judge, compare, render, redact, write."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vanceqa.errors import UsageError
from vanceqa.redact import scrub
from vanceqa.report import history
from vanceqa.report.history import TrendRow
from vanceqa.report.page import PageInput, render
from vanceqa.report.result_files import Results, load_results
from vanceqa.report.sections import SECTIONS, Section
from vanceqa.report.verdict import Verdict, judge
from vanceqa.resources import seed_data_path
from vanceqa.target import ENV, TargetConfig


@dataclass
class BuildOutcome:
    """What was written and how the run was judged."""

    path: Path
    results: Results
    verdict: Verdict
    trend_rows: list[TrendRow]
    size_bytes: int
    history_path: Path | None = None

    @property
    def regressions(self) -> list[TrendRow]:
        return [r for r in self.trend_rows if r.regression]


def known_secrets(extra: Iterable[str | None] = ()) -> list[str]:
    """Tokens to keep off the page: given ones, the VANCEQA_* tokens, the mock's own."""
    secrets = [s for s in extra if s]
    secrets += [os.environ.get(ENV[k], "") for k in ("api_token", "admin_token")]
    with contextlib.suppress(UsageError):  # secret header values given in the environment
        secrets += TargetConfig.from_env().secrets
    try:
        tokens = json.loads(seed_data_path().read_text(encoding="utf-8")).get("tokens", {})
        secrets += [str(v) for v in tokens.values()]
    except (OSError, ValueError):
        pass  # the page is still scrubbed of the user's tokens and of header values
    # Very short strings would shred ordinary words; a real token is never that short.
    return sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)


def build_report(
    report_dir: Path,
    output: Path | None = None,
    *,
    margin: float = history.DEFAULT_MARGIN,
    window: int = history.DEFAULT_WINDOW,
    secrets: Iterable[str | None] = (),
    record_history: bool = False,
    sections: tuple[Section, ...] = SECTIONS,
) -> BuildOutcome:
    """Write the page for the results in `report_dir`; with `record_history`, append this
    run to reports/history/ first (what `vanceqa run` does; `vanceqa report` only reads)."""
    results = load_results(report_dir, sections)
    verdict = judge(results)
    current = history.entry_for(results, verdict)
    history_dir = report_dir / "history"
    entries, notes = history.read_history(history_dir, sections)
    earlier = history.earlier_runs(entries, current)
    rows = history.compare(current, earlier, margin, window, sections)
    history_path = None
    if record_history and results.phases_present:
        try:
            history_path = history.append_entry(history_dir, current)
        except OSError as exc:
            # The run's results are still worth a page; say why the trend lost this run.
            notes.append(f"this run was not added to {history_dir}/: {exc}")
    page = PageInput(
        results=results,
        verdict=verdict,
        trend_rows=rows,
        trend_entries=[*earlier[-30:], current],
        margin=margin,
        window=window,
        notes=results.problems + notes,
    )
    keep_out = known_secrets(secrets)
    text = render(page, clean=lambda html: scrub(html, keep_out))
    path = output or report_dir / "index.html"
    # Write beside and rename: a reader never sees half a page.
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write the page to {path}: {exc.strerror or exc}") from None
    return BuildOutcome(path, results, verdict, rows, path.stat().st_size, history_path)
