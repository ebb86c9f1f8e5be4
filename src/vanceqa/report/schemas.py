"""JSON Schemas of the result files (docs/result-files.md), as far as the report relies on them.

Producers may add fields (every object stays open); what is listed here is what the page
reads, so a file that passes cannot crash the page, and one that fails gets a message
naming the field.
"""

from __future__ import annotations

from typing import Any

_NUM = {"type": ["number", "null"]}
_STR = {"type": ["string", "null"]}
_COUNT = {"type": "integer", "minimum": 0}

_TARGET = {
    "type": "object",
    "properties": {
        "base_url": _STR,
        "mock": {"type": ["boolean", "null"]},
        "insecure": {"type": ["boolean", "null"]},
    },
}
_VERSIONS = {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]}}
_COMMON = {
    "target": _TARGET,
    "started_at": _STR,
    "duration_s": _NUM,
    "seed": {"type": ["integer", "string", "null"]},
    "versions": _VERSIONS,
}

_FAILURE = {
    "type": ["object", "null"],
    "properties": {
        "behaviour": _STR,
        "docs_quote": _STR,
        "message": _STR,
        "curl": _STR,
        "status": {"type": ["integer", "null"]},
        "body_excerpt": _STR,
    },
}

CONFORMANCE: dict[str, Any] = {
    "type": "object",
    "required": ["format", "results"],
    "properties": {
        **_COMMON,
        "format": {"type": "string", "pattern": "^vanceqa\\.conformance/1$"},
        "aborted": _STR,
        "summary": {
            "type": "object",
            "properties": {
                **{k: _COUNT for k in ("passed", "failed", "skipped", "warnings", "requests")},
                "levels": {
                    "type": "object",
                    "properties": {"failure": _COUNT, "warning": _COUNT},
                },
                "strict": {"type": "boolean"},
            },
        },
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["operation", "check", "outcome"],
                "properties": {
                    "operation": {"type": "string"},
                    "check": {"type": "string"},
                    "nodeid": _STR,
                    "outcome": {"enum": ["passed", "failed", "skipped", "warning"]},
                    "level": {"enum": ["failure", "warning"]},
                    "reason": _STR,
                    "duration_s": _NUM,
                    "failure": _FAILURE,
                },
            },
        },
    },
}

_LATENCY = {"type": ["object", "null"], "additionalProperties": _NUM}
_SPECTRUM = {
    "type": ["array", "null"],
    "items": {"type": "array", "minItems": 2, "items": {"type": "number"}},
}
_OPERATION_STATS = {
    "type": "object",
    "required": ["requests", "latency_ms"],
    "properties": {
        "requests": _COUNT,
        "failures": _COUNT,
        "failures_by_reason": {"type": "object", "additionalProperties": _COUNT},
        "throttled": _COUNT,
        "dropped": _COUNT,
        "rps": _NUM,
        "latency_ms": _LATENCY,
        "latency_corrected_ms": _LATENCY,
        "spectrum": _SPECTRUM,
        "spectrum_corrected": _SPECTRUM,
    },
}

LOAD: dict[str, Any] = {
    "type": "object",
    "required": ["format", "operations"],
    "properties": {
        **_COMMON,
        "format": {"type": "string", "pattern": "^vanceqa\\.load/1$"},
        "shape": {"type": ["object", "null"]},
        "workers": {"type": ["integer", "null"]},
        "operations": {"type": "object", "additionalProperties": _OPERATION_STATS},
        "overall": {"anyOf": [_OPERATION_STATS, {"type": "null"}]},
        "timeseries": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["t"],
                "properties": {
                    k: _NUM for k in ("t", "rps", "p50", "p95", "p99", "errors", "throttled")
                },
            },
        },
        "slo": {
            "type": ["object", "null"],
            "properties": {
                "passed": {"type": ["boolean", "null"]},
                "file": _STR,
                "thresholds": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["expression", "passed"],
                        "properties": {
                            "scope": _STR,
                            "expression": {"type": "string"},
                            "metric": _STR,
                            "measured": _NUM,
                            "unit": _STR,
                            "passed": {"type": ["boolean", "null"]},
                        },
                    },
                },
            },
        },
        "aborted": _STR,
        "exit_code": {"type": ["integer", "null"]},
    },
}

DOCS: dict[str, Any] = {
    "type": "object",
    "required": ["format"],
    "properties": {
        "format": {"type": "string", "pattern": "^vanceqa\\.docs/1$"},
        "page": _STR,
        "drift": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "id": _STR,
                    "severity": _STR,
                    "file": _STR,
                    "line": {"type": ["integer", "null"]},
                    "message": {"type": "string"},
                    "baselined": {"type": ["boolean", "null"]},
                },
            },
        },
        "examples": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["outcome"],
                "properties": {
                    "endpoint": _STR,
                    "language": _STR,
                    "outcome": {"enum": ["passed", "failed", "skipped", "warning"]},
                    "level": {"enum": ["failure", "warning"]},
                    "status": {"type": ["integer", "null"]},
                    "message": _STR,
                },
            },
        },
    },
}

RUN: dict[str, Any] = {
    "type": "object",
    "required": ["format", "phases"],
    "properties": {
        **_COMMON,
        "format": {"type": "string", "pattern": "^vanceqa\\.run/1$"},
        "phases": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "command": _STR,
                    "exit_code": {"type": ["integer", "null"]},
                    "duration_s": _NUM,
                    "result": _STR,
                    "log": _STR,
                    "note": _STR,
                },
            },
        },
        "exit_code": {"type": ["integer", "null"]},
    },
}

HISTORY: dict[str, Any] = {
    "type": "object",
    "required": ["format", "started_at", "verdict"],
    "properties": {
        "format": {"type": "string", "pattern": "^vanceqa\\.history/1$"},
        "started_at": {"type": "string"},
        "verdict": {"type": "string"},
        "target": _TARGET,
        # + one record per section that keeps one (history.py adds them from sections.py)
    },
}
