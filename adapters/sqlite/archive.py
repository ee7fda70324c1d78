"""A SQLite file read page by page in storage order: the spool's replay and the laptop's sync read it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Table, delete, func, literal_column, select
from sqlalchemy.dialects.sqlite import insert

from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper, processing_from_doc
from ricochetdb.adapters.sqlite.alarms import alarm_entry_from_row, alarm_log
from ricochetdb.adapters.sqlite.connection import transaction
from ricochetdb.adapters.sqlite.mappers import event_from_row, reading_from_row
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.adapters.sqlite.tables import (
    daq_messages,
    device_events,
    processing_results,
    readings,
    records,
    spool_meta,
)
from ricochetdb.application.ports import Kind, LocalArchive, Page
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.polls import polls_of

MAPPERS: dict[str, RecordMapper[Any]] = {"detectors": DETECTORS, "runs": RUNS, "streams": STREAMS}
TABLES: dict[str, Table] = {
    "readings": readings,
    "daq": daq_messages,
    "events": device_events,
    "processing": processing_results,
    "alarms": alarm_log,
}
DELETE_CHUNK = 500


class SqliteArchive(LocalArchive):
    """Pages follow SQLite's rowid (insertion order); ids are each item's id (readings: their rowids)."""

    def __init__(self, store: SqliteStore) -> None:
        self.engine = store.engine
        self.where = f"spool {store.path}"

    def _session(self) -> AbstractContextManager[Connection]:
        return transaction(self.engine, self.where)

    def target(self) -> str | None:
        with self._session() as connection:
            value = connection.execute(select(spool_meta.c.value).where(spool_meta.c.key == "target")).scalar()
        return None if value is None else str(value)

    def claim(self, target: str) -> None:
        statement = insert(spool_meta).values(key="target", value=target)
        with self._session() as connection:
            connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": target}))

    def _table(self, kind: Kind) -> Table:
        return records if kind in MAPPERS else TABLES[kind]

    def _where(self, kind: Kind, collection: str) -> list[Any]:
        table = self._table(kind)
        where = [table.c.collection == collection]
        if kind in MAPPERS:
            where.append(records.c.kind == MAPPERS[kind].kind)
        return where

    def collections(self, kind: Kind) -> list[str]:
        table = self._table(kind)
        query = select(table.c.collection).distinct().order_by(table.c.collection)
        if kind in MAPPERS:
            query = query.where(records.c.kind == MAPPERS[kind].kind)
        with self._session() as connection:
            return list(connection.execute(query).scalars())

    def count(self, kind: Kind, collection: str) -> int:
        query = select(func.count()).select_from(self._table(kind)).where(*self._where(kind, collection))
        with self._session() as connection:
            return int(connection.execute(query).scalar_one())

    def page(self, kind: Kind, collection: str, after: int = 0, size: int = 1000) -> Page:
        if kind == "readings":
            return self._polls(collection, after, size)
        table = self._table(kind)
        rowid: Any = literal_column(f"{table.name}.rowid")
        query = (
            select(rowid.label("cursor"), table)
            .where(*self._where(kind, collection), rowid > after)
            .order_by(rowid)
            .limit(size)
        )
        with self._session() as connection:
            rows = connection.execute(query).all()
        items = [self._item(kind, row) for row in rows]
        return Page(items, [_item_id(kind, item) for item in items], rows[-1].cursor if rows else after)

    def _polls(self, collection: str, after: int, size: int) -> Page:
        """About ``size`` readings as whole polls (the rows of one poll are stored together); ids are rowids."""
        rowid: Any = literal_column("readings.rowid")
        query = select(rowid.label("cursor"), readings).where(readings.c.collection == collection).order_by(rowid)
        with self._session() as connection:
            rows = list(connection.execute(query.where(rowid > after).limit(size)).all())
            if rows:
                last = rows[-1]
                rest = query.where(readings.c.device == last.device, readings.c.ts == last.ts, rowid > last.cursor)
                rows.extend(connection.execute(rest).all())
        polls = list(polls_of(reading_from_row(row) for row in rows))
        return Page(polls, [str(row.cursor) for row in rows], rows[-1].cursor if rows else after)

    def _item(self, kind: Kind, row: Any) -> Any:
        m = row._mapping
        if kind in MAPPERS:
            return MAPPERS[kind].from_doc({**m["body"], "revision": m["revision"]})
        if kind == "events":
            return event_from_row(row)
        if kind == "alarms":
            return alarm_entry_from_row(row)
        if kind == "daq":
            body = m["body"]
            return DaqMessage(m["id"], m["topic"], body["timestamp"], body)
        return processing_from_doc(m["body"])

    def forget(self, kind: Kind, collection: str, ids: Sequence[str]) -> None:
        table = self._table(kind)
        key = _key(kind, table)
        with self._session() as connection:
            for first in range(0, len(ids), DELETE_CHUNK):
                chunk: list[Any] = list(ids[first : first + DELETE_CHUNK])
                if kind == "readings":
                    chunk = [int(rowid) for rowid in chunk]
                connection.execute(delete(table).where(*self._where(kind, collection), key.in_(chunk)))


def _key(kind: Kind, table: Table) -> Any:
    """The column an item's id matches: readings by rowid, records by name, results by stream."""
    if kind == "readings":
        return literal_column("readings.rowid")
    if kind in MAPPERS:
        return records.c.name
    return processing_results.c.stream_id if kind == "processing" else table.c.id


def _item_id(kind: Kind, item: Any) -> str:
    if kind in MAPPERS:
        return str(item.name)
    if kind == "processing":
        return str(item.stream_id)
    return str(item.id)
