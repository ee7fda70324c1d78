"""The poll loop use-case with fakes: what it does when the store is away, refuses, or the memory fills."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.poll_loop import CycleReport, PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import ReadingRepository, ReplayReport, Spool, WriteReport
from ricochetdb.domain.errors import StoreUnavailable, ValidationError
from ricochetdb.domain.polls import DeviceReply, Poll
from ricochetdb.domain.readings import ClockSource, Measurement

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class TickingClock:
    source: ClockSource = "server"

    def __init__(self) -> None:
        self.ticks = 0

    def now(self) -> datetime:
        self.ticks += 1
        return T0 + timedelta(seconds=self.ticks)


class Reader:
    device_type, address = "MMR3", "10.0.0.31"

    def __init__(self, labels: int = 2) -> None:
        self.labels = labels
        self.offset = 0.0

    def read(self) -> DeviceReply:
        return DeviceReply([Measurement(f"v{i}", i + self.offset, "K") for i in range(self.labels)])

    def close(self) -> None:
        pass


class Readings(ReadingRepository):
    """The in-memory repository behind a switch: 'up', 'down' (unreachable) or 'refusing'."""

    def __init__(self, store: FlakyStore, inner: ReadingRepository) -> None:
        self.store, self.inner = store, inner

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        if self.store.mode == "down":
            raise StoreUnavailable("db", "", "connection refused")
        if self.store.mode == "refusing":
            raise ValidationError("readings", "T", "cannot be stored")
        return self.inner.add(polls, bulk_size)

    def find(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.find(*args, **kwargs)

    def latest(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.latest(*args, **kwargs)

    def stats(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.stats(*args, **kwargs)


class FlakyStore(InMemoryStore):
    def __init__(self) -> None:
        super().__init__(TickingClock())
        self.mode = "up"

    def readings(self, collection: str) -> ReadingRepository:
        return Readings(self, super().readings(collection))


class CountingSpool(Spool):
    def __init__(self) -> None:
        self.asked: list[int | None] = []

    def pending(self) -> dict[str, int]:
        return {}

    def replay(self, bulk_size: int = 1000, max_items: int | None = None) -> ReplayReport:
        self.asked.append(max_items)
        return ReplayReport()


def loop(store: FlakyStore, labels: int = 2, **options: object) -> PollLoop:
    poller = Poller(store.clock, store.clock)
    poller.add(Reader(labels), "r")
    return PollLoop(poller, store, interval=0.0, **options)  # type: ignore[arg-type]


class TestStoreFailures:
    def test_while_the_store_is_unreachable_polls_wait_in_memory_and_are_written_once_it_is_back(self) -> None:
        store = FlakyStore()
        polling = loop(store)
        store.mode = "down"
        reports = [polling.cycle() for _ in range(3)]
        assert [r.backlog for r in reports] == [2, 4, 6] and all("refused" in r.store_error for r in reports)
        store.mode = "up"
        report = polling.cycle()
        assert (report.stored, report.backlog) == (8, 0)
        assert len(store.readings("r").find()) == 8

    def test_a_batch_the_store_refuses_is_not_retried_forever(self) -> None:
        store = FlakyStore()
        polling = loop(store)
        store.mode = "refusing"
        report = polling.cycle()
        assert (report.stored, report.backlog) == (0, 0) and "cannot be stored" in report.store_error
        store.mode = "up"
        assert polling.cycle().stored == 2

    def test_the_memory_backlog_is_bounded_and_drops_the_oldest_loudly(self, caplog: pytest.LogCaptureFixture) -> None:
        store = FlakyStore()
        polling = loop(store, max_backlog=5)
        store.mode = "down"
        reports = [polling.cycle() for _ in range(4)]
        assert [r.backlog for r in reports] == [2, 4, 4, 4]
        assert sum("dropped the poll" in r.getMessage() for r in caplog.records) == 2
        store.mode = "up"
        polling.cycle()
        kept = sorted({r.timestamp for r in store.readings("r").find()})
        assert kept == [T0 + timedelta(seconds=s) for s in (3, 4, 5)]

    def test_a_second_poll_at_the_same_instant_is_reported_in_the_cycle(self) -> None:
        store = FlakyStore()
        polling = loop(store)
        reader = polling.poller.sources[0].reader
        polling.cycle()
        store.clock.ticks = 0  # the server clock stepped back
        reader.offset = 0.5  # type: ignore[attr-defined]
        report = polling.cycle()
        assert report.stored == 0
        assert [(c.device, c.timestamp, c.labels) for c in report.conflicts] == [
            ("MMR3@10.0.0.31", T0 + timedelta(seconds=1), ("v0", "v1"))
        ]


class TestCycle:
    def test_observers_see_every_cycle_even_when_one_of_them_fails(self) -> None:
        store = FlakyStore()
        seen: list[CycleReport] = []

        def broken(_report: CycleReport) -> None:
            raise RuntimeError("observer bug")

        polling = loop(store, observers=[broken, seen.append])
        store.mode = "down"
        stats = polling.run(cycles=3)
        assert stats.cycles == 3 and len(seen) == 3
        assert [len(r.polls) for r in seen] == [1, 1, 1] and seen[-1].backlog == 6

    def test_the_spool_is_replayed_a_bounded_amount_after_each_cycle(self) -> None:
        store = FlakyStore()
        spool = CountingSpool()
        loop(store, spool=spool, replay_per_cycle=500).run(cycles=2)
        assert spool.asked == [500, 500]

    def test_a_set_stop_ends_the_loop_before_the_next_cycle(self) -> None:
        store = FlakyStore()
        polling = loop(store)
        polling.observers.append(lambda _report: polling.stop.set())
        assert polling.run().cycles == 1
