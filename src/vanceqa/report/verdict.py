"""Judge a run from its result files: one verdict, one line per phase, one exit code.

A skipped check is never a pass, and a phase that did not finish makes the run
"incomplete", never "pass".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vanceqa.report.result_files import JSON, Results, conformance_summary, load_error_rate

PASSED, FAILED, ERROR, MEASURED, NOT_RUN = "passed", "failed", "error", "measured", "not run"

# Exit codes shared with the phase commands (docs/result-files.md, README).
EXIT_PASS, EXIT_FAILURES, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


@dataclass
class PhaseVerdict:
    """How one phase went, in a word and a sentence."""

    name: str
    status: str
    headline: str
    exit_code: int | None = None
    note: str | None = None


@dataclass
class Verdict:
    """The run as a whole: pass, fail or incomplete, and why."""

    status: str
    phases: list[PhaseVerdict]
    reasons: list[str] = field(default_factory=list)
    exit_code: int = EXIT_PASS

    @property
    def word(self) -> str:
        return self.status.upper()


def _recorded(results: Results) -> dict[str, list[JSON]]:
    """run.json's phase records by report section (conformance, load, docs, ...)."""
    # Older run.json files name no section: a command's first word tells it.
    by_command = {s.command: s.name for s in results.sections}
    grouped: dict[str, list[JSON]] = {}
    for record in (results.run or {}).get("phases", []):
        name = str(record["name"])
        area = record.get("phase") or by_command.get(name.split()[0], name)
        grouped.setdefault(str(area), []).append(record)
    return grouped


def judge(results: Results) -> Verdict:
    """The verdict of the run whose files `results` holds, one phase per section shown.

    An opt-in section (sections.py) that was neither run nor asked for is left out.
    """
    recorded = _recorded(results)
    phases = []
    for section in results.sections:
        area = section.name
        records = recorded.get(area, [])
        data = results.data.get(area)
        if area in results.unreadable:
            why = "its result file is unreadable"
            phases.append(PhaseVerdict(area, ERROR, why, _code(records), why))
        elif data is None:
            if section.opt_in and not records:
                continue
            phases.append(_missing(area, records))
        else:
            phases.append(_with_records(section.judge(data, _code(records)), records))
    reasons = [f"{p.name}: {p.headline}" for p in phases if p.status in (FAILED, ERROR)]
    reasons += results.problems
    failed = [p for p in phases if p.status == FAILED]
    broken = [p for p in phases if p.status == ERROR]
    if failed:
        status = "fail"
    elif broken or results.problems:
        status = "incomplete"
    elif all(p.status == NOT_RUN for p in phases):
        status = "incomplete"
        reasons.append("no result files: nothing was tested")
    else:
        status = "pass"
    return Verdict(status, phases, reasons, _exit_code(status, phases, results))


def _code(records: list[JSON]) -> int | None:
    """The first non-zero exit code of an area's commands, else 0 (None: not recorded)."""
    codes = [r.get("exit_code") for r in records if r.get("exit_code") is not None]
    return next((int(c) for c in codes if c), 0 if codes else None)


def _with_records(verdict: PhaseVerdict, records: list[JSON]) -> PhaseVerdict:
    """A command of the area that ended abnormally makes a passing area an error."""
    notes = [str(r["note"]) for r in records if r.get("note")]
    if verdict.status in (FAILED, ERROR) or not notes:
        return verdict  # already not a pass, and its headline says why
    note = f"{verdict.headline}; but {notes[0]}"
    return PhaseVerdict(verdict.name, ERROR, note, verdict.exit_code, notes[0])


def _exit_code(status: str, phases: list[PhaseVerdict], results: Results) -> int:
    if status == "pass":
        return EXIT_PASS
    if status == "fail":
        # Failed checks speak loudest; an SLO breach alone keeps the load command's own
        # code (a section that `keeps_exit_code` reads it from its file's `exit_code`).
        keeps = {s.name for s in results.sections if s.keeps_exit_code}
        failed = [p.name for p in phases if p.status == FAILED]
        if any(name not in keeps for name in failed):
            return EXIT_FAILURES
        code = (results.data.get(failed[0]) or {}).get("exit_code")
        return code if isinstance(code, int) and code > 0 else EXIT_FAILURES
    codes = [p.exit_code for p in phases if p.status == ERROR and p.exit_code]
    if EXIT_UNAVAILABLE in codes:
        return EXIT_UNAVAILABLE
    return codes[0] if codes else EXIT_USAGE


