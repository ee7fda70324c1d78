"""A SQLite file's records read with the standard library only: the quick read-only commands (list, show, history).

It reads the tables SqliteStore writes (``records``, ``record_revisions``), opened read-only, so
it never creates a file nor changes one, and starts without SQLAlchemy. Only records can be read
through it; everything else is refused.
"""

from __future__ import annotations

import builtins
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn
from urllib.parse import quote

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper, loads
from ricochetdb.application.ports import (
    AlarmLog,
    DaqMessageLog,
    DeviceEventLog,
    DocumentQueries,
    ProcessingRepository,
    R,
    ReadingRepository,
    RecordRepository,
    RollupRepository,
    Store,
)
from ricochetdb.domain.errors import StoreUnavailable, ValidationError
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import Revision
from ricochetdb.domain.validation import from_micros


class _Records(RecordRepository[R]):
    def __init__(self, store: ReadOnlySqliteStore, collection: str, mapper: RecordMapper[R]) -> None:
        self.store = store
        self.collection = collection
        self.mapper = mapper

    def _rows(self, sql: str, *parameters: Any) -> list[Any]:
        return self.store.rows(sql, (self.collection, self.mapper.kind, *parameters))

    def _record(self, row: Any) -> R:
        return self.mapper.from_doc({**loads(row[0]), "revision": row[1]})

    def get(self, name: str) -> R | None:
        rows = self._rows("SELECT body, revision FROM records WHERE collection=? AND kind=? AND name=?", name)
        return self._record(rows[0]) if rows else None

    def revisions(self, name: str) -> builtins.list[Revision]:
        rows = self._rows(
            "SELECT kind, collection, name, revision, action, user, ts, before, after FROM record_revisions"
            " WHERE collection=? AND kind=? AND name=? ORDER BY seq",
            name,
        )
        return [
            Revision(kind, collection, name, number, action, user, from_micros(ts), loads(before), loads(after))
            for kind, collection, name, number, action, user, ts, before, after in rows
        ]

    def list(self) -> builtins.list[R]:
        rows = self._rows("SELECT body, revision FROM records WHERE collection=? AND kind=? ORDER BY name")
        return [self._record(row) for row in rows]

    def existing(self, names: Sequence[str]) -> set[str]:
        wanted = set(names)
        return {
            row[0] for row in self._rows("SELECT name FROM records WHERE collection=? AND kind=?") if row[0] in wanted
        }

    def add(self, record: R, revision: Revision | None = None) -> None:
        _read_only(self.mapper.kind)

    def save(self, record: R, revision: Revision | None = None) -> None:
        _read_only(self.mapper.kind)

    def delete(self, record: R, revision: Revision | None = None) -> None:
        _read_only(self.mapper.kind)


def _read_only(what: str) -> NoReturn:
    raise ValidationError(f"{what}s", "", "this view of the SQLite file is read-only")


def _records_only(what: str) -> NoReturn:
    raise ValidationError(f"{what}s", "", "this quick view of the SQLite file reads only records")


class ReadOnlySqliteStore(Store):
    """The records of an existing SQLite file, opened read-only (``mode=ro``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.clock = LocalClock()
        try:
            self.connection = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"sqlite database {path!r}", "", str(error)) from None

    def rows(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        """The rows of a query; a table the file does not have yet holds nothing."""
        try:
            return self.connection.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as error:
            if str(error).startswith("no such table"):
                return []
            raise StoreUnavailable(f"sqlite database {self.path!r}", "", str(error)) from None
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(f"sqlite database {self.path!r}", "", str(error)) from None

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return _Records(self, collection, DETECTORS)

    def runs(self, collection: str) -> RecordRepository[Run]:
        return _Records(self, collection, RUNS)

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return _Records(self, collection, STREAMS)

    def readings(self, collection: str) -> ReadingRepository:
        _records_only("reading")

    def daq(self, collection: str) -> DaqMessageLog:
        _records_only("DAQ message")

    def events(self, collection: str) -> DeviceEventLog:
        _records_only("device event")

    def processing(self, collection: str) -> ProcessingRepository:
        _records_only("processing result")

    def documents(self, collection: str) -> DocumentQueries:
        _records_only("document")

    def alarms(self, collection: str) -> AlarmLog:
        _records_only("alarm event")

    def rollups(self, collection: str) -> RollupRepository:
        _records_only("rollup")

    def reading_collections(self) -> list[str]:
        _records_only("reading")

    def describe(self) -> str:
        return f"sqlite:///{self.path} (read-only)"

    def close(self) -> None:
        self.connection.close()


@contextmanager
def read_only(path: str) -> Iterator[ReadOnlySqliteStore]:
    store = ReadOnlySqliteStore(path)
    try:
        yield store
    finally:
        store.close()
