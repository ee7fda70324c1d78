"""Rollup buckets computed on numpy arrays: the rules of ``domain.rollups``, for a year of values at once.

A channel-year at 10 s is 3.15 M values and 525,600 minute buckets: one Python call per bucket
costs seconds, one vector operation per field costs milliseconds. Same fields, same two-pass
arithmetic relative to each bucket's first value, same ties (the earliest time); the contract
tests check these against the domain's reference functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from ricochetdb.domain.rollups import Bucket, Point, Row

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
LATEST = np.iinfo(np.int64).max


@dataclass(frozen=True)
class BucketArrays:
    """Buckets of one series as one array per field, oldest first (see ``domain.rollups.Bucket``)."""

    start: Ints
    n: Ints
    mean: Floats
    m2: Floats
    min: Floats
    t_min: Ints
    max: Floats
    t_max: Ints
    first: Floats
    t_first: Ints
    last: Floats
    t_last: Ints
    gap: Ints
    t_gap: Ints
    offset: Floats

    def __len__(self) -> int:
        return len(self.start)

    def rows(self, *key: Any) -> list[Row]:
        """The buckets as rows in ``Bucket`` field order (plain Python numbers), each led by ``key`` if given."""
        columns: list[Iterable[Any]] = [itertools.repeat(part, len(self)) for part in key]
        columns += [getattr(self, f.name).tolist() for f in fields(self)]
        return list(zip(*columns, strict=True))

    def buckets(self) -> list[Bucket]:
        return [Bucket(*row) for row in self.rows()]

    def part(self, start: int, stop: int) -> BucketArrays:
        """Buckets ``start`` to ``stop`` (positions)."""
        return BucketArrays(*(getattr(self, f.name)[start:stop] for f in fields(self)))


def concatenate(parts: Sequence[BucketArrays]) -> BucketArrays:
    """Consecutive stretches of one series' buckets as one."""
    if len(parts) == 1:
        return parts[0]
    return BucketArrays(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(BucketArrays)))


def from_rows(rows: Sequence[Sequence[Any]]) -> BucketArrays:
    """Arrays from rows in ``Bucket`` field order (as the stores keep them)."""
    return from_columns(list(zip(*rows, strict=True)) if rows else [])


def from_columns(columns: Sequence[Sequence[Any]]) -> BucketArrays:
    """Arrays from columns in ``Bucket`` field order (none: no bucket)."""
    names = [f.name for f in fields(BucketArrays)]
    if not columns:
        return BucketArrays(*(np.empty(0, dtype=_dtype(name)) for name in names))
    return BucketArrays(*(np.asarray(column, dtype=_dtype(name)) for name, column in zip(names, columns, strict=True)))


def runs_of(keys: Ints) -> list[tuple[int, int, int]]:
    """(key, first, stop) of each run of equal values in a sorted key column."""
    if len(keys) == 0:
        return []
    starts, ends, _ = _segments(keys)
    return list(zip(keys[starts].tolist(), starts.tolist(), ends.tolist(), strict=True))


def _dtype(name: str) -> type:
    return np.int64 if name in ("start", "n", "t_min", "t_max", "t_first", "t_last", "gap", "t_gap") else np.float64


def _segments(keys: Ints) -> tuple[Ints, Ints, Ints]:
    """Starts and ends of the runs of equal keys (keys are sorted), and each element's run number."""
    cuts = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], cuts)).astype(np.int64)
    ends = np.concatenate((cuts, [len(keys)])).astype(np.int64)
    return starts, ends, np.repeat(np.arange(len(starts)), ends - starts)


def _earliest(times: Ints, chosen: npt.NDArray[np.bool_], starts: Ints) -> Ints:
    return np.minimum.reduceat(np.where(chosen, times, LATEST), starts)


def from_points(times: Ints, values: Floats, width: int) -> BucketArrays:
    """Buckets of ``width`` microseconds from time-ordered points with distinct times."""
    if len(times) == 0:
        return from_rows([])
    starts, ends, run = _segments(times - times % width)
    count = ends - starts
    first, last = values[starts], values[ends - 1]
    deviation = values - first[run]
    offset = np.add.reduceat(deviation, starts) / count
    m2 = np.add.reduceat((deviation - offset[run]) ** 2, starts)
    low, high = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    spacing = np.zeros(len(times), dtype=np.int64)
    spacing[1:] = times[1:] - times[:-1]
    spacing[starts] = 0
    previous = np.concatenate((times[:1], times[:-1]))
    gap = np.maximum.reduceat(spacing, starts)
    t_gap = _earliest(previous, (spacing == gap[run]) & (spacing > 0), starts)
    return BucketArrays(
        times[starts] - times[starts] % width,
        count.astype(np.int64),
        first + offset,
        m2,
        low,
        _earliest(times, values == low[run], starts),
        high,
        _earliest(times, values == high[run], starts),
        first,
        times[starts],
        last,
        times[ends - 1],
        gap,
        np.where(gap > 0, t_gap, times[starts]),
        offset,
    )


def points_arrays(points: Sequence[Point]) -> tuple[Ints, Floats]:
    """Times and values of (time, value) points as arrays."""
    if not points:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    flat = np.fromiter(itertools.chain.from_iterable(points), dtype=np.float64, count=2 * len(points))
    table = flat.reshape(-1, 2)  # microsecond times are exact in a float64 until the year 2255
    return table[:, 0].astype(np.int64), np.ascontiguousarray(table[:, 1])


def roll_up(children: BucketArrays, width: int) -> BucketArrays:
    """Time-ordered buckets of a finer tier combined into buckets of ``width`` (Chan's formula, k parts)."""
    if len(children) == 0:
        return children
    starts, ends, run = _segments(children.start - children.start % width)
    n = np.add.reduceat(children.n, starts)
    reference = children.first[starts]
    relative = (children.first - reference[run]) + children.offset
    offset = np.add.reduceat(children.n * relative, starts) / n
    m2 = np.add.reduceat(children.m2, starts) + np.add.reduceat(children.n * (relative - offset[run]) ** 2, starts)
    low, high = np.minimum.reduceat(children.min, starts), np.maximum.reduceat(children.max, starts)
    between = np.zeros(len(children), dtype=np.int64)
    between[1:] = children.t_first[1:] - children.t_last[:-1]
    between[starts] = 0
    previous_last = np.concatenate((children.t_last[:1], children.t_last[:-1]))
    crossing = between >= children.gap
    candidate = np.where(crossing, between, children.gap)
    candidate_time = np.where(crossing, previous_last, children.t_gap)
    gap = np.maximum.reduceat(candidate, starts)
    t_gap = _earliest(candidate_time, candidate == gap[run], starts)
    t_first = children.t_first[starts]
    return BucketArrays(
        children.start[starts] - children.start[starts] % width,
        n,
        reference + offset,
        m2,
        low,
        _earliest(children.t_min, children.min == low[run], starts),
        high,
        _earliest(children.t_max, children.max == high[run], starts),
        reference,
        t_first,
        children.last[ends - 1],
        children.t_last[ends - 1],
        gap,
        np.where(gap > 0, t_gap, t_first),
        offset,
    )
