"""SLO gates: thresholds in k6's syntax, read from a TOML file, judged on merged numbers.

    [overall]
    thresholds = ["p(95) < 250ms", "error_rate < 1%", "rps >= 200"]
    abort_on_fail = false
    [operations.getKitten]            # operation ids from fixtures/openapi.yaml
    thresholds = ["p(99.9) < 1s", {threshold = "dropped == 0", abort_on_fail = true}]

Latency metrics (`p(N)`, `avg`, `med`, `min`, `max`) read the coordinated-omission
corrected histogram in open-model runs and the measured one otherwise. A threshold with
nothing to measure (no requests) fails: a skipped gate is never a pass.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vanceqa.errors import UsageError
from vanceqa.load import hdr
from vanceqa.load.metrics import OVERALL, Aggregate
from vanceqa.units import parse_duration

EXIT_SLO_BREACH = 4

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_EXPRESSION = re.compile(
    r"^\s*(?P<metric>p\(\s*(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*\)|[a-z_][a-z_0-9]*)\s*"
    r"(?P<op><=|>=|==|!=|<|>)\s*(?P<value>[0-9]*\.?[0-9]+)\s*(?P<unit>[a-z%/]*)\s*$",
    re.ASCII,
)
LATENCY = {"avg", "mean", "med", "min", "max"}
RATIOS = {"error_rate", "throttled_rate", "dropped_rate"}
COUNTS = {"requests", "failures", "errors", "throttled", "dropped"}
THROUGHPUT = {"rps"}
METRICS = sorted(LATENCY | RATIOS | COUNTS | THROUGHPUT | {"p(N)"})


@dataclass(frozen=True)
class Threshold:
    scope: str  # "overall" or an operation id
    expression: str
    metric: str  # "p(95)", "error_rate", ...
    percentile: float | None
    op: str
    limit: float  # in the metric's unit: ms, fraction, count, requests/s
    unit: str  # "ms", "ratio", "count", "rps"
    abort_on_fail: bool

    def holds(self, measured: float) -> bool:
        return _OPS[self.op](measured, self.limit)

    @property
    def abortable(self) -> bool:
        """Whether a breach mid-run can abort it: not for floors on throughput or counts,
        which every run starts below."""
        if not self.abort_on_fail or self.unit == "rps":
            return False
        return not (self.unit == "count" and self.op in (">", ">="))


@dataclass(frozen=True)
class SLO:
    source: str
    thresholds: tuple[Threshold, ...]
    abort_delay_s: float = 10.0

    @property
    def aborts(self) -> bool:
        return any(t.abortable for t in self.thresholds)


def parse_threshold(text: str, scope: str = OVERALL, abort_on_fail: bool = False) -> Threshold:
    match = _EXPRESSION.match(text)
    if not match:
        raise UsageError(
            f"SLO threshold {text!r} is not METRIC OP VALUE, e.g. 'p(95) < 250ms' "
            f"(metrics: {', '.join(METRICS)})"
        )
    metric, op, unit = match["metric"], match["op"], match["unit"]
    value = float(match["value"])
    percentile = float(match["pct"]) if match["pct"] is not None else None
    if percentile is not None:
        if not 0 < percentile <= 100:
            raise UsageError(f"SLO threshold {text!r}: a percentile lies in (0, 100]")
        metric = f"p({percentile:g})"
    if percentile is not None or metric in LATENCY:
        if unit in ("", "us", "ms", "s", "m"):
            limit, kind = parse_duration(f"{value}{unit or 'ms'}") * 1000.0, "ms"
        else:
            raise UsageError(f"SLO threshold {text!r}: a latency takes us, ms, s or m")
    elif metric in RATIOS:
        if unit == "%":
            limit, kind = value / 100.0, "ratio"
        elif unit == "":
            limit, kind = value, "ratio"
        else:
            raise UsageError(f"SLO threshold {text!r}: a rate takes % or a fraction")
    elif metric in COUNTS:
        if unit:
            raise UsageError(f"SLO threshold {text!r}: a count takes no unit")
        limit, kind = value, "count"
    elif metric in THROUGHPUT:
        if unit not in ("", "/s"):
            raise UsageError(f"SLO threshold {text!r}: rps takes requests per second")
        limit, kind = value, "rps"
    else:
        hint = f"; write p({metric[1:]})" if re.fullmatch(r"p[0-9.]+", metric) else ""
        known = ", ".join(METRICS)
        raise UsageError(f"SLO threshold {text!r}: no metric {metric!r} (known: {known}){hint}")
    if kind == "ratio" and limit > 1:
        raise UsageError(f"SLO threshold {text!r}: a rate lies between 0 and 100%")
    return Threshold(scope, text.strip(), metric, percentile, op, limit, kind, abort_on_fail)


def load_slo(path: str | Path, operations: Iterable[str]) -> SLO:
    """Read and check an SLO file; unknown keys and operation ids are errors."""
    source = Path(path)
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"SLO file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read SLO file {source}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"SLO file {source} is not valid TOML: {exc}") from None
    return slo_from_document(document, str(source), operations)


def slo_from_document(document: dict[str, Any], source: str, operations: Iterable[str]) -> SLO:
    known = tuple(operations)
    unknown = set(document) - {"overall", "operations", "abort_delay"}
    if unknown:
        raise UsageError(
            f"SLO file {source}: unknown section(s) {', '.join(sorted(unknown))} "
            "(use [overall] and [operations.OPERATION_ID])"
        )
    thresholds: list[Threshold] = []
    sections: list[tuple[str, object]] = [(OVERALL, document.get("overall", {}))]
    ops = document.get("operations", {})
    if not isinstance(ops, dict):
        raise UsageError(f"SLO file {source}: [operations] must hold [operations.ID] tables")
    for name, section in ops.items():
        if name not in known:
            raise UsageError(
                f"SLO file {source}: no operation {name!r} in the contract "
                f"(known: {', '.join(known)})"
            )
        sections.append((name, section))
    for scope, section in sections:
        thresholds += _section(source, scope, section)
    delay = document.get("abort_delay", "10s")
    return SLO(source, tuple(thresholds), parse_duration(str(delay), what="abort_delay"))


def _section(source: str, scope: str, section: object) -> list[Threshold]:
    where = f"SLO file {source} [{scope if scope == OVERALL else 'operations.' + scope}]"
    if not isinstance(section, dict):
        raise UsageError(f"{where} must be a table")
    unknown = set(section) - {"thresholds", "abort_on_fail"}
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    abort = section.get("abort_on_fail", False)
    if not isinstance(abort, bool):
        raise UsageError(f"{where}: abort_on_fail must be true or false")
    items = section.get("thresholds", [])
    if not isinstance(items, list):
        raise UsageError(f"{where}: thresholds must be a list of strings")
    result = []
    for item in items:
        if isinstance(item, str):
            result.append(parse_threshold(item, scope, abort))
        elif isinstance(item, dict) and isinstance(item.get("threshold"), str):
            extra = set(item) - {"threshold", "abort_on_fail"}
            own = item.get("abort_on_fail", abort)
            if extra or not isinstance(own, bool):
                raise UsageError(f"{where}: a threshold table holds threshold and abort_on_fail")
            result.append(parse_threshold(item["threshold"], scope, own))
        else:
            raise UsageError(f"{where}: each threshold is a string like 'p(95) < 250ms'")
    return result


# -- judging ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    threshold: Threshold
    measured: float | None
    passed: bool
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        t = self.threshold
        return {
            "scope": t.scope,
            "expression": t.expression,
            "metric": t.metric,
            "measured": self.measured,
            "unit": t.unit,
            "limit": t.limit,
            "passed": self.passed,
            "abort_on_fail": t.abort_on_fail,
            "note": self.note,
        }


def format_value(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:g}ms"
    if unit == "ratio":
        return f"{value * 100:.3g}%"
    if unit == "rps":
        return f"{value:.1f}/s"
    return f"{value:g}"


def measure(aggregate: Aggregate, threshold: Threshold, duration_s: float) -> float | None:
    """The value a threshold speaks of, or None when there is nothing to measure."""
    totals = aggregate.totals(threshold.scope)
    if totals is None:
        return None
    metric = threshold.metric
    if metric in COUNTS:
        return float(
            {
                "requests": totals.requests,
                "failures": totals.failures,
                "errors": totals.failures,
                "throttled": totals.throttled,
                "dropped": totals.dropped,
            }[metric]
        )
    if metric == "dropped_rate":
        offered = totals.requests + totals.dropped
        return totals.dropped / offered if offered else None
    if not totals.requests:
        return None
    if metric == "error_rate":
        return totals.failures / totals.requests
    if metric == "throttled_rate":
        return totals.throttled / totals.requests
    if metric == "rps":
        return totals.requests / duration_s if duration_s > 0 else None
    histogram = totals.corrected if hdr.total(totals.corrected) else totals.raw
    if not hdr.total(histogram):
        return None
    if metric in ("avg", "mean"):
        return round(hdr.mean_us(histogram) / 1000.0, 3)
    if metric == "min":
        return round(float(histogram.get_min_value()) / 1000.0, 3)
    if metric == "max":
        return round(float(histogram.get_max_value()) / 1000.0, 3)
    pct = 50.0 if metric == "med" else threshold.percentile
    assert pct is not None
    return hdr.percentiles_ms(histogram, (pct,))[pct]


def evaluate(
    slo: SLO, aggregate: Aggregate, duration_s: float, only_abortable: bool = False
) -> list[Verdict]:
    verdicts = []
    for threshold in slo.thresholds:
        if only_abortable and not threshold.abortable:
            continue
        value = measure(aggregate, threshold, duration_s)
        if value is None or math.isnan(value):
            verdicts.append(Verdict(threshold, None, False, "nothing measured"))
        else:
            verdicts.append(Verdict(threshold, value, threshold.holds(value)))
    return verdicts
