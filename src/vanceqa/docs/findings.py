"""Drift findings, the registry of drift rules, and the baseline of accepted findings.

A rule is a plain function registered with `@rule(...)`: it reads the docs model (and
the contract, for contract rules) and yields findings. A finding's fingerprint names
the rule, the file and the subject (never the line), so a baseline entry survives
edits that move text around; a baselined finding is still reported, it just no longer
fails the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vanceqa.docs.model import Source
from vanceqa.errors import UsageError

SEVERITIES = ("error", "warning", "info")
BASELINE_FORMAT = "vanceqa.docs-baseline/1"


@dataclass(frozen=True)
class DriftFinding:
    rule: str
    severity: str
    file: str
    line: int
    message: str
    key: str  # the subject, stable across edits: "GET /kittens/{} <- /api/kittens/2"
    baselined: bool = False

    @property
    def fingerprint(self) -> str:
        return f"{self.rule} {self.file} {self.key}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "baselined": self.baselined,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    scope: str  # "docs" (the docs against themselves) | "contract"
    check: Callable[..., Iterable[DriftFinding]]

    def finding(self, source: Source, message: str, key: str, severity: str = "") -> DriftFinding:
        return DriftFinding(
            self.id, severity or self.severity, source.file, source.line, message, key
        )


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: str, title: str, scope: str = "docs"
) -> Callable[[Callable[..., Iterable[DriftFinding]]], Callable[..., Iterable[DriftFinding]]]:
    """Register a drift rule; the function receives its `Rule` first to make findings.

    A name is registered once: a second rule of the same name would silently replace the
    first (and its findings, and every baseline entry naming it), so it is refused.
    """
    assert severity in SEVERITIES

    def register(
        func: Callable[..., Iterable[DriftFinding]],
    ) -> Callable[..., Iterable[DriftFinding]]:
        if rule_id in RULES:
            raise ValueError(f"drift rule {rule_id!r} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, title, scope, func)
        return func

    return register


@dataclass
class Baseline:
    """Accepted findings: fingerprint -> the reason it was accepted."""

    path: Path | None
    accepted: dict[str, str] = field(default_factory=dict)

    def apply(self, findings: Iterable[DriftFinding]) -> tuple[list[DriftFinding], list[str]]:
        """Findings marked baselined where accepted, and baseline entries matching none."""
        marked: list[DriftFinding] = []
        seen: set[str] = set()
        for finding in findings:
            if finding.fingerprint in self.accepted:
                seen.add(finding.fingerprint)
                finding = replace(finding, baselined=True)
            marked.append(finding)
        stale = [f for f in self.accepted if f not in seen]
        return marked, stale


def load_baseline(path: Path | str | None) -> Baseline:
    if path is None:
        return Baseline(None)
    source = Path(path)
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline not found: {source}") from None
    except OSError as exc:
        raise UsageError(f"cannot read the baseline {source}: {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline {source} is not valid JSON: {exc}") from None
    entries = raw.get("accepted") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or raw.get("format") != BASELINE_FORMAT:
        raise UsageError(
            f"baseline {source} is not a {BASELINE_FORMAT} file (expected an 'accepted' list)"
        )
    accepted: dict[str, str] = {}
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise UsageError(f"baseline {source}: accepted[{n}] has no 'fingerprint'")
        accepted[entry["fingerprint"]] = str(entry.get("reason", ""))
    return Baseline(source, accepted)


def write_baseline(
    path: Path | str, findings: Iterable[DriftFinding], previous: Baseline | None = None
) -> int:
    """Accept every finding given (keeping the reasons already written); return the count."""
    reasons = previous.accepted if previous else {}
    entries: list[dict[str, str]] = []
    for finding in findings:
        if any(e["fingerprint"] == finding.fingerprint for e in entries):
            continue
        entries.append(
            {
                "fingerprint": finding.fingerprint,
                "severity": finding.severity,
                "message": finding.message,
                "reason": reasons.get(finding.fingerprint, "accepted: explain why here"),
            }
        )
    document = {"format": BASELINE_FORMAT, "accepted": entries}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries)


def sort_findings(findings: Iterable[DriftFinding]) -> list[DriftFinding]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (order[f.severity], f.rule, f.file, f.line, f.key))


def unique(findings: Iterable[DriftFinding]) -> Iterator[DriftFinding]:
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        mark = (finding.fingerprint, finding.line, finding.message)
        if mark not in seen:
            seen.add(mark)
            yield finding
