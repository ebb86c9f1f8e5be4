"""Counting what a load test did: per process (`Collector`) and merged (`Aggregate`).

Each locust process records into a `Collector` and hands the master a *delta* (what
happened since the last one) every few seconds and once more at the end; the master
adds every delta into one `Aggregate`. A run without workers does the same in one
process, so both paths are the same code. Deltas are plain dicts of str, int, float and
bytes (msgpack-safe: they travel in locust's `report_to_master` messages).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from vanceqa.load import hdr

Delta = dict[str, Any]
OVERALL = "overall"


@dataclass(slots=True)
class _Counts:
    requests: int = 0
    failures: int = 0
    throttled: int = 0
    dropped: int = 0
    unanswered: int = 0  # failures with no HTTP answer at all (deadline, reset, TLS)
    cut_off: int = 0  # in flight when the run ended: not requests, not failures
    refused: int = 0  # never sent: the DELETE guard stopped them (not requests)
    reasons: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    raw: hdr.SampleBuffer = field(default_factory=hdr.SampleBuffer)
    corrected: hdr.SampleBuffer = field(default_factory=hdr.SampleBuffer)


class Collector:
    """What one locust process measured since its last delta."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.ops: dict[str, _Counts] = {}
        self.seconds: dict[tuple[int, str], _Counts] = {}  # (second, operation)
        # The buckets of the latest second, by operation: the hot path's usual hit
        # without building a (second, operation) key.
        self._second_key = -1
        self._current: dict[str, _Counts] = {}
        self.window: list[float] | None = None  # [first start, last end] of the load
        self.sent: Counter[str] = Counter()  # cumulative totals handed on, for the log
        self.last_answer: float | None = None  # when the target last answered at all

    # -- the hot path ------------------------------------------------------------------
    def record(
        self,
        operation: str,
        latency_us: int,
        corrected_us: int | None,
        failure: str | None,
        throttled: bool,
        now: float,
        answered: bool = True,
    ) -> None:
        """One completed request: latency from its send and, if scheduled, from its slot.

        `answered`: the target sent an HTTP answer (a failure may still be one)."""
        counts = self.ops.get(operation)
        if counts is None:
            counts = self.ops[operation] = _Counts()
        key = int(now)
        second = (
            self._current.get(operation) if key == self._second_key else None
        ) or self._second_at(key, operation)
        counts.requests += 1
        second.requests += 1
        counts.raw.samples.append(latency_us)
        second.raw.samples.append(latency_us)
        if corrected_us is not None:
            counts.corrected.samples.append(corrected_us)
            second.corrected.samples.append(corrected_us)
        if answered:
            self.last_answer = now
        else:
            counts.unanswered += 1
        if failure is not None:
            counts.failures += 1
            counts.reasons[failure] += 1
            second.failures += 1
        elif throttled:
            counts.throttled += 1
            second.throttled += 1

    def cut(self, operation: str) -> None:
        """A request still waiting for its answer when the run stopped its user."""
        counts = self.ops.get(operation)
        if counts is None:
            counts = self.ops[operation] = _Counts()
        counts.cut_off += 1

    def refuse(self, operation: str, reason: str) -> None:
        """A request the DELETE guard kept from leaving the process."""
        counts = self.ops.get(operation)
        if counts is None:
            counts = self.ops[operation] = _Counts()
        counts.refused += 1
        counts.refusals[reason] += 1

    def drop(self, operation: str, scheduled: float, count: int = 1) -> None:
        """A scheduled request that never started (no user free in time)."""
        counts = self.ops.get(operation)
        if counts is None:
            counts = self.ops[operation] = _Counts()
        counts.dropped += count
        self._second_at(int(scheduled), operation).dropped += count

    def _second_at(self, key: int, operation: str) -> _Counts:
        second = self.seconds.get((key, operation))
        if second is None:
            second = self.seconds[key, operation] = _Counts()
        if key > self._second_key:
            self._second_key, self._current = key, {operation: second}
        elif key == self._second_key:
            self._current[operation] = second
        return second

    def open_window(self, start: float) -> None:
        if self.window is None:
            self.window = [start, start]
        else:
            self.window[0] = min(self.window[0], start)

    def close_window(self, end: float) -> None:
        if self.window is not None:
            self.window[1] = max(self.window[1], end)

    # -- hand-over -----------------------------------------------------------------------
    def delta(self, final: bool = False) -> Delta:
        """Everything since the last delta; seconds still running stay unless `final`."""
        ops: dict[str, Any] = {}
        for name, counts in self.ops.items():
            if not (counts.requests or counts.dropped or counts.refused or counts.cut_off):
                continue
            ops[name] = {
                "requests": counts.requests,
                "failures": counts.failures,
                "throttled": counts.throttled,
                "dropped": counts.dropped,
                "unanswered": counts.unanswered,
                "cut_off": counts.cut_off,
                "refused": counts.refused,
                "reasons": dict(counts.reasons),
                "refusals": dict(counts.refusals),
                "raw": _encoded(counts.raw),
                "corrected": _encoded(counts.corrected),
            }
            self.sent.update(
                requests=counts.requests,
                failures=counts.failures,
                throttled=counts.throttled,
                dropped=counts.dropped,
            )
            self.ops[name] = _Counts()
        seconds = []
        current = int(self.clock())
        for key, operation in sorted(self.seconds):
            if key >= current and not final:
                continue
            second = self.seconds.pop((key, operation))
            seconds.append(
                [
                    key,
                    operation,
                    second.requests,
                    second.failures,
                    second.throttled,
                    second.dropped,
                    _encoded(second.raw),
                    _encoded(second.corrected),
                ]
            )
        if final or self._second_key < current:  # the cached buckets were just sent
            self._second_key, self._current = -1, {}
        window = list(self.window) if self.window is not None else None
        return {
            "ops": ops,
            "seconds": seconds,
            "window": window,
            "final": final,
            "last_answer": self.last_answer,
        }


