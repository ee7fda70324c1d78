"""History, stream summaries and window statistics on the in-memory store, against raw recomputations."""

from __future__ import annotations

import itertools
import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from rollup_checks import assert_matches

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.bookkeeping import StreamBook
from ricochetdb.application.readings import ReadingBook
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll, poll_from_values
from ricochetdb.domain.readings import ClockSource
from ricochetdb.domain.validation import to_micros

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class FakeClock:
    source: ClockSource = "server"

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def polls(device: str, seconds: range, every: int = 10, outage: tuple[int, int] = (0, 0), **fixed: float) -> list[Poll]:
    """Polls every ``every`` s over ``seconds``, none during ``outage`` (s from T0); T_MC wobbles around 12 mK."""
    found = []
    for s in seconds[::every]:
        if outage[0] <= s < outage[1]:
            continue
        values = {"T_MC": 0.012 + 1e-5 * math.sin(s / 300), **fixed}
        found.append(poll_from_values("MMR3", device, T0 + timedelta(seconds=s), values, {"T_MC": "K"}))
    return found


@pytest.fixture
def store() -> InMemoryStore:
    built = InMemoryStore(FakeClock(T0 + timedelta(days=3)))
    book = ReadingBook(built, "sc")
    book.add(polls("fridge", range(0, 3 * 86400), outage=(30_000, 33_000)))
    book.add(polls("gauge", range(0, 3 * 86400), every=60, T_MC=1.0))
    return built


def raw(store: InMemoryStore, device: str, start: datetime, stop: datetime) -> list[tuple[int, float]]:
    found = ReadingBook(store, "sc").find(device, "T_MC", start, stop)
    return [(to_micros(r.timestamp), float(r.value)) for r in found if isinstance(r.value, float)]


class TestHistory:
    @pytest.mark.parametrize(
        ("start", "hours", "points", "tier"),
        [(0.25, 0.2, 2000, "raw"), (1.3, 30, 200, "1m"), (0.4, 70, 30, "1h"), (0.0, 72, 2, "1d")],
    )
    def test_every_bin_equals_the_raw_values_it_covers(
        self, store: InMemoryStore, start: float, hours: float, points: int, tier: str
    ) -> None:
        begin, end = T0 + timedelta(hours=start), T0 + timedelta(hours=start + hours)
        history = ReadingBook(store, "sc").history("T_MC", "fridge", begin, end, points)
        assert history.tier == tier and 0 < len(history.bins) <= points and history.unit == "K"
        values = raw(store, "fridge", begin, end)
        assert sum(b.n for b in history.bins) == len(values)
        edges = [to_micros(b.t) for b in history.bins[1:]] + [to_micros(end) + 1]
        for item, edge in zip(history.bins, edges, strict=True):
            inside = [p for p in values if to_micros(item.t) <= p[0] < edge]
            assert (item.n, item.first, item.last) == (len(inside), inside[0][1], inside[-1][1])
            assert (item.min, item.max) == (min(v for _, v in inside), max(v for _, v in inside))
            assert math.isclose(item.mean, statistics.fmean(v for _, v in inside), rel_tol=1e-12)

    @pytest.mark.parametrize("hours", [10, 30, 72])
    def test_the_outage_is_one_gap_at_every_zoom(self, store: InMemoryStore, hours: int) -> None:
        history = ReadingBook(store, "sc").history("T_MC", "fridge", T0, T0 + timedelta(hours=hours), 100)
        assert [(g.start, g.stop) for g in history.gaps] == [
            (T0 + timedelta(seconds=29_990), T0 + timedelta(seconds=33_000))
        ]

    def test_a_window_without_readings_is_one_gap_and_no_bin(self, store: InMemoryStore) -> None:
        begin = T0 + timedelta(seconds=30_100)
        history = ReadingBook(store, "sc").history("T_MC", "fridge", begin, begin + timedelta(minutes=10))
        assert history.bins == [] and [(g.start, g.stop) for g in history.gaps] == [
            (begin, begin + timedelta(minutes=10))
        ]

    def test_an_explicit_interval_sets_what_counts_as_a_gap(self, store: InMemoryStore) -> None:
        book = ReadingBook(store, "sc")
        assert book.history("T_MC", "gauge", T0, T0 + timedelta(hours=1)).gaps == []
        assert len(book.history("T_MC", "gauge", T0, T0 + timedelta(hours=1), interval=10.0).gaps) == 60

    def test_the_default_window_is_the_last_day_before_the_database_now(self, store: InMemoryStore) -> None:
        history = ReadingBook(store, "sc").history("T_MC", "fridge")
        assert (history.start, history.stop) == (T0 + timedelta(days=2), T0 + timedelta(days=3))

    def test_a_label_of_several_devices_needs_one_named(self, store: InMemoryStore) -> None:
        with pytest.raises(ValidationError, match="fridge, gauge"):
            ReadingBook(store, "sc").history("T_MC")
        with pytest.raises(ValidationError, match="no device"):
            ReadingBook(store, "sc").history("T_4K")
        with pytest.raises(ValidationError, match="points"):
            ReadingBook(store, "sc").history("T_MC", "fridge", points=0)

    def test_latest_values_come_from_the_latest_table(self, store: InMemoryStore) -> None:
        book = ReadingBook(store, "sc")
        assert [(r.device, r.label) for r in book.latest_values()] == [("fridge", "T_MC"), ("gauge", "T_MC")]
        assert book.latest("gauge") == book.latest_values()[1:]
        assert book.latest(since=T0 + timedelta(days=4)) == []


