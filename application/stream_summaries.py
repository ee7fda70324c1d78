"""The slow-control summary of a stream, and window statistics, from the rollups (raw values at the ends only).

For every numeric (collection, device, label) with readings in the window: count, mean, std,
extremes with their times, first, last, coverage and longest gap (``domain.stream_summary``). The
interior comes from the coarsest whole buckets, the ends from finer tiers and raw values; a bucket
hiding a spacing longer than a few sampling intervals is refined to its children, so coverage is
exact too. ``window_stats`` is the same path for one label (the stream temperature).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from ricochetdb.application.history import open_minutes, read_pieces, refine
from ricochetdb.application.ports import Series, SeriesKey, Store
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.history_bins import GAP_FACTOR, typical_spacing
from ricochetdb.domain.rollups import TIERS, Bucket, combine
from ricochetdb.domain.stream_summary import ChannelSummary, StreamSummary, summarize
from ricochetdb.domain.validation import as_utc, check_collection, to_micros

ALL_TIERS = tuple(reversed(TIERS))


def _caps(pieces: dict[SeriesKey, list[Bucket]], interval: float | None) -> dict[SeriesKey, float]:
    """What one reading covers at most, per series: a few sampling intervals (given, or the median spacing)."""
    caps: dict[SeriesKey, float] = {}
    for key, held in pieces.items():
        spacing = interval * 1e6 if interval else typical_spacing(held)
        caps[key] = math.inf if spacing is None else GAP_FACTOR * spacing
    return caps


def _window_pieces(
    store: Store, collection: str, series: Sequence[Series], start: int, stop: int, interval: float | None
) -> tuple[dict[SeriesKey, list[Bucket]], dict[SeriesKey, float]]:
    rollups = store.rollups(collection)
    keys, cut = [(x.device, x.label) for x in series], open_minutes(series)
    tagged = read_pieces(rollups, keys, start, stop + 1, ALL_TIERS, cut)
    caps = _caps({key: [b for _, b in held] for key, held in tagged.items()}, interval)
    refined = refine(rollups, tagged, caps, cut)
    return {key: [bucket for _, bucket in held] for key, held in refined.items() if held}, caps


def summarize_window(
    store: Store, start: datetime, stop: datetime, collections: Sequence[str], interval: float | None = None
) -> StreamSummary:
    """Every numeric series of ``collections`` with readings in [start, stop]; ``interval`` (s) is the sampling
    interval coverage is measured against (None: each series' median spacing)."""
    start, stop = as_utc(start, "summary", "start"), as_utc(stop, "summary", "stop")
    if stop < start:
        raise ValidationError("summary", "stop", f"{stop.isoformat()} comes before start {start.isoformat()}")
    if interval is not None and not interval > 0:
        raise ValidationError("summary", "interval", f"must be positive seconds, got {interval!r}")
    s, e = to_micros(start), to_micros(stop)
    channels: list[ChannelSummary] = []
    for collection in collections:
        series = [x for x in store.rollups(check_collection(collection)).series() if x.latest >= start]
        units = {(x.device, x.label): x.unit for x in series}
        pieces, caps = _window_pieces(store, collection, series, s, e, interval)
        for key in sorted(pieces):
            entry = summarize(collection, *key, units[key], pieces[key], s, e, caps[key])
            if entry is not None:
                channels.append(entry)
    return StreamSummary(start, stop, tuple(channels), interval)


def window_stats(
    store: Store, collection: str, label: str, start: datetime, stop: datetime, device: str | None = None
) -> Bucket | None:
    """Every numeric value of ``label`` (of one device, or of all that have it) in [start, stop], combined."""
    rollups = store.rollups(check_collection(collection))
    series = [x for x in rollups.series() if x.label == label and device in (None, x.device)]
    keys = [(x.device, x.label) for x in series] or ([(device, label)] if device is not None else [])
    s, e = to_micros(as_utc(start, "summary", "start")), to_micros(as_utc(stop, "summary", "stop"))
    pieces = read_pieces(rollups, keys, s, e + 1, ALL_TIERS, open_minutes(series))
    parts = [combine(held[0][1].start, [b for _, b in held]) for held in pieces.values() if held]
    if not parts:
        return None
    parts.sort(key=lambda part: part.t_first)
    return combine(parts[0].start, parts)
