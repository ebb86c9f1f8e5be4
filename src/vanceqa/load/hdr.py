"""HDR histograms of latency: cheap to record under load, exact to 3 significant digits.

Values are whole microseconds from 1 us to one hour. `hdrh`'s own `record_value` costs
about a microsecond in pure Python, which a 10k req/s process cannot spare on every
response; a `SampleBuffer` appends the raw number instead and folds a batch into the
histogram with one `record_value(value, count)` per distinct value (~15x cheaper).
Histograms cross process boundaries in hdrh's compressed V2 encoding.
"""

from __future__ import annotations

from collections import Counter
from itertools import compress
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour: nothing a load test waits for is longer
SIGNIFICANT_FIGURES = 3
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
SPECTRUM = (50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0)
LATENCY_KEYS = ("min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max")


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)


class SampleBuffer:
    """Latencies (microseconds) waiting to be folded into a histogram."""

    __slots__ = ("samples",)

    def __init__(self) -> None:
        self.samples: list[int] = []

    def __len__(self) -> int:
        return len(self.samples)

    def drain_into(self, histogram: HdrHistogram) -> int:
        """Record every buffered sample into `histogram`; returns how many."""
        samples, self.samples = self.samples, []
        record = histogram.record_value
        for value, count in Counter(samples).items():
            record(min(max(value, 0), HIGHEST_US), count)
        return len(samples)

    def histogram(self) -> HdrHistogram:
        """A new histogram holding (and emptying) the buffer."""
        histogram = new_histogram()
        self.drain_into(histogram)
        return histogram


def encode(histogram: HdrHistogram) -> bytes:
    """The compressed, base64-wrapped V2 form (what `decode` and hdrh tools read)."""
    blob: bytes = histogram.encode()
    return blob


def decode(blob: bytes | str) -> HdrHistogram:
    histogram: HdrHistogram = HdrHistogram.decode(blob)
    return histogram


def merge(into: HdrHistogram, blob: bytes | str) -> None:
    """Add an encoded histogram into `into` (workers' histograms on the master)."""
    into.add(decode(blob))


def total(histogram: HdrHistogram) -> int:
    count: int = histogram.get_total_count()
    return count


def _ms(value_us: float) -> float:
    return round(value_us / 1000.0, 3)


def _nonzero(histogram: HdrHistogram) -> list[tuple[int, int]]:
    """(index, count) of every non-empty bucket, in value order."""
    # Copy the ctypes array to a list and find the non-zero ones in C: 4x quicker than
    # a Python loop over its ~23,000 buckets, for per-second series of every operation.
    counts: list[int] = histogram.counts[:]
    return [(i, counts[i]) for i in compress(range(len(counts)), counts)]


def percentiles_ms(histogram: HdrHistogram, wanted: tuple[float, ...]) -> dict[float, float]:
    """{percentile: milliseconds}; empty when nothing was recorded.

    The same answer as hdrh's get_percentile_to_value_dict (the highest value equivalent
    to the bucket holding the target count), but one pass over the non-empty buckets
    instead of a Python call per bucket: a per-second series of a long soak needs it.
    """
    count = total(histogram)
    if not count:
        return {}
    targets = sorted((max(1, int(min(p, 100.0) * count / 100 + 0.5)), p) for p in set(wanted))
    result: dict[float, float] = {}
    running, pending = 0, iter(targets)
    target = next(pending, None)
    for index, bucket in _nonzero(histogram):
        running += bucket
        while target is not None and running >= target[0]:
            value = histogram.get_highest_equivalent_value(histogram.get_value_from_index(index))
            result[target[1]] = _ms(value)
            target = next(pending, None)
        if target is None:
            break
    return result


def mean_us(histogram: HdrHistogram) -> float:
    """The mean (each value at the middle of its bucket, as hdrh does), in one pass."""
    count = total(histogram)
    if not count:
        return 0.0
    acc = 0
    for index, bucket in _nonzero(histogram):
        low = histogram.get_lowest_equivalent_value(histogram.get_value_from_index(index))
        high = histogram.get_highest_equivalent_value(low)
        acc += bucket * ((low + high + 1) // 2)
    return acc / count


def summary_ms(histogram: HdrHistogram) -> dict[str, float] | None:
    """min, mean, p50 ... p99.9, max in milliseconds; None when nothing was recorded."""
    if not total(histogram):
        return None
    values = percentiles_ms(histogram, PERCENTILES)
    result: dict[str, Any] = {
        "min": _ms(histogram.get_min_value()),
        "mean": _ms(mean_us(histogram)),
    }
    for p in PERCENTILES:
        result[f"p{p:g}"] = values[p]
    result["max"] = _ms(histogram.get_max_value())
    return result


def spectrum_ms(histogram: HdrHistogram) -> list[list[float]]:
    """[[percentile, milliseconds], ...] for a latency-by-percentile chart."""
    values = percentiles_ms(histogram, SPECTRUM)
    return [[p, values[p]] for p in SPECTRUM if p in values]
