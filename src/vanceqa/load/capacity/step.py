"""One step of the search: its numbers, its SLO verdict, and whether the generator was the limit.

A step's numbers are the difference between two snapshots of the run's cumulative
totals, taken when nothing was in flight (the driver waits for that), so they hold
exactly the requests the step scheduled, wherever and whenever they were answered.
Its throughput is read from the per-second series over the whole seconds it offered.

A step *holds* when every SLO threshold holds on it (latencies corrected for coordinated
omission) and it completed at least ACHIEVED_SHARE of the requests it offered. A step
that broke was the *generator's* limit, not the server's, when a generator process had
no idle moment (its loop running or waiting for a CPU: on a shared machine a starved
generator uses little CPU yet cannot keep up), its event loop lagged, or nothing the
server did broke a threshold (its own latencies, errors and 429s held) while requests
left late, were dropped or were never sent.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from hdrh.histogram import HdrHistogram

from vanceqa.load import hdr
from vanceqa.load.metrics import OVERALL, Aggregate
from vanceqa.load.slo import SLO, Threshold, measure

ACHIEVED_SHARE = 0.9  # a step that completed less of what it offered broke
ACHIEVED_SLACK = 2  # requests: whole-second counting at low rates
# A break this far beyond a limit is no noise: the search needs no recheck of it (for
# latency, only when the median breaks the limit too: a tail alone may be a machine's stall).
DECISIVE_FACTOR = 3.0  # x an upper limit (latency also on the raw figure)
DECISIVE_ACHIEVED = 0.8  # of the offered rate
_LIMIT_FLOOR = {"ms": 1.0, "ratio": 0.001, "count": 1.0}
BUSY_LIMIT = 0.9  # of the wall clock (or of one core), for any generator process
LAG_SHARE = 0.25  # of the tightest latency limit: a loop lag that size spoils the timing
LAG_FLOOR_MS = 10.0
LAG_DEFAULT_MS = 50.0  # without latency thresholds
_COUNTS = ("requests", "failures", "throttled", "dropped", "unanswered", "cut_off", "refused")
SERVER_METRICS = ("error_rate", "throttled_rate", "failures", "errors", "throttled")

Probe = Mapping[
    str, Any
]  # one generator snapshot: at, cpu_s, scheduled, dropped, finished, lags_ms


# -- cumulative snapshots and their difference ----------------------------------------------


@dataclass
class _Op:
    counts: dict[str, int]
    reasons: Counter[str]
    refusals: Counter[str]
    raw: HdrHistogram
    corrected: HdrHistogram


@dataclass
class Snapshot:
    """The run's cumulative totals per operation at one moment."""

    ops: dict[str, _Op] = field(default_factory=dict)


def take(aggregate: Aggregate) -> Snapshot:
    snap = Snapshot()
    for name in aggregate.names():
        totals = aggregate.totals(name)
        if totals is None:
            continue
        raw, corrected = hdr.new_histogram(), hdr.new_histogram()
        raw.add(totals.raw)
        corrected.add(totals.corrected)
        snap.ops[name] = _Op(
            {key: int(getattr(totals, key)) for key in _COUNTS},
            Counter(totals.reasons),
            Counter(totals.refusals),
            raw,
            corrected,
        )
    return snap


def _difference(now: HdrHistogram, before: HdrHistogram | None) -> HdrHistogram:
    result = hdr.new_histogram()
    if before is None or not hdr.total(before):
        result.add(now)
        return result
    current, earlier = now.counts[:], before.counts[:]
    for index in compress(range(len(current)), current):
        count = current[index] - earlier[index]
        if count > 0:
            result.record_value(now.get_value_from_index(index), count)
    return result


def between(
    before: Snapshot, now: Snapshot, order: Sequence[str], corrected: bool = True
) -> Aggregate:
    """An Aggregate of what happened between two snapshots (raw latencies only, unless
    `corrected`: for judging latency thresholds on what the server itself took)."""
    ops: dict[str, Any] = {}
    for name, op in now.ops.items():
        old = before.ops.get(name)
        counts = {k: v - (old.counts[k] if old else 0) for k, v in op.counts.items()}
        if not any(counts.values()):
            continue
        raw = _difference(op.raw, old.raw if old else None)
        fixed = _difference(op.corrected, old.corrected if old else None)
        ops[name] = {
            **counts,
            "reasons": dict(op.reasons - old.reasons) if old else dict(op.reasons),
            "refusals": dict(op.refusals - old.refusals) if old else dict(op.refusals),
            "raw": hdr.encode(raw) if hdr.total(raw) else None,
            "corrected": hdr.encode(fixed) if corrected and hdr.total(fixed) else None,
        }
    aggregate = Aggregate(order)
    aggregate.add({"ops": ops, "seconds": [], "window": None})
    return aggregate


