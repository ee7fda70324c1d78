"""SQLite alarm log: transitions and operator actions in one table, newest first by time then insertion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Engine, Index, Integer, Row, String, Table, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import OperationalError

from ricochetdb.adapters.alarm_documents import action_doc, entry_from_doc, event_doc
from ricochetdb.adapters.sqlite.tables import JsonText, metadata
from ricochetdb.application.ports import AlarmLog
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction
from ricochetdb.domain.errors import StoreUnavailable
from ricochetdb.domain.validation import to_micros

# On the store's own metadata, so ``SqliteStore`` creates it with the other tables.
alarm_log = Table(
    "alarm_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("collection", String, nullable=False),
    Column("entry", String, nullable=False),
    Column("name", String, nullable=False),
    Column("device", String, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("body", JsonText, nullable=False),
)
Index("ix_alarm_log_collection_entry_ts", alarm_log.c.collection, alarm_log.c.entry, alarm_log.c.ts)


def alarm_entry_from_row(row: Row[Any]) -> AlarmEvent | OperatorAction:
    """A row of ``alarm_log`` back to its transition or action (the spool's replay reads them so)."""
    return entry_from_doc(row._mapping["body"])


class SqliteAlarmLog(AlarmLog):
    """One collection of the ``alarm_log`` table."""

    def __init__(self, engine: Engine, collection: str) -> None:
        self.engine = engine
        self.collection = collection

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as error:
            raise StoreUnavailable(f"sqlite alarm log {self.collection!r}", "", str(error.orig)) from None

    def _store(self, entry: AlarmEvent | OperatorAction, body: dict[str, Any]) -> None:
        row = {
            "id": entry.id,
            "collection": self.collection,
            "entry": body["entry"],
            "name": entry.name,
            "device": entry.device,
            "ts": to_micros(entry.timestamp),
            "body": body,
        }
        with self._begin() as connection:
            connection.execute(insert(alarm_log).on_conflict_do_nothing(index_elements=["id"]).values(**row))

    def _find(self, entry: str, since: datetime | None, limit: int | None, *where: Any) -> list[Any]:
        query = select(alarm_log.c.body).where(
            alarm_log.c.collection == self.collection, alarm_log.c.entry == entry, *where
        )
        if since is not None:
            query = query.where(alarm_log.c.ts >= to_micros(since))
        query = query.order_by(alarm_log.c.ts.desc(), alarm_log.c.seq.desc()).limit(limit)
        with self._begin() as connection:
            return [entry_from_doc(row.body) for row in connection.execute(query)]

    def add(self, event: AlarmEvent) -> None:
        self._store(event, event_doc(event))

    def events(
        self,
        name: str | None = None,
        device: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AlarmEvent]:
        where = [alarm_log.c.name == name] if name is not None else []
        where += [alarm_log.c.device == device] if device is not None else []
        return self._find("event", since, limit, *where)

    def act(self, action: OperatorAction) -> None:
        self._store(action, action_doc(action))

    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        return self._find("action", since, limit)
