"""History at any zoom: which tier answers, how a window is cut into bins, and where the gaps are.

The tier is the coarsest whose bucket fits at least once in a requested bin (raw readings for short
windows). A window is covered exactly: whole buckets of that tier in its interior, finer tiers and
finally raw readings for the partial buckets at both ends (``cover``), so every bin equals what a
recomputation from raw readings would give. Bins are aligned to the epoch, so a sliding window keeps
its bins; a bin without readings is absent. A spacing between two readings longer than
``GAP_FACTOR`` sampling intervals is a gap: reported, never bridged. All times are integer
microseconds since the epoch; a window is half-open, [start, stop).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ricochetdb.domain.rollups import TIERS, WIDTH_US, Bucket, Point, Tier, bucket_of, buckets_of, combine, floor_to

Resolution = Literal["raw", "1m", "1h", "1d"]
GAP_FACTOR = 3.0
"""A spacing longer than this many sampling intervals is a gap (and a reading covers at most that long)."""


def ceil_to(micros: int, width: int) -> int:
    """The first bucket boundary at or after ``micros``."""
    return -floor_to(-micros, width)


def choose_tier(span: int, points: int) -> Resolution:
    """The coarsest tier with at least one bucket per requested bin; raw when bins are under a minute."""
    per_bin = span / max(points, 1)
    for tier in reversed(TIERS):
        if WIDTH_US[tier] <= per_bin:
            return tier
    return "raw"


def _unit(resolution: Resolution, per_bin: float) -> int:
    if resolution != "raw":
        return WIDTH_US[resolution]
    return next((unit for unit in (1_000, 1) if unit <= per_bin), 1)


def _count(start: int, stop: int, width: int) -> int:
    return (stop - 1) // width - start // width + 1


NICE = (1, 2, 3, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 720)
"""Multiples of the tier's bucket tried first, so bins fall on round times (2 min, 6 h, 5 d...)."""
RAW_NICE = tuple(1_000 * ms for ms in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000))
"""Round widths of raw bins, from a millisecond to 30 s."""


def bin_width(start: int, stop: int, points: int, resolution: Resolution) -> int:
    """The smallest width (a whole number of the tier's buckets, a round one if it fits) giving at most
    ``points`` epoch-aligned bins over [start, stop)."""
    span = stop - start
    unit = _unit(resolution, span / max(points, 1))
    if points <= 1:  # one bin: wider than the epoch offset of the window's end
        return unit * (max(abs(start), abs(stop)) // unit + 1)
    for width in RAW_NICE if resolution == "raw" else (unit * multiple for multiple in NICE):
        if width >= unit and _count(start, stop, width) <= points:
            return width
    width = unit * max(1, math.ceil(span / ((points - 1) * unit)))
    while _count(start, stop, width) > points:
        width += unit
    return width


@dataclass(frozen=True)
class Segment:
    """A stretch [start, stop) read from one resolution: whole buckets of a tier, or raw readings."""

    resolution: Resolution
    start: int
    stop: int


def cover(start: int, stop: int, tiers: Sequence[Tier] = tuple(reversed(TIERS))) -> list[Segment]:
    """[start, stop) as whole buckets of the coarsest of ``tiers`` inside it, finer ones toward both ends, raw last."""
    if start >= stop:
        return []
    if not tiers:
        return [Segment("raw", start, stop)]
    width = WIDTH_US[tiers[0]]
    inner_start, inner_stop = ceil_to(start, width), floor_to(stop, width)
    if inner_start >= inner_stop:
        return cover(start, stop, tiers[1:])
    middle = Segment(tiers[0], inner_start, inner_stop)
    return [*cover(start, inner_start, tiers[1:]), middle, *cover(inner_stop, stop, tiers[1:])]


def tiers_from(resolution: Resolution) -> tuple[Tier, ...]:
    """The tiers a window answered at ``resolution`` may use, coarsest first (none for raw)."""
    if resolution == "raw":
        return ()
    return tuple(reversed(TIERS[: TIERS.index(resolution) + 1]))


def point_buckets(points: Sequence[Point]) -> list[Bucket]:
    """Each raw point as a bucket of its own, so raw and rolled-up stretches mix in one sequence."""
    return [bucket_of(time, [(time, value)]) for time, value in points]


def bins(pieces: Sequence[Bucket], start: int, width: int) -> list[Bucket]:
    """Time-ordered pieces (each inside one bin) combined per epoch-aligned bin, none starting before ``start``."""
    binned: list[Bucket] = []
    group: list[Bucket] = []
    for piece in pieces:
        if group and floor_to(piece.start, width) != floor_to(group[0].start, width):
            binned.append(combine(max(start, floor_to(group[0].start, width)), group))
            group = []
        group.append(piece)
    if group:
        binned.append(combine(max(start, floor_to(group[0].start, width)), group))
    return binned


def typical_spacing(pieces: Sequence[Bucket]) -> float | None:
    """The median spacing between consecutive readings, from each piece's mean spacing weighted by its spacings.

    Weights are summed per distinct spacing before sorting: regular polling gives a handful of values."""
    weights: dict[float, int] = {}
    previous: Bucket | None = None
    for piece in pieces:
        if previous is not None:
            between = piece.t_first - previous.t_last
            weights[between] = weights.get(between, 0) + 1
        if piece.n > 1:
            inside = (piece.t_last - piece.t_first) / (piece.n - 1)
            weights[inside] = weights.get(inside, 0) + piece.n - 1
        previous = piece
    if not weights:
        return None
    total, seen = sum(weights.values()), 0
    for spacing in sorted(weights):
        seen += weights[spacing]
        if 2 * seen >= total:
            break
    return float(spacing)


def gaps(pieces: Sequence[Bucket], start: int, stop: int, allowed: float) -> list[tuple[int, int]]:
    """Stretches with no reading longer than ``allowed`` microseconds, as (from, to), including the window's ends.

    Inside a rolled-up bucket only its longest spacing is known: at a coarse tier a bucket shows at
    most one gap. An empty window is one gap.
    """
    if not pieces:
        return [(start, stop)] if stop > start else []
    found: list[tuple[int, int]] = []
    if pieces[0].t_first - start > allowed:
        found.append((start, pieces[0].t_first))
    for index, piece in enumerate(pieces):
        if index:
            before = pieces[index - 1]
            if piece.t_first - before.t_last > allowed:
                found.append((before.t_last, piece.t_first))
        if piece.gap > allowed:
            found.append((piece.t_gap, piece.t_gap + piece.gap))
    if stop - pieces[-1].t_last > allowed:
        found.append((pieces[-1].t_last, stop))
    return sorted(found)


def raw_bins(points: Sequence[Point], start: int, width: int) -> list[Bucket]:
    """Raw points (time-ordered) combined straight into epoch-aligned bins, none starting before ``start``."""
    return [b if b.start >= start else b._replace(start=start) for b in buckets_of(points, width)]


def point_spacing(points: Sequence[Point]) -> float | None:
    """The median spacing between consecutive raw points, or None for fewer than two."""
    spacings = sorted(after[0] - before[0] for before, after in itertools.pairwise(points))
    if not spacings:
        return None
    middle = len(spacings) // 2
    return float(spacings[middle]) if len(spacings) % 2 else (spacings[middle - 1] + spacings[middle]) / 2


def point_gaps(points: Sequence[Point], start: int, stop: int, allowed: float) -> list[tuple[int, int]]:
    """Every stretch longer than ``allowed`` without a raw point in [start, stop), the window's ends included."""
    times = [start, *(time for time, _ in points), stop]
    return [(before, after) for before, after in itertools.pairwise(times) if after - before > allowed]
