"""The numpy bulk path gives the domain's buckets: same fields, same ties, same precision."""

from __future__ import annotations

import math

from hypothesis import given, settings
from rollup_checks import DAY, HOUR, MINUTE, T0, assert_matches, in_range, series

from ricochetdb.adapters.rollup_arrays import from_points, from_rows, points_arrays, roll_up
from ricochetdb.domain.rollups import Bucket, Point, buckets_of
from ricochetdb.domain.rollups import roll_up as domain_roll_up


def same(a: list[Bucket], b: list[Bucket]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for left, right in zip(x, y, strict=True):  # a Bucket is its fields in order
            if isinstance(left, float):
                assert (
                    math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-300)
                    or abs(left - right) < 1e-12 * x.n * max(abs(x.min), abs(x.max), 1e-300) ** 2  # m2's scale
                )
            else:
                assert left == right


class TestArrays:
    @settings(max_examples=200, deadline=None)
    @given(series())
    def test_every_tier_equals_the_domains_and_a_raw_recomputation(self, points: list[Point]) -> None:
        minutes = from_points(*points_arrays(points), MINUTE)
        hours = roll_up(minutes, HOUR)
        days = roll_up(hours, DAY)
        reference = buckets_of(points, MINUTE)
        same(minutes.buckets(), reference)
        same(hours.buckets(), domain_roll_up(reference, HOUR))
        for tier, width in ((minutes, MINUTE), (hours, HOUR), (days, DAY)):
            for bucket in tier.buckets():
                assert_matches(bucket, in_range(points, bucket.start, width))

    def test_rows_round_trip_and_empty_input_gives_no_bucket(self) -> None:
        minutes = from_points(*points_arrays([(T0, 1.0), (T0 + 5, 2.0)]), MINUTE)
        assert from_rows(minutes.rows()).buckets() == minutes.buckets()
        assert len(from_points(*points_arrays([]), MINUTE)) == 0
        assert len(roll_up(from_rows([]), HOUR)) == 0
