"""Shared checks of rollup tests: a strategy of random series and a comparison with exact arithmetic."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

from hypothesis import strategies as st

from ricochetdb.domain.rollups import WIDTH_US, Bucket, Point

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
