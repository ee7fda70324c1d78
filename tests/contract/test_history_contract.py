"""Contract of history, summaries and retention on every store: answers equal a raw recomputation."""

from __future__ import annotations

import itertools
import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.application.ports import Store
from ricochetdb.application.readings import ReadingBook
from ricochetdb.application.stream_summaries import summarize_window
from ricochetdb.domain.polls import poll_from_values
from ricochetdb.domain.validation import to_micros

T0 = datetime(2026, 2, 1, tzinfo=UTC)
OUTAGE = (40_000, 47_000)


def fill(store: Store) -> None:
    """Two days of T_MC every 20 s with an outage, and a pressure every 60 s."""
    polls = [
        poll_from_values("MMR3", "fridge", T0 + timedelta(seconds=s), {"T_MC": 0.012 + 1e-6 * (s % 7)}, {"T_MC": "K"})
        for s in range(0, 2 * 86400, 20)
        if not OUTAGE[0] <= s < OUTAGE[1]
    ]
    polls += [
        poll_from_values("CPX200", "gauge", T0 + timedelta(seconds=s), {"P": 1e5 + 1e-2 * (s % 11)}, {"P": "Pa"})
        for s in range(0, 2 * 86400, 60)
    ]
    ReadingBook(store, "sc").add(polls)


def raw(store: Store, device: str, label: str, start: datetime, stop: datetime) -> list[tuple[int, float]]:
    found = ReadingBook(store, "sc").find(device, label, start, stop)
    return [(to_micros(r.timestamp), float(r.value)) for r in found]  # type: ignore[arg-type]


@pytest.mark.parametrize(("hours", "points", "tier"), [(0.5, 2000, "raw"), (40, 300, "1m"), (47, 12, "1h")])
def test_bins_equal_the_raw_values_on_every_store(store: Store, hours: float, points: int, tier: str) -> None:
    fill(store)
    start = T0 + timedelta(seconds=1234.5)
    stop = start + timedelta(hours=hours)
    history = ReadingBook(store, "sc").history("T_MC", start=start, stop=stop, points=points)
    assert history.tier == tier and history.device == "fridge" and history.unit == "K"
    values = raw(store, "fridge", "T_MC", start, stop)
    edges = [to_micros(b.t) for b in history.bins[1:]] + [to_micros(stop) + 1]
    assert sum(b.n for b in history.bins) == len(values)
    for item, edge in zip(history.bins, edges, strict=True):
        inside = [v for t, v in values if to_micros(item.t) <= t < edge]
        assert (item.n, item.min, item.max, item.first, item.last) == (
            len(inside),
            min(inside),
            max(inside),
            inside[0],
            inside[-1],
        )
        assert math.isclose(item.mean, statistics.fmean(inside), rel_tol=1e-12)
    if hours > 12:
        assert [(g.start, g.stop) for g in history.gaps] == [
            (T0 + timedelta(seconds=OUTAGE[0] - 20), T0 + timedelta(seconds=OUTAGE[1]))
        ]


def test_a_summary_equals_the_raw_values_on_every_store(store: Store) -> None:
    fill(store)
    start, stop = T0 + timedelta(seconds=3333), T0 + timedelta(seconds=150_001)
    summary = summarize_window(store, start, stop, ["sc"])
    assert [(c.device, c.label) for c in summary] == [("fridge", "T_MC"), ("gauge", "P")]
    for channel in summary:
        values = [v for _, v in raw(store, channel.device, channel.label, start, stop)]
        assert channel.n == len(values) and math.isclose(channel.mean, statistics.fmean(values), rel_tol=1e-12)
        assert math.isclose(channel.std, statistics.pstdev(values), rel_tol=1e-9)
        assert (channel.min, channel.max, channel.first, channel.last) == (
            min(values),
            max(values),
            values[0],
            values[-1],
        )
    fridge = summary.channels[0]
    assert fridge.longest_gap_s == OUTAGE[1] - OUTAGE[0] + 20
    times = [t for t, _ in raw(store, "fridge", "T_MC", start, stop)] + [to_micros(stop)]
    covered = sum(min(after - before, 60e6) for before, after in itertools.pairwise(times))
    assert math.isclose(fridge.coverage, covered / (to_micros(stop) - to_micros(start)), rel_tol=1e-12)


def test_retention_deletes_raw_values_only_where_rollups_hold_them(store: Store) -> None:
    fill(store)
    rollups = store.rollups("sc")
    cutoff = to_micros(T0 + timedelta(days=1))
    (dry,) = rollups.retention({"raw": cutoff}, delete=False)
    assert dry.kept == () and dry.rows > 0 and dry.bytes > 0
    before = ReadingBook(store, "sc").history("T_MC", start=T0, stop=T0 + timedelta(days=2), points=2)
    (done,) = rollups.retention({"raw": cutoff}, delete=True)
    assert done.rows == dry.rows
    assert ReadingBook(store, "sc").find(stop=T0 + timedelta(days=1) - timedelta(microseconds=1)) == []
    after = ReadingBook(store, "sc").history("T_MC", start=T0, stop=T0 + timedelta(days=2), points=2)
    assert after.bins == before.bins and after.tier == "1d"
    (again,) = rollups.retention({"raw": cutoff, "1m": cutoff}, delete=False)[:1]
    assert again.rows == 0


def test_the_minute_of_the_newest_value_is_answered_whatever_the_store_rolled_up(store: Store) -> None:
    book = ReadingBook(store, "sc")
    for s in range(0, 185, 5):  # one poll at a time, as the poll loop writes
        book.add([poll_from_values("MMR3", "fridge", T0 + timedelta(seconds=s), {"T_MC": 1.0 + s}, {"T_MC": "K"})])
    history = book.history("T_MC", start=T0, stop=T0 + timedelta(minutes=4), points=2)
    assert history.tier == "1m" and [b.n for b in history.bins] == [36, 1]
    assert history.bins[-1].last == 181.0 and history.bins[-1].max == 181.0


def test_a_late_value_into_a_settled_open_minute_is_counted(store: Store) -> None:
    book = ReadingBook(store, "sc")
    for s in (0, 50):
        book.add([poll_from_values("MMR3", "fridge", T0 + timedelta(seconds=s), {"T_MC": 1.0 + s}, {"T_MC": "K"})])
    store.rollups("sc").settle()
    book.add([poll_from_values("MMR3", "fridge", T0 + timedelta(seconds=30), {"T_MC": 31.0}, {"T_MC": "K"})])
    (minute,) = book.history("T_MC", start=T0, stop=T0 + timedelta(minutes=2), points=2).bins
    assert (minute.n, minute.min, minute.max, minute.last) == (3, 1.0, 51.0, 51.0)
    assert math.isclose(minute.mean, (1.0 + 31.0 + 51.0) / 3, rel_tol=1e-12)


def test_retention_after_a_device_fell_silent_keeps_its_last_minute(store: Store) -> None:
    book = ReadingBook(store, "sc")
    for s in range(0, 125, 5):
        book.add([poll_from_values("MMR3", "fridge", T0 + timedelta(seconds=s), {"T_MC": 1.0 + s}, {"T_MC": "K"})])
    cutoff = to_micros(T0 + timedelta(days=1))
    store.rollups("sc").settle()  # as `ricochetdb retention` does before deleting
    (done,) = store.rollups("sc").retention({"raw": cutoff}, delete=True)
    assert done.rows == 25 and book.find() == []
    history = book.history("T_MC", start=T0, stop=T0 + timedelta(minutes=4), points=2)
    assert sum(b.n for b in history.bins) == 25 and history.bins[-1].last == 121.0
