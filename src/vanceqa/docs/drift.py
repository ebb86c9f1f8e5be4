"""Run every drift rule over a page (and a contract), apply the baseline, sum up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vanceqa.contract import Contract
from vanceqa.docs import drift_contract, drift_self, drift_tabs  # noqa: F401  (registers rules)
from vanceqa.docs.findings import RULES, Baseline, DriftFinding, sort_findings, unique
from vanceqa.docs.model import DocsPage


@dataclass
class DriftReport:
    page: DocsPage
    findings: list[DriftFinding]
    contract: str | None = None
    baseline: str | None = None
    stale_baseline: list[str] = field(default_factory=list)

    def count(self, severity: str, *, new_only: bool = False) -> int:
        return sum(
            1 for f in self.findings if f.severity == severity and not (new_only and f.baselined)
        )

    @property
    def gating(self) -> list[DriftFinding]:
        """Errors not accepted by the baseline: these fail the run."""
        return [f for f in self.findings if f.severity == "error" and not f.baselined]

    @property
    def exit_code(self) -> int:
        return 1 if self.gating else 0

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.findings]


def find_drift(
    page: DocsPage, contract: Contract | None = None, baseline: Baseline | None = None
) -> DriftReport:
    """All findings of the docs against themselves, and against `contract` if given."""
    found: list[DriftFinding] = []
    for rule in RULES.values():
        if rule.scope == "docs":
            found.extend(rule.check(rule, page))
        elif contract is not None:
            found.extend(rule.check(rule, page, contract))
    findings = sort_findings(unique(found))
    stale: list[str] = []
    if baseline is not None:
        findings, stale = baseline.apply(findings)
    return DriftReport(
        page=page,
        findings=findings,
        contract=str(contract.source) if contract is not None and contract.source else None,
        baseline=str(baseline.path) if baseline is not None and baseline.path else None,
        stale_baseline=stale,
    )