# -- throughput and the generator ---------------------------------------------------------


def completed(aggregate: Aggregate, start: float, end: float) -> tuple[int, int]:
    """(requests completed, whole seconds) within [start, end), from the per-second series."""
    first, last = math.ceil(start), math.floor(end)
    if last <= first:
        return 0, 0
    count = sum(slot[0] for (key, _), slot in aggregate.seconds.items() if first <= key < last)
    return count, last - first


def in_flight(probe: Probe) -> int:
    """Requests a generator process scheduled and has not finished (queued or sent)."""
    return int(probe["scheduled"]) - int(probe["dropped"]) - int(probe["finished"])


def _share(first: Probe, last: Probe, key: str) -> float | None:
    if first.get(key) is None or last.get(key) is None or last["at"] <= first["at"]:
        return None
    spent = float(last[key]) - float(first[key])
    return round(spent / (float(last["at"]) - float(first["at"])), 3)


def generator_numbers(
    timelines: Mapping[str, Sequence[Probe]], start: float, end: float
) -> dict[str, Any]:
    """Per process over [start, end]: CPU (share of one core), busy (share of the time its
    loop was running or waiting for a CPU), and the event loop's lag."""
    processes = []
    lags: list[float] = []
    for name, probes in sorted(timelines.items()):
        inside = [p for p in probes if start - 0.5 <= p["at"] <= end + 0.5]
        if len(inside) < 2:  # reports are sparse (workers: every 3 s): widen to bracket it
            before = [p for p in probes if p["at"] <= start]
            after = [p for p in probes if p["at"] >= end]
            inside = before[-1:] + [p for p in probes if start < p["at"] < end] + after[:1]
        first, last = (inside[0], inside[-1]) if inside else ({}, {})
        processes.append(
            {
                "name": name,
                "cpu": _share(first, last, "cpu_s") if inside else None,
                "busy": _share(first, last, "busy_s") if inside else None,
            }
        )
        lags += [float(x) for p in probes if start < p["at"] <= end + 1.0 for x in p["lags_ms"]]
    lags.sort()
    cpus = [p["cpu"] for p in processes if p["cpu"] is not None]
    busy = [p["busy"] for p in processes if p["busy"] is not None]

    def lag_at(share: float) -> float | None:
        return round(lags[min(len(lags) - 1, int(share * len(lags)))], 1) if lags else None

    return {
        "processes": processes,
        "cpu_max": max(cpus) if cpus else None,
        "busy_max": max(busy) if busy else None,
        "lag_p50_ms": lag_at(0.5),
        "lag_p95_ms": lag_at(0.95),
        "lag_max_ms": round(lags[-1], 1) if lags else None,
    }


def lag_limit_ms(slo: SLO | None) -> float:
    limits = [t.limit for t in _latency(slo)]
    return max(LAG_FLOOR_MS, LAG_SHARE * min(limits)) if limits else LAG_DEFAULT_MS


def pool_seconds(slo: SLO | None, request_timeout_s: float) -> float:
    """Seconds of arrivals the open model's user pool covers: 1.5 x the largest latency
    limit at or below p99 (Little's law: enough users while the SLO holds)."""
    limits = [t.limit for t in _latency(slo) if (t.percentile or 50.0) <= 99.0]
    limits = limits or [t.limit for t in _latency(slo)]
    seconds = 1.5 * max(limits) / 1000.0 if limits else 0.5
    return min(max(seconds, 0.1), request_timeout_s)


def _latency(slo: SLO | None) -> list[Threshold]:
    return [t for t in (slo.thresholds if slo else ()) if t.unit == "ms"]


# -- judging --------------------------------------------------------------------------------


def _judged(threshold: Threshold) -> bool:
    """Floors on throughput and counts speak of a whole run, not of one step."""
    return not (
        threshold.unit == "rps" or (threshold.unit == "count" and threshold.op in (">", ">="))
    )


@dataclass(frozen=True)
class StepVerdict:
    held: bool
    generator: bool
    decisive: bool  # broke far beyond a limit: not noise
    thresholds: list[dict[str, Any]]
    broken: list[str]
    why_generator: list[str]


