"""Rollup buckets computed on numpy arrays: the rules of ``domain.rollups``, for a year of values at once.

A channel-year at 10 s is 3.15 M values and 525,600 minute buckets: one Python call per bucket
costs seconds, one vector operation per field costs milliseconds. Same fields, same two-pass
arithmetic relative to each bucket's first value, same ties (the earliest time); the contract
tests check these against the domain's reference functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
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

    def take(self, order: Ints) -> BucketArrays:
        """The buckets in the order of ``order`` (positions)."""
        return BucketArrays(*(getattr(self, f.name)[order] for f in fields(self)))

    def part(self, start: int, stop: int) -> BucketArrays:
        """Buckets ``start`` to ``stop`` (positions)."""
        return BucketArrays(*(getattr(self, f.name)[start:stop] for f in fields(self)))


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


def _segments(keys: Ints, series: Ints | None = None) -> tuple[Ints, Ints, Ints]:
    """Starts and ends of the runs of equal keys (of equal (series, key) when given; both sorted), and each
    element's run number."""
    change = np.diff(keys) != 0
    if series is not None:
        change |= np.diff(series) != 0
    cuts = np.flatnonzero(change) + 1
    starts = np.concatenate(([0], cuts)).astype(np.int64)
    ends = np.concatenate((cuts, [len(keys)])).astype(np.int64)
    return starts, ends, np.repeat(np.arange(len(starts)), ends - starts)


def _earliest(times: Ints, chosen: npt.NDArray[np.bool_], starts: Ints) -> Ints:
    return np.minimum.reduceat(np.where(chosen, times, LATEST), starts)


def from_points(times: Ints, values: Floats, width: int) -> BucketArrays:
    """Buckets of ``width`` microseconds from time-ordered points with distinct times."""
    return from_points_of(np.zeros(len(times), dtype=np.int64), times, values, width)[1]


def from_points_of(series: Ints, times: Ints, values: Floats, width: int) -> tuple[Ints, BucketArrays]:
    """Buckets of many series at once (points sorted by series, then time): each bucket's series, and the
    buckets. One call for a poll cycle of 100 labels instead of 100: numpy's per-call cost dominates small inputs."""
    if len(times) == 0:
        return series[:0], from_rows([])
    starts, ends, run = _segments(times - times % width, series)
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
    return series[starts], BucketArrays(
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


def points_arrays(points: Iterable[Point]) -> tuple[Ints, Floats]:
    """Times and values of (time, value) points as arrays; ``points`` may be a driver's cursor, streamed."""
    count = 2 * len(points) if isinstance(points, Sized) else -1
    flat = np.fromiter(itertools.chain.from_iterable(points), dtype=np.float64, count=count)
    table = flat.reshape(-1, 2)  # microsecond times are exact in a float64 until the year 2255
    return table[:, 0].astype(np.int64), np.ascontiguousarray(table[:, 1])


def roll_up(children: BucketArrays, width: int) -> BucketArrays:
    """Time-ordered buckets of a finer tier combined into buckets of ``width`` (Chan's formula, k parts)."""
    return roll_up_of(np.zeros(len(children), dtype=np.int64), children, width)[1]


def roll_up_of(series: Ints, children: BucketArrays, width: int) -> tuple[Ints, BucketArrays]:
    """``roll_up`` of many series at once (buckets sorted by series, then start): each parent's series, and them."""
    if len(children) == 0:
        return series[:0], children
    starts, ends, run = _segments(children.start - children.start % width, series)
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
    return series[starts], BucketArrays(
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


Keyed = tuple[list[tuple[str, str]], Ints, BucketArrays]
"""Buckets of several series at once: the series, each bucket's series number, the buckets (series by series)."""


def per_series(keys: Sequence[tuple[str, str]], series: Ints) -> list[tuple[tuple[str, str], int, int]]:
    """(series, first, stop) positions of each series' stretch in a series-sorted column."""
    return [(keys[number], lo, hi) for number, lo, hi in runs_of(series)]


def keyed_rows_out(made: Keyed, *lead: Any) -> Iterator[tuple[Any, ...]]:
    """Every bucket as a row ``(*lead, device, label, *bucket fields)``, made one at a time from the columns."""
    keys, series, arrays = made
    names = [keys[number] for number in series.tolist()]
    columns: list[Iterable[Any]] = [itertools.repeat(part, len(names)) for part in lead]
    columns += [[name[0] for name in names], [name[1] for name in names]]
    columns += [getattr(arrays, f.name).tolist() for f in fields(arrays)]
    return zip(*columns, strict=True)


def single(key: tuple[str, str], arrays: BucketArrays) -> Keyed:
    """The buckets of one series, keyed."""
    return [key], np.zeros(len(arrays), dtype=np.int64), arrays


def keyed_points(found: dict[tuple[str, str], list[Point]]) -> tuple[list[tuple[str, str]], Ints, Ints, Floats]:
    """Points of several series as one series-sorted table: the series, series numbers, times, values."""
    keys = sorted(found)
    times, values = points_arrays([point for key in keys for point in found[key]])
    series = np.repeat(np.arange(len(keys), dtype=np.int64), [len(found[key]) for key in keys])
    return keys, series, times, values


def keyed_rows(found: dict[tuple[str, str], list[Row]]) -> Keyed:
    """Bucket rows of several series as one series-sorted table."""
    keys = sorted(found)
    series = np.repeat(np.arange(len(keys), dtype=np.int64), [len(found[key]) for key in keys])
    return keys, series, from_rows([row for key in keys for row in found[key]])
