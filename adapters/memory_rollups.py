"""In-memory rollups: the reference adapter of ``RollupRepository``, built on the domain's functions only."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import datetime

from ricochetdb.application.ports import RetentionItem, RollupRepository, Series, SeriesKey
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import (
    SOURCE,
    TIERS,
    WIDTH_US,
    Bucket,
    Point,
    Tier,
    as_number,
    bucket_of,
    floor_to,
    roll_up,
)
from ricochetdb.domain.validation import from_micros, to_micros

ReadingKey = tuple[str, str, datetime]
ESTIMATED_BYTES = {"raw": 120, "1m": 160, "1h": 160, "1d": 160}
"""Rough bytes per value or bucket, for retention's size estimates."""


class InMemoryRollups(RollupRepository):
    """Tiers and latest values of one collection, over the collection's dict of stored readings."""

    def __init__(self, collection: str, rows: dict[ReadingKey, Reading]) -> None:
        self.collection = collection
        self.rows = rows
        self.tiers: dict[Tier, dict[SeriesKey, dict[int, Bucket]]] = {tier: {} for tier in TIERS}
        self.newest: dict[SeriesKey, Reading] = {}
        self.times: dict[SeriesKey, list[int]] = {}
        """Per series, the sorted times of its numeric values stored (an index into ``rows``)."""

    def _index(self, key: SeriesKey, micros: int, stored: Reading | None) -> None:
        times = self.times.setdefault(key, [])
        at = bisect.bisect_left(times, micros)
        present = at < len(times) and times[at] == micros
        numeric = stored is not None and as_number(stored.value) is not None
        if numeric and not present:
            times.insert(at, micros)
        elif present and not numeric:
            del times[at]

    def _series_points(self, key: SeriesKey, start: int, stop: int) -> list[Point]:
        device, label = key
        times = self.times.get(key, [])
        found: list[Point] = []
        for micros in times[bisect.bisect_left(times, start) : bisect.bisect_left(times, stop)]:
            number = as_number(self.rows[(device, label, from_micros(micros))].value)
            if number is not None:
                found.append((micros, number))
        return found

    def _reroll(self, touched: dict[SeriesKey, set[int]]) -> None:
        """Recompute the touched 1 min buckets from raw values, then their hours and days from the tier below."""
        for tier in TIERS:
            width = WIDTH_US[tier]
            source = SOURCE[tier]
            for key, starts in touched.items():
                held = self.tiers[tier].setdefault(key, {})
                for start in {floor_to(s, width) for s in starts}:
                    held.pop(start, None)
                    if source is None:
                        points = self._series_points(key, start, start + width)
                        if points:
                            held[start] = bucket_of(start, points)
                        continue
                    below = self.tiers[source].get(key, {})
                    children = [below[s] for s in sorted(below) if start <= s < start + width]
                    if children:
                        held[start] = roll_up(children, width)[0]

    def apply(self, polls: Sequence[Poll]) -> None:
        touched: dict[SeriesKey, set[int]] = {}
        for poll in polls:
            micros = to_micros(poll.timestamp)
            for label in poll.values:
                key = (poll.device, label)
                stored = self.rows.get((poll.device, label, poll.timestamp))
                self._index(key, micros, stored)
                if stored is None:
                    continue
                newest = self.newest.get(key)
                if newest is None or newest.timestamp <= stored.timestamp:
                    self.newest[key] = stored
                if as_number(poll.values[label]) is not None or as_number(stored.value) is not None:
                    touched.setdefault(key, set()).add(micros)
        self._reroll(touched)

    def rebuild(self, progress: Callable[[str], None] | None = None) -> int:
        touched: dict[SeriesKey, set[int]] = {}
        self.newest.clear()
        self.times.clear()
        for tier in TIERS:
            self.tiers[tier].clear()
        for (device, label, when), reading in sorted(self.rows.items()):
            key = (device, label)
            self.newest[key] = reading
            self._index(key, to_micros(when), reading)
            if as_number(reading.value) is not None:
                touched.setdefault(key, set()).add(to_micros(when))
        self._reroll(touched)
        if progress is not None:
            progress(f"{self.collection}: {len(self.newest)} series rolled up")
        return len(self.newest)

    def buckets(self, tier: Tier, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Bucket]]:
        found: dict[SeriesKey, list[Bucket]] = {}
        for key in keys:
            held = self.tiers[tier].get(key, {})
            inside = [held[s] for s in sorted(held) if start <= s < stop]
            if inside:
                found[key] = inside
        return found

    def points(self, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Point]]:
        found = {key: self._series_points(key, start, stop) for key in keys}
        return {key: points for key, points in found.items() if points}

    def series(self) -> list[Series]:
        return [
            Series(r.device, r.label, r.device_type, r.unit, r.timestamp)
            for r in (self.newest[key] for key in sorted(self.newest))
        ]

    def latest(self) -> list[Reading]:
        return [self.newest[key] for key in sorted(self.newest)]

    def retention(self, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
        items: list[RetentionItem] = []
        for tier, cutoff in cutoffs.items():
            doomed = self._doomed(tier, cutoff)
            kept = {key for key in doomed if not self._accounted(tier, key, cutoff)}
            rows = 0
            for key, starts in doomed.items():
                if key in kept:
                    continue
                rows += len(starts)
                if delete:
                    self._delete(tier, key, starts)
            names = tuple(f"{device} {label}" for device, label in sorted(kept))
            estimate = rows * ESTIMATED_BYTES[tier]
            items.append(RetentionItem(self.collection, tier, from_micros(cutoff), rows, estimate, names))
        return items

    def _held(self, tier: str, key: SeriesKey) -> dict[int, int]:
        """Start -> count of the series' raw numeric values or buckets of ``tier``."""
        if tier == "raw":
            return {micros: 1 for micros, _ in self._series_points(key, -(2**62), 2**62)}
        return {start: bucket.n for start, bucket in self.tiers[_tier(tier)].get(key, {}).items()}

    def _doomed(self, tier: str, cutoff: int) -> dict[SeriesKey, list[int]]:
        width = 1 if tier == "raw" else WIDTH_US[_tier(tier)]
        keys = {(d, lab) for d, lab, _ in self.rows} if tier == "raw" else set(self.tiers[_tier(tier)])
        doomed = {key: [s for s in self._held(tier, key) if s + width <= cutoff] for key in keys}
        if tier == "raw":  # text values go with the numeric ones
            for d, lab, when in self.rows:
                if to_micros(when) < cutoff and as_number(self.rows[(d, lab, when)].value) is None:
                    doomed.setdefault((d, lab), []).append(to_micros(when))
        return {key: starts for key, starts in doomed.items() if starts}

    def _accounted(self, tier: str, key: SeriesKey, cutoff: int) -> bool:
        """Whether the tier above counts every value of ``tier`` in the series before ``cutoff``."""
        above = {"raw": "1m", "1m": "1h", "1h": "1d"}.get(tier)
        if above is None:
            return True
        below = {s: n for s, n in self._held(tier, key).items() if s < cutoff}
        if not below:
            return True
        oldest = floor_to(min(below), WIDTH_US["1d"])
        counted = sum(n for s, n in self._held(above, key).items() if oldest <= s < cutoff)
        return counted == sum(below.values())

    def _delete(self, tier: str, key: SeriesKey, starts: list[int]) -> None:
        if tier == "raw":
            for micros in starts:
                self.rows.pop((key[0], key[1], from_micros(micros)), None)
                self._index(key, micros, None)
            return
        held = self.tiers[_tier(tier)].get(key, {})
        for start in starts:
            held.pop(start, None)


def _tier(name: str) -> Tier:
    for tier in TIERS:
        if tier == name:
            return tier
    raise ValueError(f"unknown tier {name!r}")
