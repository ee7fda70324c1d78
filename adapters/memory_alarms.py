"""In-memory alarm log: the reference the contract suite holds the SQLite and MongoDB logs to."""

from __future__ import annotations

from datetime import datetime

from ricochetdb.application.ports import AlarmLog
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction


class InMemoryAlarmLog(AlarmLog):
    """Transitions and actions in insertion order; newest first means latest time, then latest stored."""

    def __init__(self, entries: list[AlarmEvent | OperatorAction]) -> None:
        self.entries = entries
        self.ids = {entry.id for entry in entries}

    def _store(self, entry: AlarmEvent | OperatorAction) -> None:
        if entry.id not in self.ids:
            self.ids.add(entry.id)
            self.entries.append(entry)

    def _newest(self, since: datetime | None) -> list[AlarmEvent | OperatorAction]:
        ordered = sorted(enumerate(self.entries), key=lambda pair: (pair[1].timestamp, pair[0]), reverse=True)
        return [entry for _, entry in ordered if since is None or entry.timestamp >= since]

    def add(self, event: AlarmEvent) -> None:
        self._store(event)

    def events(
        self,
        name: str | None = None,
        device: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AlarmEvent]:
        found = [
            e
            for e in self._newest(since)
            if isinstance(e, AlarmEvent) and (name is None or e.name == name) and (device is None or e.device == device)
        ]
        return found if limit is None else found[:limit]

    def act(self, action: OperatorAction) -> None:
        self._store(action)

    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        found = [a for a in self._newest(since) if isinstance(a, OperatorAction)]
        return found if limit is None else found[:limit]
