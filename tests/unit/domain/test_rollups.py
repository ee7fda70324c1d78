"""Rollup buckets against a raw recomputation in exact rational arithmetic, over random series."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from rollup_checks import DAY, HOUR, MINUTE, T0, assert_matches, close, exact, in_range, series

from ricochetdb.domain.rollups import (
    Point,
    as_number,
    bucket_of,
    buckets_of,
    combine,
    floor_to,
    merge,
    roll_up,
)


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
