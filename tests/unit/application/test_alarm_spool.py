"""Alarm transitions and operator actions are spooled like readings while the database is away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.memory_alarms import InMemoryAlarmLog
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.ports import AlarmLog
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction
from ricochetdb.domain.errors import StoreUnavailable

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class AwayLog(InMemoryAlarmLog):
    """The primary's alarm log, refusing everything while ``down``; counts the calls it got."""

    def __init__(self, database: Primary) -> None:
        super().__init__(database.alarm_entries)
        self.database = database

    def _check(self) -> None:
        self.database.calls += 1
        if self.database.down:
            raise StoreUnavailable("primary", "", "connection refused")

    def add(self, event: AlarmEvent) -> None:
        self._check()
        super().add(event)

    def act(self, action: OperatorAction) -> None:
        self._check()
        super().act(action)

    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        self._check()
        return super().actions(since, limit)


class Primary(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0
        self.alarm_entries: list[AlarmEvent | OperatorAction] = []

    def alarms(self, collection: str) -> AlarmLog:
        return AwayLog(self)


def spooling(tmp_path: Path) -> tuple[SpoolingStore, Primary]:
    primary, spool = Primary(), SqliteStore(str(tmp_path / "spool.sqlite"))
    return SpoolingStore(primary, spool, SqliteArchive(spool), retry_after=60.0, monotonic=lambda: 0.0), primary


def firing(seconds: int) -> AlarmEvent:
    return AlarmEvent("mc", "CRYO", "firing", "ok", T0 + timedelta(seconds=seconds), "above", value=0.2, threshold=0.1)


def test_transitions_and_actions_go_to_the_spool_and_are_replayed_exactly_once(tmp_path: Path) -> None:
    store, primary = spooling(tmp_path)
    primary.down = True
    log = store.alarms("alarm_events")
    log.add(firing(0))
    log.act(OperatorAction("ack", T0 + timedelta(seconds=5), "alice", "mc"))
    log.add(firing(60))
    assert store.pending() == {"alarms:alarm_events": 3}
    primary.down = False
    store.link.retry_at = 0.0
    report = store.replay()
    assert report.delivered == {"alarms:alarm_events": 3} and store.pending() == {}
    assert [e.timestamp for e in InMemoryAlarmLog(primary.alarm_entries).events()] == [
        T0 + timedelta(seconds=60),
        T0,
    ]
    assert InMemoryAlarmLog(primary.alarm_entries).actions()[0].user == "alice"
    store.alarms("alarm_events").add(firing(0))  # delivered again by a replay cut short: still once
    assert len(primary.alarm_entries) == 3


def test_reading_the_log_fails_at_once_while_the_database_is_known_away(tmp_path: Path) -> None:
    store, primary = spooling(tmp_path)
    primary.down = True
    log = store.alarms("alarm_events")
    with pytest.raises(StoreUnavailable):
        log.actions()
    calls = primary.calls
    with pytest.raises(StoreUnavailable):
        log.actions()
    assert primary.calls == calls  # not asked again before retry_after