def _missing(name: str, records: list[JSON]) -> PhaseVerdict:
    """An area with no result file: left out of the run, or planned and never finished."""
    if not records:
        return PhaseVerdict(name, NOT_RUN, "not run")
    code = _code(records)
    notes = [str(r["note"]) for r in records if r.get("note")]
    note = notes[0] if notes else f"exited with code {code} and wrote no result file"
    return PhaseVerdict(name, ERROR, note, code, note)


def judge_conformance(data: JSON, code: int | None) -> PhaseVerdict:
    counts = conformance_summary(data)
    headline = f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    if counts["warning"]:
        # Reading 15: warnings are shown, never a failure (--strict records them as failed).
        headline += f", {counts['warning']} warnings"
    if data.get("aborted"):
        # The suites stopped early (the target became unavailable, or the time limit
        # passed): what ran is no verdict on the target, failures included (they are
        # still listed); the run ends as the check did, with code 3.
        note = f"stopped early: {data['aborted']} ({headline})"
        return PhaseVerdict("conformance", ERROR, note, code if code else EXIT_UNAVAILABLE, note)
    if counts["failed"]:
        return PhaseVerdict("conformance", FAILED, headline, code)
    if not counts["passed"] and not counts["warning"]:
        return PhaseVerdict("conformance", ERROR, f"no check passed ({headline})", code)
    if code not in (None, EXIT_PASS):
        # The suites wrote results but the command still failed: trust neither as a pass.
        return PhaseVerdict("conformance", ERROR, f"{headline}; exited with code {code}", code)
    return PhaseVerdict("conformance", PASSED, headline, code)


def judge_load(data: JSON, recorded_code: int | None) -> PhaseVerdict:
    rate = load_error_rate(data)
    overall = data.get("overall") or {}
    headline = f"{overall.get('requests', 0)} requests"
    if rate is not None:
        headline += f", {rate:.2%} errors"
    slo = data.get("slo") or {}
    thresholds = slo.get("thresholds") or []
    broken = [t for t in thresholds if t.get("passed") is False]
    code = data.get("exit_code", recorded_code)
    # stopped_answering's own text starts "the target stopped answering".
    cut_short = [
        f"{label}{data[key]}"
        for key, label in (
            ("stopped_answering", ""),
            ("overrun", "overran its deadline: "),
            ("stopped_early", "stopped early: "),
        )
        if data.get(key)
    ]
    names = ", ".join(str(t["expression"]) for t in broken) or "see the SLO table"
    slo_broken = bool(broken) or slo.get("passed") is False
    if cut_short:
        # The run did not go as planned: say why first; its figures (and any SLO they
        # broke, shown too) are no verdict on the server.
        why = "; ".join(cut_short) + (f"; SLO broken: {names}" if slo_broken else "")
        return PhaseVerdict("load", ERROR, f"{headline}; {why}", code)
    if slo_broken:
        return PhaseVerdict("load", FAILED, f"{headline}; SLO broken: {names}", code)
    if code:
        # No SLO broke, yet the load command failed: its figures are no verdict.
        return PhaseVerdict("load", ERROR, f"{headline}; exited with code {code}", code)
    if not thresholds:
        return PhaseVerdict("load", MEASURED, f"{headline}; no SLO was set", code)
    return PhaseVerdict("load", PASSED, f"{headline}; {len(thresholds)} SLO thresholds met", code)


def judge_docs(data: JSON, code: int | None) -> PhaseVerdict:
    drift = data.get("drift") or []
    examples = data.get("examples") or []
    errors = [d for d in drift if d.get("severity") == "error" and not d.get("baselined")]
    failed = [e for e in examples if e.get("outcome") == "failed"]
    passed = [e for e in examples if e.get("outcome") == "passed"]
    accepted = [d for d in drift if d.get("severity") == "error" and d.get("baselined")]
    headline = f"drift: {len(errors)} new errors in {len(drift)} findings"
    if accepted:
        headline += f" ({len(accepted)} known errors accepted in the baseline)"
    if examples:
        headline += f"; examples: {len(passed)} passed, {len(failed)} failed"
    if errors or failed:
        return PhaseVerdict("docs", FAILED, headline, code)
    return PhaseVerdict("docs", PASSED, headline, code)
