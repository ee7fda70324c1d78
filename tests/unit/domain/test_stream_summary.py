"""Stream summary of one channel: statistics, coverage and longest gap from mixed pieces."""

from __future__ import annotations

from rollup_checks import MINUTE, T0

from ricochetdb.domain.history_bins import point_buckets
from ricochetdb.domain.rollups import buckets_of
from ricochetdb.domain.stream_summary import covered, longest_gap, summarize
from ricochetdb.domain.validation import from_micros

S = 1_000_000


def raw_coverage(times: list[int], stop: int, cap: float) -> float:
    after = [*times[1:], stop]
    return sum(min(a - t, cap) for t, a in zip(times, after, strict=True))


class TestCoverage:
    def test_each_reading_covers_until_the_next_at_most_the_cap(self) -> None:
        times = [T0 + s * S for s in (0, 10, 20, 100, 110)]
        pieces = point_buckets([(t, 1.0) for t in times])
        assert covered(pieces, T0 + 200 * S, 30 * S) == raw_coverage(times, T0 + 200 * S, 30 * S) == 90 * S

    def test_whole_buckets_without_long_spacings_cover_their_span(self) -> None:
        times = [T0 + s * S for s in range(0, 600, 10)]
        minutes = buckets_of([(t, 1.0) for t in times], MINUTE)
        assert covered(minutes, T0 + 600 * S, 30 * S) == raw_coverage(times, T0 + 600 * S, 30 * S)

    def test_a_piece_still_hiding_a_long_spacing_counts_it_as_the_cap(self) -> None:
        minute = buckets_of([(T0, 1.0), (T0 + 50 * S, 1.0)], MINUTE)
        assert covered(minute, T0 + 50 * S, 30 * S) == 30 * S


class TestSummary:
    def test_an_entry_holds_statistics_extremes_coverage_and_the_longest_gap(self) -> None:
        points = [(T0 + 10 * S, 4.0), (T0 + 20 * S, 2.0), (T0 + 90 * S, 6.0)]
        entry = summarize("c", "d", "T", "K", point_buckets(points), T0, T0 + 100 * S, 30 * S)
        assert entry is not None
        assert (entry.n, entry.mean, entry.std) == (3, 4.0, (8 / 3) ** 0.5)
        assert (entry.min, entry.min_time, entry.max, entry.max_time) == (
            2.0,
            from_micros(T0 + 20 * S),
            6.0,
            from_micros(T0 + 90 * S),
        )
        assert (entry.first, entry.last) == (4.0, 6.0)
        assert entry.coverage == (10 + 30 + 10) / 100
        assert entry.longest_gap_s == 70.0
        assert longest_gap([], T0, T0 + 5) == 5

    def test_a_channel_without_readings_has_no_entry(self) -> None:
        assert summarize("c", "d", "T", "K", [], T0, T0 + S, S) is None
