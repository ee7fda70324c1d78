"""The polling use-case with fake device readers: isolation, stamping, mapping, health events."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.polling import Poller
from ricochetdb.domain.errors import DeviceError, DeviceTimeout, StoreUnavailable, ValidationError
from ricochetdb.domain.polls import DeviceReply, FieldError
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
    def __init__(
        self,
        device_type: str,
        address: str,
        outcome: list[Measurement] | Exception,
        meet: threading.Barrier | None = None,
        errors: list[FieldError] | None = None,
    ):
        self.device_type, self.address, self.outcome, self.meet = device_type, address, outcome, meet
        self.errors = errors or []
        self.closed = False

    def read(self) -> DeviceReply:
        if self.meet is not None:
            self.meet.wait(timeout=60)  # only passes if every reader is being read at the same time
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return DeviceReply(self.outcome, self.errors)

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
        (poll,) = result.polls["mmr3"]
        assert (poll.device, poll.timestamp, poll.clock) == ("MMR3@10.0.0.31", T0, "server")

    def test_without_the_database_clock_the_local_clock_is_used_and_flagged(self) -> None:
        polling, _ = poller(down=True)
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("R1", 1200.0, "Ohm")]), "mmr3")
        (poll,) = polling.fetch().polls["mmr3"]
        assert poll.timestamp == LOCAL and poll.clock == "local"

    def test_one_failing_device_does_not_lose_the_others(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("CMCPA", "10.0.0.5", DeviceTimeout("CMCPA 10.0.0.5", "", "no reply")), "cpa")
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("R1", 1.0, "Ohm")]), "mmr3")
        polling.add(FakeReader("MGC3", "10.0.0.32", RuntimeError("bug in a reader")), "mgc3")
        result = polling.fetch()
        assert result.count == 1
        assert sorted(f.device for f in result.failures) == ["CMCPA@10.0.0.5", "MGC3@10.0.0.32"]
        assert "reader bug" in next(f.error for f in result.failures if f.device == "MGC3@10.0.0.32")
        assert list(result.polls) == ["mmr3"]

    def test_bad_fields_are_reported_and_good_fields_kept(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("ok", 1.0), Measurement("bad.label", 2.0)]), "mmr3")
        result = polling.fetch()
        assert [list(p.values) for p in result.polls["mmr3"]] == [["ok"]]
        assert result.failures[0].field == "bad.label"

    def test_a_readers_field_errors_reach_the_fetch_result_and_the_events_once(self) -> None:
        polling, store = poller()
        garbage = [FieldError("ch3_temperature", "not a number: '#'")]
        polling.add(FakeReader("MMR3", "m", [Measurement("ch1_temperature", 0.01, "K")], errors=garbage), "mmr3")
        results = [polling.fetch() for _ in range(3)]
        expected = [("ch3_temperature", "not a number: '#'")]
        assert all([(f.field, f.error) for f in r.failures] == expected for r in results)
        assert all(r.count == 1 for r in results)
        events = store.events("device_events").find()
        assert [(e.state, e.error) for e in events] == [("partial", "ch3_temperature: not a number: '#'")]

    @pytest.mark.parametrize("devices", [20, 100])
    def test_every_device_is_read_at_the_same_time_however_many(self, devices: int) -> None:
        polling, _ = poller()
        meet = threading.Barrier(devices)
        for i in range(devices):
            polling.add(FakeReader("MMR3", f"m{i}", [Measurement("v", float(i))], meet), "mmr3")
        result = polling.fetch()
        assert result.count == devices and not meet.broken

    def test_a_name_is_the_stored_identity(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "10.0.0.31", [Measurement("v", 1.0)]), "a", name="fridge-bridge-a")
        polling.add(FakeReader("JSON-CRYO", "10.0.0.31", [Measurement("v", 1.0)]), "a")
        assert [p.device for p in polling.fetch().polls["a"]] == ["fridge-bridge-a", "JSON-CRYO@10.0.0.31"]

    def test_the_category_selects_devices(self) -> None:
        polling, _ = poller()
        polling.add(FakeReader("MMR3", "m", [Measurement("v", 1.0)]), "a")
        polling.add(FakeReader("CMCPA", "c", [Measurement("v", 1.0)]), "b")
        assert list(polling.fetch("compressor").polls) == ["b"]
        assert list(polling.fetch("imacrt").polls) == ["a"]
        with pytest.raises(ValidationError, match="category"):
            polling.fetch("fridge")

    def test_the_mapping_renames_raw_fields_and_keeps_unknown_ones(self) -> None:
        polling, _ = poller()
        polling.mapping = {"MMR3": {"ch1_t": "T_4K"}}
        polling.add(FakeReader("MMR3", "m", [Measurement("ch1_t", 4.0, "K"), Measurement("ch2_t", 1.0, "K")]), "a")
        assert [list(p.values) for p in polling.fetch().polls["a"]] == [["T_4K", "ch2_t"]]


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


def test_close_closes_every_reader() -> None:
    polling, _ = poller()
    reader = FakeReader("MMR3", "m", [])
    polling.add(reader, "a")
    polling.close()
    assert reader.closed


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
