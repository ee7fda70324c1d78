"""History bins: tier choice, exact covering of a window, bins equal to a raw recomputation, explicit gaps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rollup_checks import DAY, HOUR, MINUTE, T0, assert_matches, series

from ricochetdb.domain.history_bins import (
    Segment,
    bin_width,
    bins,
    choose_tier,
    cover,
    gaps,
    point_buckets,
    tiers_from,
    typical_spacing,
)
from ricochetdb.domain.rollups import Bucket, Point, buckets_of, floor_to, roll_up


def tier_buckets(points: list[Point]) -> dict[str, list[Bucket]]:
    minutes = buckets_of(points, MINUTE)
    hours = roll_up(minutes, HOUR)
    return {"1m": minutes, "1h": hours, "1d": roll_up(hours, DAY)}


def pieces_of(points: list[Point], start: int, stop: int, resolution: str) -> list[Bucket]:
    """What a store answers for [start, stop) at ``resolution``: whole buckets inside, raw points at the ends."""
    tiers = tier_buckets(points)
    found: list[Bucket] = []
    for segment in cover(start, stop, tiers_from(resolution)):  # type: ignore[arg-type]
        if segment.resolution == "raw":
            found += point_buckets([p for p in points if segment.start <= p[0] < segment.stop])
        else:
            found += [b for b in tiers[segment.resolution] if segment.start <= b.start < segment.stop]
    return found


class TestTierChoice:
    def test_the_coarsest_tier_with_a_bucket_per_bin_answers(self) -> None:
        assert choose_tier(600_000_000, 2000) == "raw"  # ten minutes
        assert choose_tier(DAY, 2000) == "raw"  # 43 s per bin
        assert choose_tier(7 * DAY, 2000) == "1m"
        assert choose_tier(365 * DAY, 2000) == "1h"
        assert choose_tier(20 * 365 * DAY, 2000) == "1d"

    @given(st.integers(T0 - 10 * DAY, T0), st.integers(1, 400 * DAY), st.integers(1, 5000))
    def test_bins_are_whole_buckets_and_never_more_than_asked(self, start: int, span: int, points: int) -> None:
        resolution = choose_tier(span, points)
        width = bin_width(start, start + span, points, resolution)
        count = (start + span - 1) // width - start // width + 1
        assert count <= points
        if resolution != "raw":
            assert width % {"1m": MINUTE, "1h": HOUR, "1d": DAY}[resolution] == 0


class TestCover:
    @given(st.integers(T0 - 10 * DAY, T0 + 10 * DAY), st.integers(0, 40 * DAY))
    def test_segments_tile_the_window_with_whole_buckets_inside(self, start: int, span: int) -> None:
        segments = cover(start, start + span)
        assert [s.start for s in segments[1:]] == [s.stop for s in segments[:-1]]
        if segments:
            assert (segments[0].start, segments[-1].stop) == (start, start + span)
        widths = {"1m": MINUTE, "1h": HOUR, "1d": DAY}
        for segment in segments:
            if segment.resolution != "raw":
                width = widths[segment.resolution]
                assert segment.start % width == 0 and segment.stop % width == 0
            else:
                assert segment.stop - segment.start < 2 * MINUTE  # a partial minute at each end at most

    def test_a_short_window_is_raw_only(self) -> None:
        assert cover(T0 + 5, T0 + 50) == [Segment("raw", T0 + 5, T0 + 50)]


class TestBins:
    @settings(max_examples=150, deadline=None)
    @given(series(), st.data())
    def test_every_bin_equals_a_raw_recomputation(self, points: list[Point], data: st.DataObject) -> None:
        start = data.draw(st.integers(points[0][0] - HOUR, points[-1][0]))
        stop = data.draw(st.integers(start + 1, points[-1][0] + HOUR))
        wanted = data.draw(st.integers(1, 300))
        resolution = choose_tier(stop - start, wanted)
        width = bin_width(start, stop, wanted, resolution)
        binned = bins(pieces_of(points, start, stop, resolution), start, width)
        inside = [p for p in points if start <= p[0] < stop]
        assert sum(b.n for b in binned) == len(inside)
        assert len(binned) <= wanted
        for bucket in binned:
            grid = floor_to(bucket.start, width)
            assert bucket.start == max(start, grid)
            assert_matches(bucket, [p for p in inside if grid <= p[0] < grid + width])


class TestGaps:
    def test_spacings_longer_than_allowed_are_gaps_edges_included(self) -> None:
        points = [(T0 + s * 1_000_000, 1.0) for s in (100, 110, 120, 300, 310)]
        found = gaps(point_buckets(points), T0, T0 + 400_000_000, allowed=30_000_000)
        assert found == [
            (T0, T0 + 100_000_000),
            (T0 + 120_000_000, T0 + 300_000_000),
            (T0 + 310_000_000, T0 + 400_000_000),
        ]

    def test_a_gap_inside_a_rolled_up_bucket_is_still_reported(self) -> None:
        points = [(T0 + s * 1_000_000, 1.0) for s in [*range(0, 600, 10), *range(1800, 3600, 10)]]
        hour = tier_buckets(points)["1h"]
        assert gaps(hour, T0, T0 + HOUR, allowed=30_000_000) == [(T0 + 590_000_000, T0 + 1_800_000_000)]

    def test_an_empty_window_is_one_gap(self) -> None:
        assert gaps([], T0, T0 + 10, allowed=1.0) == [(T0, T0 + 10)]

    def test_the_typical_spacing_is_the_median_spacing(self) -> None:
        points = [(T0 + s * 1_000_000, 1.0) for s in [*range(0, 3600, 10), 7200]]
        assert typical_spacing(tier_buckets(points)["1m"]) == 10_000_000
        assert typical_spacing(point_buckets(points)) == 10_000_000
        assert typical_spacing(point_buckets(points[:1])) is None