class TestStreamSummary:
    def stream(self, store: InMemoryStore) -> StreamBook:
        book = StreamBook(store, "streams")
        book.create({"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""})
        book.start("s1", T0 + timedelta(seconds=7_777))
        return book

    def test_the_summary_kept_at_stop_equals_the_raw_values(self, store: InMemoryStore) -> None:
        book = self.stream(store)
        stopped = book.stop("s1", T0 + timedelta(seconds=160_003))
        assert stopped.summary is not None and book.get("s1").summary == stopped.summary
        (fridge, gauge) = stopped.summary.channels
        start, stop = T0 + timedelta(seconds=7_777), T0 + timedelta(seconds=160_003)
        values = raw(store, "fridge", start, stop)
        assert (fridge.collection, fridge.device, fridge.label, fridge.unit) == ("sc", "fridge", "T_MC", "K")
        assert fridge.n == len(values) and math.isclose(fridge.mean, statistics.fmean(v for _, v in values))
        assert math.isclose(fridge.std, statistics.pstdev(v for _, v in values), rel_tol=1e-9)
        assert (fridge.first, fridge.last) == (values[0][1], values[-1][1])
        assert fridge.longest_gap_s == 3010.0
        covered = sum(min(b[0] - a[0], 30e6) for a, b in itertools.pairwise(values)) + 3e6
        assert math.isclose(fridge.coverage, covered / (to_micros(stop) - to_micros(start)), rel_tol=1e-12)
        assert gauge.device == "gauge" and gauge.coverage > 0.99

    def test_on_demand_summaries_keep_or_recompute(self, store: InMemoryStore) -> None:
        book = self.stream(store)
        running = book.summary("s1")
        assert running.stop == store.clock.now() and book.get("s1").summary is None
        book.stop("s1", T0 + timedelta(days=1))
        kept = book.summary("s1")
        assert kept.stop == T0 + timedelta(days=1)
        only = book.summary("s1", collections=["sc"], interval=60.0)
        assert only.interval_s == 60.0 and only.channels[0].coverage > kept.channels[0].coverage

    def test_the_stream_temperature_comes_from_the_same_path(self, store: InMemoryStore) -> None:
        book = self.stream(store)
        book.stop("s1", T0 + timedelta(days=2))
        stream = book.compute_temperature("s1", "sc", "T_MC", "fridge")
        values = [v for _, v in raw(store, "fridge", T0 + timedelta(seconds=7_777), T0 + timedelta(days=2))]
        assert stream.temperature is not None
        assert math.isclose(stream.temperature.mean, statistics.fmean(values), rel_tol=1e-12)
        assert math.isclose(stream.temperature.std, statistics.pstdev(values), rel_tol=1e-9)


def test_a_bucket_of_the_store_is_a_raw_recomputation(store: InMemoryStore) -> None:
    day = store.rollups("sc").buckets("1d", [("fridge", "T_MC")], 0, 2**62)[("fridge", "T_MC")][0]
    assert_matches(day, raw(store, "fridge", T0, T0 + timedelta(days=1) - timedelta(microseconds=1)))
