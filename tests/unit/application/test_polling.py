"""The polling use-case with fake device readers: isolation, stamping, mapping, health events."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.polling import Poller
from ricochetdb.domain.errors import DeviceError, DeviceTimeout, StoreUnavailable, ValidationError
from ricochetdb.domain.polls import DeviceReply
from ricochetdb.domain.readings import ClockSource, Measurement

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
LOCAL = datetime(2026, 11, 24, 3, 0, 5, tzinfo=UTC)


class FakeClock:
    def __init__(self, moment: datetime, source: ClockSource = "server", down: bool = False) -> None:
        self.moment, self.source, self.down = moment, source, down

    def now(self) -> datetime:
        if self.down:
            raise StoreUnavailable("mongodb", "", "server selection timed out")
        return self.moment


class FakeReader:
    def __init__(self, device_type: str, address: str, outcome: list[Measurement] | Exception, delay: float = 0):
        self.device_type, self.address, self.outcome, self.delay = device_type, address, outcome, delay
        self.closed = False

    def read(self) -> DeviceReply:
        time.sleep(self.delay)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return DeviceReply(self.outcome)

    def close(self) -> None:
        self.closed = True


def poller(down: bool = False) -> tuple[Poller, InMemoryStore]:
    store = InMemoryStore(FakeClock(T0))
    return Poller(FakeClock(T0, down=down), FakeClock(LOCAL, "local"), {}, store.events("device_events")), store


class TestFetch:
    def test_every_reading_is_stamped_with_the_database_time(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("R1", 1200.0, "Ohm")]), "mmr3")
        result = polling.fetch()
        (reading,) = result.readings["mmr3"]
        assert reading.timestamp == T0 and reading.clock == "server"

    def test_without_the_database_clock_the_local_clock_is_used_and_flagged(self) -> None:
        polling, _ = poller(down=True)
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("R1", 1200.0, "Ohm")]), "mmr3")
        (reading,) = polling.fetch().readings["mmr3"]
        assert reading.timestamp == LOCAL and reading.clock == "local"

    def test_one_failing_device_does_not_lose_the_others(self) -> None:
        polling, store = poller()
        polling.add(FakeReader("CMCPA", "10.0.0.5", DeviceTimeout("CMCPA 10.0.0.5", "", "no reply")), "cpa")
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("R1", 1.0, "Ohm")]), "mmr3")
        polling.add(FakeReader("MGC3", "10.0.0.32", RuntimeError("bug in a reader")), "mgc3")
        result = polling.fetch()
        assert result.count == 1
        assert sorted(f.device for f in result.failures) == ["10.0.0.32", "10.0.0.5"]
        assert "reader bug" in next(f.error for f in result.failures if f.device == "10.0.0.32")
        assert polling.upload(store) == 1

    def test_bad_fields_are_reported_and_good_fields_kept(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("ok", 1.0), Measurement("bad.label", 2.0)]), "mmr3")
        result = polling.fetch()
        assert [r.label for r in result.readings["mmr3"]] == ["ok"]
        assert "bad.label" in result.failures[0].error

    def test_devices_are_read_concurrently(self) -> None:
        polling, _ = poller()
        for i in range(20):
            polling.add(FakeReader("MMR3", f"m{i}", [Measurement("v", float(i))], delay=0.2), "mmr3")
        started = time.monotonic()
        assert polling.fetch().count == 20
        assert time.monotonic() - started < 2.0

    def test_the_category_selects_devices(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("v", 1.0)]), "a")
        polling.add(FakeReader("CMCPA", "c", [Measurement("v", 1.0)]), "b")
        assert list(polling.fetch("compressor").readings) == ["b"]
        assert list(polling.fetch("imacrt").readings) == ["a"]
        with pytest.raises(ValidationError, match="category"):
            polling.fetch("fridge")

    def test_the_mapping_renames_raw_fields_and_keeps_unknown_ones(self) -> None:
        polling, _ = poller()
        polling.mapping = {"MMR3": {"ch1_t": "T_4K"}}
        polling.add(FakeReader("MMR3", "m", [Measurement("ch1_t", 4.0, "K"), Measurement("ch2_t", 1.0, "K")]), "a")
        assert [r.label for r in polling.fetch().readings["a"]] == ["T_4K", "ch2_t"]


class TestHealth:
    def test_a_failure_and_a_recovery_are_each_recorded_once(self) -> None:
        polling, store = poller()
        reader = FakeReader("CMCPA", "10.0.0.5", DeviceError("CMCPA 10.0.0.5", "", "refused"))
        polling.add(reader, "cpa")
        for _ in range(3):
            polling.fetch()
        reader.outcome = [Measurement("v", 1.0)]
        polling.fetch()
        polling.fetch()
        events = store.events("device_events").find()
        assert [e.state for e in events] == ["ok", "degraded"]
        assert "refused" in events[1].error


class TestUploadAndFiles:
    def test_upload_writes_each_collection_and_forgets_the_batch(self) -> None:
        polling, store = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("v", 1.0)]), "mmr3-2026")
        polling.fetch()
        assert polling.upload(store) == 1
        assert polling.upload(store) == 0
        assert len(store.readings("mmr3-2026").find()) == 1

    def test_upload_to_a_named_collection_overrides_the_sources(self) -> None:
        polling, store = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("v", 1.0)]), "mmr3-2026")
        polling.fetch()
        polling.upload(store, "elsewhere")
        assert len(store.readings("elsewhere").find()) == 1

    def test_close_closes_every_reader(self) -> None:
        polling, _ = poller()
        reader = FakeReader("MMR3", "m", [])
        polling.add(reader, "a")
        polling.close()
        assert reader.closed


def test_fetch_threads_do_not_outlive_the_fetch() -> None:
    polling, _ = poller()
    polling.add(FakeReader("MMR3", "m", [Measurement("v", 1.0)]), "a")
    before = threading.active_count()
    polling.fetch()
    assert threading.active_count() == before


def test_a_lost_database_clock_is_logged_once_per_change(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(T0, down=True)
    polling = Poller(clock, FakeClock(LOCAL, "local"))
    for _ in range(5):
        polling.fetch()
    clock.down = False
    polling.fetch()
    polling.fetch()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("clock unavailable" in m for m in messages) == 1
    assert sum("available again" in m for m in messages) == 1