def judge(
    *,
    slo: SLO | None,
    step: Aggregate,
    raw: Aggregate,
    offered: float,
    completed_count: int,
    seconds: int,
    generator: Mapping[str, Any],
    pool: int,
) -> StepVerdict:
    """Every threshold on the step (and on raw latencies), the throughput, the generator."""
    rows: list[dict[str, Any]] = []
    server_broke = decisive = False
    for threshold in slo.thresholds if slo else ():
        row: dict[str, Any] = {
            "scope": threshold.scope,
            "expression": threshold.expression,
            "metric": threshold.metric,
            "unit": threshold.unit,
            "limit": threshold.limit,
            "measured": None,
            "measured_raw": None,
            "passed": None,
            "note": None,
        }
        if not _judged(threshold):
            row["note"] = "not judged per step: it speaks of a whole run"
            rows.append(row)
            continue
        value = measure(step, threshold, float(seconds or 1))
        if value is None or math.isnan(value):
            row.update(passed=False, note="nothing measured")
            server_broke = decisive = True  # no traffic of that scope: no noise's doing
            rows.append(row)
            continue
        row.update(measured=value, passed=threshold.holds(value))
        beyond = not row["passed"] and _far_beyond(threshold, value)
        if beyond and threshold.unit == "ms" and not _median_broken(step, threshold, seconds):
            # Only the tail broke, however far: a stall of a busy machine looks just so,
            # while a server past its capacity slows most answers. Rechecked, not decisive.
            beyond = False
        if threshold.unit == "ms":
            raw_value = measure(raw, threshold, float(seconds or 1))
            row["measured_raw"] = raw_value
            if raw_value is not None and not threshold.holds(raw_value):
                server_broke = True
            beyond = beyond and raw_value is not None and _far_beyond(threshold, raw_value)
        elif not row["passed"] and threshold.metric in SERVER_METRICS:
            server_broke = True
        decisive = decisive or beyond
        rows.append(row)
    expected = offered * seconds
    share = completed_count / expected if expected else None
    achieved_ok = (
        completed_count >= ACHIEVED_SHARE * expected - ACHIEVED_SLACK if seconds > 0 else None
    )
    rows.append(
        {
            "scope": OVERALL,
            "expression": f"achieved >= {ACHIEVED_SHARE:.0%} of offered",
            "metric": "achieved_share",
            "unit": "ratio",
            "limit": ACHIEVED_SHARE,
            "measured": None if share is None else round(share, 4),
            "measured_raw": None,
            "passed": achieved_ok,
            "note": None if seconds else "no whole second to measure",
        }
    )
    broken = [r["expression"] for r in rows if r["passed"] is False]
    held = not broken
    decisive = decisive or (share is not None and share < DECISIVE_ACHIEVED)
    why = [] if held else _generator_reasons(slo, raw, generator, offered, pool, server_broke)
    return StepVerdict(held, bool(why), not held and decisive, rows, broken, why)


def _median_broken(step: Aggregate, threshold: Threshold, seconds: float) -> bool:
    """Whether the median of the threshold's scope breaks its limit too."""
    median = dataclasses.replace(threshold, metric="med", percentile=50.0)
    value = measure(step, median, float(seconds or 1))
    return value is not None and not threshold.holds(value)


def _far_beyond(threshold: Threshold, value: float) -> bool:
    """An upper limit broken DECISIVE_FACTOR times over (floors never are: not judged)."""
    if threshold.op not in ("<", "<=", "=="):
        return False
    return value >= DECISIVE_FACTOR * max(threshold.limit, _LIMIT_FLOOR.get(threshold.unit, 0.0))


def _generator_reasons(
    slo: SLO | None,
    raw: Aggregate,
    generator: Mapping[str, Any],
    offered: float,
    pool: int,
    server_broke: bool,
) -> list[str]:
    why = []
    for key, what in (("busy", "was busy {:.0%} of the time (running or waiting for a CPU)"),
                      ("cpu", "used {:.0%} of a core")):  # fmt: skip
        share = generator.get(f"{key}_max")
        if share is not None and share >= BUSY_LIMIT:
            busiest = max(generator["processes"], key=lambda p: p[key] or 0.0)
            why.append(f"generator process {busiest['name']} " + what.format(share))
            break
    lag, limit = generator.get("lag_p50_ms"), lag_limit_ms(slo)
    if lag is not None and lag >= limit:
        why.append(
            f"the generator's event loop ran {lag:g} ms late (median; {limit:g} ms spoils it)"
        )
    if not server_broke:
        overall = raw.totals(OVERALL)
        mean_s = hdr.mean_us(overall.raw) / 1e6 if overall and hdr.total(overall.raw) else 0.0
        if _latency(slo) or offered * mean_s <= 0.5 * pool:
            why.append(
                "the server kept every threshold on what it was sent (its own latencies, "
                "errors and 429s held): requests left the generator late or not at all"
            )
    return why
