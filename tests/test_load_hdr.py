"""HDR recording: the buffered path records what hdrh itself would, merges exactly."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from vanceqa.load import hdr


def _direct(values: list[int]) -> object:
    histogram = hdr.new_histogram()
    for value in values:
        histogram.record_value(value)
    return histogram


@given(st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=300))
def test_buffer_records_like_record_value(values: list[int]) -> None:
    buffer = hdr.SampleBuffer()
    buffer.samples.extend(values)
    buffered = buffer.histogram()
    direct = _direct(values)
    assert len(buffer) == 0
    assert buffered.get_total_count() == len(values)
    assert hdr.summary_ms(buffered) == hdr.summary_ms(direct)  # type: ignore[arg-type]


def test_percentiles_match_hdrh_and_three_significant_digits() -> None:
    rng = random.Random(7)
    values = [int(rng.lognormvariate(7, 1.3)) for _ in range(20000)]
    histogram = _direct(values)
    wanted = (50.0, 90.0, 99.0, 99.9, 100.0)
    ours = hdr.percentiles_ms(histogram, wanted)  # type: ignore[arg-type]
    theirs = histogram.get_percentile_to_value_dict(list(wanted))  # type: ignore[attr-defined]
    assert ours == {p: round(v / 1000, 3) for p, v in theirs.items()}
    exact = sorted(values)
    p99 = exact[int(len(exact) * 0.99) - 1] / 1000
    assert abs(ours[99.0] - p99) <= p99 * 0.001 + 0.001  # 3 significant digits
    assert hdr.mean_us(histogram) == histogram.get_mean_value()  # type: ignore[arg-type,attr-defined]


def test_values_beyond_an_hour_are_clamped_not_lost() -> None:
    buffer = hdr.SampleBuffer()
    buffer.samples += [5, 10 * hdr.HIGHEST_US]
    histogram = buffer.histogram()
    assert histogram.get_total_count() == 2
    assert histogram.get_max_value() >= hdr.HIGHEST_US * 0.999


def test_encoded_histograms_merge_to_the_whole() -> None:
    rng = random.Random(3)
    parts = [[rng.randint(100, 50000) for _ in range(1000)] for _ in range(3)]
    merged = hdr.new_histogram()
    for part in parts:
        buffer = hdr.SampleBuffer()
        buffer.samples.extend(part)
        hdr.merge(merged, hdr.encode(buffer.histogram()))
    whole = _direct([v for part in parts for v in part])
    assert merged.get_total_count() == 3000
    assert hdr.summary_ms(merged) == hdr.summary_ms(whole)  # type: ignore[arg-type]
    assert hdr.spectrum_ms(merged)[-1][0] == 100.0


def test_empty_histograms_have_no_summary() -> None:
    empty = hdr.new_histogram()
    assert hdr.summary_ms(empty) is None
    assert hdr.percentiles_ms(empty, (50.0,)) == {}
    assert hdr.spectrum_ms(empty) == []
