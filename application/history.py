"""History of one label at any zoom, answered by the coarsest tier that fits (see ``domain.history_bins``).

``ReadingBook.history`` (CONTRACTS.md) is the one function the CLI, the web page and the alarms use.
A window is read as whole buckets of the chosen tier inside, finer tiers and raw values at the two
partial ends, so each bin equals a recomputation from raw values; a bin with no reading is absent
and every stretch longer than ``GAP_FACTOR`` sampling intervals without a reading is a ``Gap``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ricochetdb.application.ports import Clock, ReadingRepository, RollupRepository, Series, SeriesKey
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.history_bins import (
    GAP_FACTOR,
    Resolution,
    Segment,
    bin_width,
    bins,
    choose_tier,
    cover,
    gaps,
    point_buckets,
    point_gaps,
    point_spacing,
    raw_bins,
    tiers_from,
    typical_spacing,
)
from ricochetdb.domain.readings import Reading, check_label
from ricochetdb.domain.rollups import Bucket, Tier
from ricochetdb.domain.validation import from_micros, optional_utc, to_micros

DEFAULT_WINDOW = timedelta(days=1)
DEFAULT_POINTS = 2000
MAX_POINTS = 100_000


@dataclass(frozen=True)
class Bin:
    """One bin of a history: its start and the values of the readings in it."""

    t: datetime
    n: int
    mean: float
    min: float
    max: float
    first: float
    last: float


@dataclass(frozen=True)
class Gap:
    """A stretch with no reading, longer than allowed (from the last reading before to the first after)."""

    start: datetime
    stop: datetime


@dataclass(frozen=True)
class History:
    """The bins of one label of one device over [start, stop], and the tier that answered."""

    collection: str
    device: str
    label: str
    unit: str
    tier: str
    start: datetime
    stop: datetime
    bins: list[Bin]
    gaps: list[Gap]


Piece = tuple[Resolution, Bucket]
"""A stretch of a series read at one resolution: a whole bucket of a tier, or one raw value."""


def _segments(start: int, stop: int, tiers: Sequence[Tier], cut: int | None) -> list[Segment]:
    """``cover`` of [start, stop), with raw values only from ``cut`` (a series' open minute) on."""
    if cut is None or cut >= stop:
        return cover(start, stop, tiers)
    if cut <= start:
        return cover(start, stop, ())
    return [*cover(start, cut, tiers), *cover(cut, stop, ())]


def open_minutes(series: Sequence[Series]) -> dict[SeriesKey, int]:
    """Where each series' buckets may lag (``Series.open_from``): readers take raw values from there on,
    at most the minute of the newest value."""
    return {(s.device, s.label): to_micros(s.open_from) for s in series if s.open_from is not None}


def read_pieces(
    rollups: RollupRepository,
    keys: Sequence[SeriesKey],
    start: int,
    stop: int,
    tiers: Sequence[Tier],
    open_from: Mapping[SeriesKey, int] | None = None,
) -> dict[SeriesKey, list[Piece]]:
    """Each series over [start, stop): whole buckets of ``tiers`` inside (raw values from its open minute on),
    raw values at the ends, in time order; series sharing an open minute are read together."""
    found: dict[SeriesKey, list[Piece]] = {key: [] for key in keys}
    groups: dict[int | None, list[SeriesKey]] = {}
    for key in keys:
        groups.setdefault(None if open_from is None else open_from.get(key), []).append(key)
    for cut, group in groups.items():
        for segment in _segments(start, stop, tiers, cut):
            if segment.resolution == "raw":
                for key, points in rollups.points(group, segment.start, segment.stop).items():
                    found[key] += [("raw", bucket) for bucket in point_buckets(points)]
            else:
                for key, buckets in rollups.buckets(segment.resolution, group, segment.start, segment.stop).items():
                    found[key] += [(segment.resolution, bucket) for bucket in buckets]
    return found


FINER: dict[Resolution, Resolution] = {"1d": "1h", "1h": "1m", "1m": "raw"}
WIDTHS: dict[Resolution, int] = {"1d": 86_400_000_000, "1h": 3_600_000_000, "1m": 60_000_000}


def refine(
    rollups: RollupRepository,
    pieces: dict[SeriesKey, list[Piece]],
    cap: dict[SeriesKey, float],
    open_from: Mapping[SeriesKey, int] | None = None,
) -> dict[SeriesKey, list[Piece]]:
    """Replace every bucket hiding a spacing longer than its series' ``cap`` by its children, down to raw values."""
    for level in ("1d", "1h", "1m"):
        wanted = {
            key: [bucket for resolution, bucket in held if resolution == level and bucket.gap > cap[key]]
            for key, held in pieces.items()
        }
        wanted = {key: buckets for key, buckets in wanted.items() if buckets}
        if not wanted:
            continue
        lo = min(buckets[0].start for buckets in wanted.values())
        hi = max(buckets[-1].start for buckets in wanted.values()) + WIDTHS[level]
        children = read_pieces(rollups, list(wanted), lo, hi, tiers_from(FINER[level]), open_from)
        for key, buckets in wanted.items():
            starts = {bucket.start for bucket in buckets}
            below: dict[int, list[Piece]] = {}
            for piece in children[key]:
                below.setdefault(piece[1].start - piece[1].start % WIDTHS[level], []).append(piece)
            replaced: list[Piece] = []
            for resolution, bucket in pieces[key]:
                if resolution == level and bucket.start in starts:
                    replaced += below.get(bucket.start, [])
                else:
                    replaced.append((resolution, bucket))
            pieces[key] = replaced
    return pieces


def resolve_series(rollups: RollupRepository, collection: str, label: str, device: str | None) -> Series:
    """The one series of ``label`` (on ``device`` if given); refused when the label is ambiguous or unknown."""
    check_label(label, "history")
    found = [s for s in rollups.series() if s.label == label and device in (None, s.device)]
    if device is not None:
        return found[0] if found else Series(device, label, "", "", from_micros(0))
    if not found:
        raise ValidationError(f"history of {label!r}", "label", f"no device of {collection!r} has this label")
    if len(found) > 1:
        names = ", ".join(s.device for s in found)
        raise ValidationError(f"history of {label!r}", "device", f"several devices have this label, name one: {names}")
    return found[0]


class HistoryQuery:
    """The history use-case of one readings collection."""

    def __init__(self, rollups: RollupRepository, clock: Clock, collection: str) -> None:
        self.rollups = rollups
        self.clock = clock
        self.collection = collection

    def window(self, start: datetime | None, stop: datetime | None) -> tuple[datetime, datetime]:
        """The asked window, by default the last day up to the database's now; refused if stop < start."""
        stop = optional_utc(stop, "history", "stop") or self.clock.now()
        start = optional_utc(start, "history", "start") or stop - DEFAULT_WINDOW
        if stop < start:
            raise ValidationError("history", "stop", f"{stop.isoformat()} comes before start {start.isoformat()}")
        return start, stop

    def first_reading(self, label: str, device: str | None = None) -> datetime | None:
        """When the series' first numeric value was read (from its day buckets), or None."""
        series = resolve_series(self.rollups, self.collection, label, device)
        key = (series.device, label)
        days = self.rollups.buckets("1d", [key], -(2**62), 2**62).get(key, [])
        return from_micros(days[0].t_first) if days else None

    def history(
        self,
        label: str,
        device: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        points: int = DEFAULT_POINTS,
        interval: float | None = None,
    ) -> History:
        """At most ``points`` bins of [start, stop]; ``interval`` (s) is the sampling interval gaps are measured
        against (default: the median spacing of the readings)."""
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
            raise ValidationError("history", "points", f"must be an integer in [1, {MAX_POINTS}], got {points!r}")
        if interval is not None and not interval > 0:
            raise ValidationError("history", "interval", f"must be positive seconds, got {interval!r}")
        series = resolve_series(self.rollups, self.collection, label, device)
        start, stop = self.window(start, stop)
        s, e = to_micros(start), to_micros(stop) + 1
        resolution = choose_tier(e - s, points)
        width = bin_width(s, e, points, resolution)
        key = (series.device, label)
        if resolution == "raw":
            raw = self.rollups.points([key], s, e).get(key, [])
            binned, spacing = raw_bins(raw, s, width), point_spacing(raw)
        else:
            read = read_pieces(self.rollups, [key], s, e, tiers_from(resolution), open_minutes([series]))
            pieces = [bucket for _, bucket in read[key]]
            binned, spacing = bins(pieces, s, width), typical_spacing(pieces)
        allowed = GAP_FACTOR * (interval * 1e6 if interval else spacing or math.inf)
        if not binned:
            found = [(s, e)]
        elif resolution == "raw":
            found = point_gaps(raw, s, e, allowed)
        else:
            found = gaps(pieces, s, e, allowed)
        return History(
            self.collection,
            series.device,
            label,
            series.unit,
            resolution,
            start,
            stop,
            [Bin(from_micros(b.start), b.n, b.mean, b.min, b.max, b.first, b.last) for b in binned],
            [Gap(from_micros(lo), from_micros(min(hi, e - 1))) for lo, hi in found],
        )


def iter_readings(
    repository: ReadingRepository,
    rollups: RollupRepository,
    label: str,
    device: str | None,
    start: datetime | None,
    stop: datetime | None,
    page: int = 10_000,
) -> Iterator[Reading]:
    """Every raw reading of one label of one device in [start, stop], oldest first, read a page at a time
    (an export of years holds one page in memory, not the years)."""
    series = resolve_series(rollups, "the collection", label, device)
    cursor = start
    while True:
        found = repository.find(series.device, label, cursor, stop, page)
        yield from found
        if len(found) < page:
            return
        cursor = found[-1].timestamp + timedelta(microseconds=1)
