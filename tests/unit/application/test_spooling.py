"""The spool with a database that can be switched off: nothing lost, nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import DaqMessageLog, DeviceEventLog, ReadingRepository, WriteReport
from ricochetdb.application.replay import replay
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.domain.errors import StoreUnavailable
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.polls import DeviceReply, Poll
from ricochetdb.domain.readings import ClockSource, Measurement

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class SwitchableClock:
    source: ClockSource = "server"

    def __init__(self, database: SwitchableStore) -> None:
        self.database = database

    def now(self) -> datetime:
        self.database.check()
        return T0 + timedelta(seconds=self.database.ticks)


class SwitchableReadings(ReadingRepository):
    """The in-memory repository, failing while the database is down (after ``fail_after`` readings)."""

    def __init__(self, database: SwitchableStore, inner: ReadingRepository) -> None:
        self.database, self.inner = database, inner

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        self.database.check()
        if self.database.fail_after is not None:
            taken = self.inner.add(polls[: self.database.fail_after], bulk_size)
            self.database.down, self.database.fail_after = True, None
            raise StoreUnavailable("db", "", f"died after {taken.new}")
        return self.inner.add(polls, bulk_size)

    def find(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.find(*args, **kwargs)

    def latest(self, device=None):  # type: ignore[no-untyped-def]
        return self.inner.latest(device)

    def stats(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.stats(*args, **kwargs)


class SwitchableStore(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.ticks = 0
        self.fail_after: int | None = None
        self.clock = SwitchableClock(self)

    def check(self) -> None:
        if self.down:
            raise StoreUnavailable("db", "", "connection refused")

    def readings(self, collection: str) -> ReadingRepository:
        return SwitchableReadings(self, super().readings(collection))

    def daq(self, collection: str) -> DaqMessageLog:
        return SwitchableDaq(self, super().daq(collection))

    def events(self, collection: str) -> DeviceEventLog:
        return SwitchableEvents(self, super().events(collection))


class SwitchableEvents(DeviceEventLog):
    def __init__(self, database: SwitchableStore, inner: DeviceEventLog) -> None:
        self.database, self.inner = database, inner

    def add(self, event: DeviceEvent) -> None:
        self.database.check()
        self.inner.add(event)

    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        return self.inner.find(device, limit)


class SwitchableDaq(DaqMessageLog):
    def __init__(self, database: SwitchableStore, inner: DaqMessageLog) -> None:
        self.database, self.inner = database, inner

    def add(self, messages: Sequence[DaqMessage]) -> int:
        self.database.check()
        return self.inner.add(messages)

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return self.inner.find(topic, limit)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(tmp_path: Path) -> tuple[SwitchableStore, SpoolingStore, FakeMonotonic]:
    primary = SwitchableStore()
    local = SqliteStore(str(tmp_path / "spool.sqlite"))
    monotonic = FakeMonotonic()
    return primary, SpoolingStore(primary, local, SqliteArchive(local), retry_after=10, monotonic=monotonic), monotonic


def batch(i: int, n: int = 3) -> list[Poll]:
    """One poll of ``n`` labels at second ``i``."""
    return [Poll("m", "MMR3", T0 + timedelta(seconds=i), {f"v{k}": float(i) for k in range(n)}, {})]


class TestSpooling:
    def test_readings_go_to_the_spool_while_the_database_is_down_and_come_back_once(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, monotonic = setup
        store.readings("r").add(batch(0))
        primary.down = True
        store.readings("r").add(batch(1))
        store.readings("r").add(batch(2))
        assert store.offline and store.pending() == {"readings:r": 6}
        primary.down = False
        assert store.replay().total == 0  # still inside the retry window: not tried
        monotonic.now = 11
        report = store.replay()
        assert report.total == 6 and report.new == 6 and store.pending() == {}
        assert len(primary.readings("r").find()) == 9 and not store.offline

    def test_a_write_cut_in_the_middle_is_completed_without_duplicates(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, monotonic = setup
        primary.fail_after = 2
        store.readings("r").add([poll for i in range(5) for poll in batch(i, 1)])
        assert store.pending() == {"readings:r": 5}
        primary.down = False
        monotonic.now = 11
        report = store.replay()
        assert (report.total, report.new) == (5, 3)
        assert len(primary.readings("r").find()) == 5

    def test_a_replay_cut_in_the_middle_delivers_the_rest_exactly_once(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, _monotonic = setup
        primary.down = True
        for i in range(10):
            store.readings("r").add(batch(i))
        primary.down = False
        primary.fail_after = 1  # dies after storing the first of the first page's two polls
        report = replay(store.archive, primary, bulk_size=6)
        assert report.stopped and report.total == 0 and store.pending() == {"readings:r": 30}
        primary.down = False
        report = replay(store.archive, primary, bulk_size=6)
        assert (report.total, report.new) == (30, 27) and not report.stopped
        stored = primary.readings("r").find()
        assert len(stored) == 30 and len({(r.label, r.timestamp) for r in stored}) == 30

    def test_a_daq_batch_is_spooled_whole_and_replayed_once(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, monotonic = setup
        logger = DaqLogger(store, "daq")
        primary.down = True
        logger.insert([{"topic": "a", "timestamp": 1.0}, {"topic": "b", "timestamp": 2.0}])
        assert store.pending() == {"daq:daq": 2}
        primary.down = False
        monotonic.now = 11
        assert store.replay().total == 2
        assert [m["topic"] for m in primary.daq("daq").find()] == ["a", "b"]

    def test_device_events_are_spooled_and_replayed_once_in_order(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, monotonic = setup
        events = [
            DeviceEvent("CMCPA", "CMCPA@10.0.0.5", "degraded", "timeout", T0),
            DeviceEvent("CMCPA", "CMCPA@10.0.0.5", "ok", "", T0 + timedelta(seconds=30)),
        ]
        primary.down = True
        for event in events:
            store.events("device_events").add(event)
        assert store.pending() == {"events:device_events": 2}
        primary.down = False
        monotonic.now = 11
        assert store.replay().total == 2 and store.replay().total == 0
        assert primary.events("device_events").find() == events[::-1]

    def test_while_down_the_poller_stamps_with_the_local_clock_and_flags_it(self, setup) -> None:  # type: ignore[no-untyped-def]
        primary, store, _ = setup

        class Reader:
            device_type, address = "MMR3", "m"

            def read(self) -> DeviceReply:
                return DeviceReply([Measurement("v", 1.0)])

            def close(self) -> None:
                pass

        poller = Poller(store.clock, InMemoryStore().clock)
        poller.add(Reader(), "r")
        primary.down = True
        store.readings("r").add(poller.fetch().all_polls())
        spooled = SqliteArchive(store.spool).page("readings", "r").items  # type: ignore[arg-type]
        assert spooled[0].clock == "local"
