"""Rollup buckets against a raw recomputation in exact rational arithmetic, over random series."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ricochetdb.domain.rollups import (
    WIDTH_US,
    Bucket,
    Point,
    as_number,
    bucket_of,
    buckets_of,
    combine,
    floor_to,
    merge,
    roll_up,
)

MINUTE, HOUR, DAY = WIDTH_US["1m"], WIDTH_US["1h"], WIDTH_US["1d"]
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


@st.composite
def series(draw: st.DrawFn, max_size: int = 300) -> list[Point]:
    """A time-ordered series: mostly 10 s polls with jitter, some long gaps, values around a large offset."""
    base = draw(st.sampled_from([0.0, 300.0, 1e5, -4.2, 0.012]))
    spread = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e-9]))
    size = draw(st.integers(1, max_size))
    steps = draw(
        st.lists(
            st.one_of(
                st.integers(9_000_000, 11_000_000),
                st.integers(1, 5_000_000),
                st.integers(60_000_000, 3 * DAY),
            ),
            min_size=size,
            max_size=size,
        )
    )
    units = draw(st.lists(st.floats(-1.0, 1.0), min_size=size, max_size=size))
    times = [T0 + draw(st.integers(0, DAY))]
    for step in steps[1:]:
        times.append(times[-1] + step)
    return [(time, base + spread * unit) for time, unit in zip(times, units, strict=True)]


def exact(points: Sequence[Point]) -> tuple[Fraction, Fraction]:
    values = [Fraction(value) for _, value in points]
    mean = sum(values, Fraction(0)) / len(values)
    return mean, sum(((value - mean) ** 2 for value in values), Fraction(0))


def close(computed: float, reference: Fraction | float, scale: float = 0.0) -> bool:
    return math.isclose(computed, float(reference), rel_tol=1e-9, abs_tol=scale * 1e-12 + 1e-300)


def assert_matches(bucket: Bucket, points: Sequence[Point]) -> None:
    """Every field of ``bucket`` equals what the raw points give (ties of extremes: earliest time)."""
    mean, m2 = exact(points)
    values = [value for _, value in points]
    assert bucket.n == len(points)
    assert close(bucket.mean, mean, max(abs(v) for v in values))
    assert close(bucket.m2, m2, max(abs(v) for v in values) ** 2 * 1e-9 if m2 == 0 else 0.0)
    assert bucket.min == min(values) and bucket.t_min == points[values.index(min(values))][0]
    assert bucket.max == max(values) and bucket.t_max == points[values.index(max(values))][0]
    assert (bucket.first, bucket.t_first) == (values[0], points[0][0])
    assert (bucket.last, bucket.t_last) == (values[-1], points[-1][0])
    spacings = [(after[0] - before[0], before[0]) for before, after in itertools.pairwise(points)]
    longest = max((s for s, _ in spacings), default=0)
    assert bucket.gap == longest
    assert bucket.t_gap == min((t for s, t in spacings if s == longest), default=points[0][0])


def in_range(points: Sequence[Point], start: int, width: int) -> list[Point]:
    return [p for p in points if start <= p[0] < start + width]


class TestBuckets:
    @settings(max_examples=200, deadline=None)
    @given(series())
    def test_every_tier_agrees_with_a_raw_recomputation(self, points: list[Point]) -> None:
        minutes = buckets_of(points, MINUTE)
        hours = roll_up(minutes, HOUR)
        days = roll_up(hours, DAY)
        for tier, width in ((minutes, MINUTE), (hours, HOUR), (days, DAY)):
            assert [b.start for b in tier] == sorted({floor_to(t, width) for t, _ in points})
            for bucket in tier:
                assert_matches(bucket, in_range(points, bucket.start, width))

    @settings(max_examples=200, deadline=None)
    @given(series(), st.data())
    def test_any_split_merges_back_to_the_whole(self, points: list[Point], data: st.DataObject) -> None:
        cut = data.draw(st.integers(1, max(1, len(points) - 1)))
        if len(points) < 2:
            return
        merged = merge(bucket_of(0, points[:cut]), bucket_of(0, points[cut:]))
        assert_matches(merged, points)

    def test_a_300_kelvin_stage_read_to_a_millikelvin_keeps_its_variance(self) -> None:
        points = [(T0 + i * 10_000_000, 300.0 + 0.001 * ((i * 7919) % 13 - 6) / 6) for i in range(8640 * 3)]
        days = roll_up(roll_up(buckets_of(points, MINUTE), HOUR), DAY)
        whole = combine(days[0].start, days)
        assert_matches(whole, points)
        naive_sum = math.fsum(v for _, v in points)
        naive_sumsq = sum(v * v for _, v in points)  # what a sum/sumsq store would keep
        naive_m2 = naive_sumsq - naive_sum**2 / len(points)
        assert not close(naive_m2, exact(points)[1])  # the formula this module avoids loses it

    def test_ties_of_extremes_go_to_the_earliest_time_whatever_the_merge_order(self) -> None:
        points = [(T0, 1.0), (T0 + 1, 5.0), (T0 + MINUTE, 1.0), (T0 + MINUTE + 1, 5.0)]
        minutes = buckets_of(points, MINUTE)
        hour = roll_up(minutes, HOUR)[0]
        assert (hour.t_min, hour.t_max) == (T0, T0 + 1)

    def test_a_gap_across_buckets_is_kept_with_its_opening_reading(self) -> None:
        points = [(T0, 1.0), (T0 + 10, 1.0), (T0 + 5 * MINUTE, 2.0), (T0 + 5 * MINUTE + 10, 2.0)]
        hour = roll_up(buckets_of(points, MINUTE), HOUR)[0]
        assert (hour.gap, hour.t_gap) == (5 * MINUTE - 10, T0 + 10)


class TestNumbers:
    def test_bools_count_as_zero_and_one_texts_and_non_finite_values_not_at_all(self) -> None:
        assert [as_number(v) for v in (True, False, 3, 2.5)] == [1.0, 0.0, 3.0, 2.5]
        assert [as_number(v) for v in ("4.2", None, float("nan"), float("inf"))] == [None] * 4
