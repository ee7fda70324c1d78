"""A SQLite file read page by page in storage order: the spool's replay and the laptop's sync read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, func, literal_column, select

from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper, processing_from_doc
from ricochetdb.adapters.sqlite.alarms import alarm_entry_from_row, alarm_log
from ricochetdb.adapters.sqlite.mappers import event_from_row, reading_from_row
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.adapters.sqlite.tables import daq_messages, device_events, processing_results, readings, records
from ricochetdb.application.ports import Kind, LocalArchive, Page
from ricochetdb.domain.messages import DaqMessage

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
    """Pages follow SQLite's rowid (insertion order); ids are each item's deterministic id."""

    def __init__(self, store: SqliteStore) -> None:
        self.engine = store.engine

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
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def count(self, kind: Kind, collection: str) -> int:
        query = select(func.count()).select_from(self._table(kind)).where(*self._where(kind, collection))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def page(self, kind: Kind, collection: str, after: int = 0, size: int = 1000) -> Page:
        table = self._table(kind)
        rowid: Any = literal_column(f"{table.name}.rowid")
        query = (
            select(rowid.label("cursor"), table)
            .where(*self._where(kind, collection), rowid > after)
            .order_by(rowid)
            .limit(size)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        items = [self._item(kind, row) for row in rows]
        return Page(items, [_item_id(kind, item) for item in items], rows[-1].cursor if rows else after)

    def _item(self, kind: Kind, row: Any) -> Any:
        m = row._mapping
        if kind in MAPPERS:
            return MAPPERS[kind].from_doc({**m["body"], "revision": m["revision"]})
        if kind == "readings":
            return reading_from_row(row)
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
        key = {"readings": table.c.id, "daq": table.c.id, "events": table.c.id, "alarms": table.c.id}.get(kind)
        key = key if key is not None else (records.c.name if kind in MAPPERS else processing_results.c.stream_id)
        with self.engine.begin() as connection:
            for first in range(0, len(ids), DELETE_CHUNK):
                chunk = list(ids[first : first + DELETE_CHUNK])
                connection.execute(delete(table).where(*self._where(kind, collection), key.in_(chunk)))


def _item_id(kind: Kind, item: Any) -> str:
    if kind in MAPPERS:
        return str(item.name)
    if kind == "processing":
        return str(item.stream_id)
    return str(item.id)
