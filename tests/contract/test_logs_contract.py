"""Contract of DaqMessageLog and DeviceEventLog."""

from __future__ import annotations

from datetime import UTC, datetime

from ricochetdb.application.ports import Store
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import validate_batch

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TestDaqMessageLog:
    def test_messages_are_stored_as_given_in_order(self, store: Store) -> None:
        log = store.daq("daq")
        batch = validate_batch(
            [
                {"topic": "t1", "timestamp": 1700000000.25, "val1": 5, "myfield_2": "text"},
                {"topic": "t4", "timestamp": T0, "nested": {"a": [1, 2]}},
                {"topic": "t1", "timestamp": 1700000001, "val1": 6},
            ]
        )
        assert log.add(batch) == 3
        assert log.find() == [m.body for m in batch]
        assert [m["val1"] for m in log.find("t1")] == [5, 6]
        assert log.find("t4")[0]["timestamp"] == T0
        assert len(log.find(limit=2)) == 2

    def test_a_replayed_batch_adds_nothing(self, store: Store) -> None:
        log = store.daq("daq")
        batch = validate_batch([{"topic": "t", "timestamp": 1.0}, {"topic": "t", "timestamp": 1.0}])
        assert log.add(batch) == 2
        assert log.add(batch) == 0
        assert len(log.find()) == 2


class TestDeviceEventLog:
    def test_events_come_back_newest_first(self, store: Store) -> None:
        log = store.events("device_events")
        down = DeviceEvent("CMCPA", "10.0.0.5", "degraded", "timeout", T0)
        up = DeviceEvent("CMCPA", "10.0.0.5", "ok", "", T0.replace(minute=5))
        other = DeviceEvent("MMR3", "10.0.0.31", "degraded", "refused", T0.replace(minute=6))
        for event in (down, up, other):
            log.add(event)
        assert log.find() == [other, up, down]
        assert log.find("10.0.0.5", limit=1) == [up]


def test_an_event_stored_twice_is_kept_once(store: Store) -> None:
    log = store.events("device_events")
    event = DeviceEvent("CMCPA", "10.0.0.5", "degraded", "timeout", T0)
    log.add(event)
    log.add(event)
    assert log.find() == [event]
