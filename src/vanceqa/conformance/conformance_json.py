"""conformance.json: one record per test (operation, check, outcome, failure details).

The format is `vanceqa.conformance/1` (docs/result-files.md). Every text that could
carry a token goes through `redact_text` before it is written.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from vanceqa.conformance.registry import FAILURE, WARNING, Level, level_of
from vanceqa.errors import Finding
from vanceqa.redact import redact_text

FORMAT = "vanceqa.conformance/1"
_MESSAGE_LIMIT = 4000


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def failure_record(exc: BaseException, secrets: tuple[str, ...]) -> dict[str, Any]:
    """What the JSON report says about a failure, from a Finding or any other error."""
    message = redact_text(str(exc), secrets)[:_MESSAGE_LIMIT]
    if isinstance(exc, Finding):
        return {
            "check": exc.check,
            "behaviour": exc.behaviour,
            "docs_quote": exc.docs_quote,
            "message": message,
            "curl": redact_text(exc.curl, secrets),
            "status": exc.status,
            "body_excerpt": redact_text(exc.body_excerpt, secrets),
        }
    return {
        "check": None,
        "behaviour": None,
        "docs_quote": None,
        "message": message or type(exc).__name__,
        "curl": None,
        "status": None,
        "body_excerpt": None,
    }


@dataclass
class ResultRecord:
    nodeid: str
    operation: str
    check: str
    outcome: str = "passed"
    reason: str | None = None
    duration_s: float = 0.0
    failure: dict[str, Any] | None = None

    @property
    def level(self) -> Level:
        return level_of(self.check)

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "check": self.check,
            "level": self.level,
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "reason": self.reason,
            "duration_s": round(self.duration_s, 4),
            "failure": self.failure,
        }


@dataclass
class ResultBook:
    """Records of one session, in run order."""

    records: dict[str, ResultRecord] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)

    def record(self, nodeid: str, operation: str, check: str) -> ResultRecord:
        if nodeid not in self.records:
            self.records[nodeid] = ResultRecord(nodeid, operation, check)
        return self.records[nodeid]

    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0, "warning": 0}
        for record in self.records.values():
            counts[record.outcome] += 1
        return counts

    def levels(self) -> dict[str, int]:
        """How many distinct checks ran (were not skipped) at each level."""
        ran = {r.check: r.level for r in self.records.values() if r.outcome != "skipped"}
        return {level: list(ran.values()).count(level) for level in (FAILURE, WARNING)}

    def document(
        self,
        *,
        base_url: str | None,
        mock: bool,
        seed: int | str | None,
        requests: int,
        throttled_retries: int,
        secrets: tuple[str, ...],
        aborted: str | None = None,
        strict: bool = False,
        insecure: bool = False,
        sources: dict[str, dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        counts = self.summary()
        summary: dict[str, Any] = {k: counts[k] for k in ("passed", "failed", "skipped")}
        summary["warnings"] = counts["warning"]
        summary["levels"] = self.levels()
        summary["strict"] = strict
        summary["requests"] = requests
        summary["throttled_retries"] = throttled_retries
        document: dict[str, Any] = {
            "format": FORMAT,
            "target": {
                "base_url": redact_text(base_url, secrets) if base_url else None,
                "mock": mock,
                "insecure": insecure,  # --insecure: TLS certificates were not verified
            },
            "started_at": self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(time.monotonic() - self.started, 3),
            "seed": seed,
            "versions": {
                "vanceqa": _version("vanceqa"),
                "python": platform.python_version(),
                "pytest": _version("pytest"),
                "schemathesis": _version("schemathesis"),
            },
            "summary": summary,
            "aborted": aborted,
            "sources": sources or {},
            "results": [r.as_json() for r in self.records.values()],
        }
        return document


def write_json(path: Path, document: dict[str, Any], secrets: tuple[str, ...]) -> None:
    """Write atomically; a last redaction pass guards against any token that slipped in."""
    text = redact_text(json.dumps(document, indent=2, ensure_ascii=False), secrets)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