def _encoded(buffer: hdr.SampleBuffer) -> bytes | None:
    return hdr.encode(buffer.histogram()) if len(buffer) else None


@dataclass
class _Totals:
    requests: int = 0
    failures: int = 0
    throttled: int = 0
    dropped: int = 0
    unanswered: int = 0
    cut_off: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    raw: HdrHistogram = field(default_factory=hdr.new_histogram)
    corrected: HdrHistogram = field(default_factory=hdr.new_histogram)

    def add(self, other: _Totals) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.throttled += other.throttled
        self.dropped += other.dropped
        self.unanswered += other.unanswered
        self.cut_off += other.cut_off
        self.refused += other.refused
        self.reasons.update(other.reasons)
        self.refusals.update(other.refusals)
        self.raw.add(other.raw)
        self.corrected.add(other.corrected)


class Aggregate:
    """Every delta of every process, merged: the numbers a report and the SLOs read."""

    def __init__(self, order: Iterable[str] = ()) -> None:
        self.order = tuple(order)  # operation ids in contract order, for stable output
        self.ops: dict[str, _Totals] = {}
        # (second, operation) -> [requests, failures, throttled, dropped, raws, correcteds]
        self.seconds: dict[tuple[int, str], list[Any]] = {}
        self.window: list[float] | None = None
        self.deltas = 0
        self.last_answer: float | None = None  # the latest answer of any process

    def add(self, delta: Delta) -> None:
        self.deltas += 1
        for name, part in delta.get("ops", {}).items():
            totals = self.ops.setdefault(name, _Totals())
            totals.requests += int(part["requests"])
            totals.failures += int(part["failures"])
            totals.throttled += int(part["throttled"])
            totals.dropped += int(part["dropped"])
            totals.unanswered += int(part.get("unanswered", 0))
            totals.cut_off += int(part.get("cut_off", 0))
            totals.refused += int(part.get("refused", 0))
            totals.reasons.update({str(k): int(v) for k, v in part["reasons"].items()})
            totals.refusals.update({str(k): int(v) for k, v in part.get("refusals", {}).items()})
            if part.get("raw"):
                hdr.merge(totals.raw, part["raw"])
            if part.get("corrected"):
                hdr.merge(totals.corrected, part["corrected"])
        for row in delta.get("seconds", []):
            key, operation, requests, failures, throttled, dropped, raw, corrected = row
            slot = self.seconds.setdefault((int(key), str(operation)), [0, 0, 0, 0, [], []])
            slot[0] += requests
            slot[1] += failures
            slot[2] += throttled
            slot[3] += dropped
            if raw:
                slot[4].append(raw)
            if corrected:
                slot[5].append(corrected)
        answered = delta.get("last_answer")
        if answered is not None:
            self.last_answer = max(self.last_answer or 0.0, float(answered))
        window = delta.get("window")
        if window:
            if self.window is None:
                self.window = [float(window[0]), float(window[1])]
            else:
                self.window[0] = min(self.window[0], float(window[0]))
                self.window[1] = max(self.window[1], float(window[1]))

    # -- reading -----------------------------------------------------------------------
    def names(self) -> list[str]:
        known = [n for n in self.order if n in self.ops]
        return known + sorted(n for n in self.ops if n not in self.order)

    def totals(self, scope: str) -> _Totals | None:
        """One operation's totals, or all operations merged for `overall`."""
        if scope != OVERALL:
            return self.ops.get(scope)
        merged = _Totals()
        for totals in self.ops.values():
            merged.add(totals)
        return merged

    @property
    def open_model(self) -> bool:
        return any(hdr.total(t.corrected) for t in self.ops.values()) or any(
            t.dropped for t in self.ops.values()
        )

    def duration_s(self, fallback: float | None = None) -> float:
        if self.window and self.window[1] > self.window[0]:
            return self.window[1] - self.window[0]
        return fallback or 0.0

    def entry(self, totals: _Totals, duration: float) -> dict[str, Any]:
        """One operation (or the overall line) as written to load.json."""
        requests = totals.requests
        open_model = self.open_model
        return {
            "requests": requests,
            "failures": totals.failures,
            "failures_by_reason": dict(totals.reasons.most_common()),
            "throttled": totals.throttled,
            "dropped": totals.dropped,
            "unanswered": totals.unanswered,
            "cut_off": totals.cut_off,
            "refused": totals.refused,
            "refused_by_reason": dict(totals.refusals.most_common()),
            "rps": round(requests / duration, 3) if duration > 0 else None,
            "error_rate": _ratio(totals.failures, requests),
            "throttled_rate": _ratio(totals.throttled, requests),
            "dropped_rate": _ratio(totals.dropped, requests + totals.dropped),
            "latency_ms": hdr.summary_ms(totals.raw),
            "latency_corrected_ms": hdr.summary_ms(totals.corrected) if open_model else None,
            "spectrum": hdr.spectrum_ms(totals.raw),
            "spectrum_corrected": hdr.spectrum_ms(totals.corrected) if open_model else None,
        }

    def timeseries(
        self,
        start: float | None = None,
        users: dict[int, int] | None = None,
        scope: str = OVERALL,
    ) -> list[dict[str, Any]]:
        """Per second since `start`: throughput, errors, merged percentiles and, when
        known, the running users. `scope` is one operation, or `overall` (every
        operation's bucket of each second merged). Every scope has a row for each second
        of the run, so the series line up (an operation's quiet second: rps 0, no p50)."""
        if not self.seconds:
            return []
        by_second: dict[int, list[list[Any]]] = {}
        for (key, operation), slot in self.seconds.items():
            parts = by_second.setdefault(key, [])
            if scope in (OVERALL, operation):
                parts.append(slot)
        origin = int(start) if start is not None else min(by_second)
        rows = []
        open_model = self.open_model
        for key in sorted(by_second):
            parts = by_second[key]
            raw = _merged([blob for part in parts for blob in part[4]])
            values = hdr.percentiles_ms(raw, (50.0, 95.0, 99.0))
            row: dict[str, Any] = {
                "t": key - origin,
                "rps": sum(part[0] for part in parts),
                "p50": values.get(50.0),
                "p95": values.get(95.0),
                "p99": values.get(99.0),
                "errors": sum(part[1] for part in parts),
                "throttled": sum(part[2] for part in parts),
                "dropped": sum(part[3] for part in parts),
            }
            if users and key in users:
                row["users"] = users[key]
            if open_model:
                correcteds = [blob for part in parts for blob in part[5]]
                corrected = hdr.percentiles_ms(_merged(correcteds), (99.0,))
                row["p99_corrected"] = corrected.get(99.0)
            rows.append(row)
        return rows


def _merged(blobs: list[bytes]) -> HdrHistogram:
    histogram = hdr.new_histogram()
    for blob in blobs:
        hdr.merge(histogram, blob)
    return histogram


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None
