"""SQLite store on a real file: WAL mode, schema created on first use, idempotent inserts."""

from __future__ import annotations

import builtins
import os
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper, processing_doc, processing_from_doc
from ricochetdb.adapters.sqlite.alarms import SqliteAlarmLog
from ricochetdb.adapters.sqlite.connection import Tables
from ricochetdb.adapters.sqlite.documents import SqliteDocuments
from ricochetdb.adapters.sqlite.mappers import event_from_row, event_row
from ricochetdb.adapters.sqlite.readings import SqliteReadingRepository
from ricochetdb.adapters.sqlite.revisions import keep, revisions_of
from ricochetdb.adapters.sqlite.rollup_tables import create_rollup_tables
from ricochetdb.adapters.sqlite.rollups import SqliteRollups
from ricochetdb.adapters.sqlite.schema import check_schema
from ricochetdb.adapters.sqlite.tables import (
    daq_messages,
    device_events,
    metadata,
    processing_results,
    records,
)
from ricochetdb.application.ports import (
    AlarmLog,
    Clock,
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
from ricochetdb.domain.errors import ConcurrentUpdate, DamagedFile, DuplicateRecord, RecordNotFound, StoreUnavailable
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import Revision
from ricochetdb.domain.validation import to_micros


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only (SQLite gives -wal/-shm the same mode).

    A file that exists keeps its mode; one that cannot be created is left to SQLite to report.
    """
    with suppress(OSError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def create_sqlite_engine(path: str) -> Engine:
    """An engine on a file (or ``:memory:``) with WAL and a busy timeout; a new file is created mode 0600."""
    url = "sqlite://" if path in ("", ":memory:") else f"sqlite:///{path}"
    extra: dict[str, Any] = {"poolclass": StaticPool} if url == "sqlite://" else {}
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 10},
        **extra,
    )
    if url != "sqlite://":
        event.listen(engine, "do_connect", lambda *_args: _create_private(path))
    event.listen(engine, "connect", _pragmas)
    return engine


class SqliteRecordRepository(Tables, RecordRepository[R]):
    def __init__(self, engine: Engine, collection: str, mapper: RecordMapper[R]) -> None:
        super().__init__(engine, collection)
        self.mapper = mapper
        self.where = and_(records.c.collection == collection, records.c.kind == mapper.kind)

    def _values(self, record: R) -> dict[str, Any]:
        dated = getattr(record, "start_date", None), getattr(record, "stop_date", None)
        return {
            "body": self.mapper.to_doc(record),
            "start_us": None if dated[0] is None else to_micros(dated[0]),
            "stop_us": None if dated[1] is None else to_micros(dated[1]),
        }

    def _record(self, body: dict[str, Any], revision: int) -> R:
        return self.mapper.from_doc({**body, "revision": revision})

    def add(self, record: R, revision: Revision | None = None) -> None:
        row = {"collection": self.collection, "name": record.name, "kind": self.mapper.kind, "revision": 1}
        try:
            with self.begin() as connection:
                connection.execute(records.insert().values(**row, **self._values(record)))
                keep(connection, revision)
        except IntegrityError:
            raise DuplicateRecord(f"{self.mapper.kind} {record.name!r}", "name", "already exists") from None
        record.revision = 1

    def get(self, name: str) -> R | None:
        with self.begin() as connection:
            row = connection.execute(
                select(records.c.body, records.c.revision).where(self.where, records.c.name == name)
            ).first()
        return None if row is None else self._record(row.body, row.revision)

    def list(self) -> list[R]:
        with self.begin() as connection:
            rows = connection.execute(
                select(records.c.body, records.c.revision).where(self.where).order_by(records.c.name)
            ).all()
        return [self._record(row.body, row.revision) for row in rows]

    def existing(self, names: Sequence[str]) -> set[str]:
        with self.begin() as connection:
            rows = connection.execute(select(records.c.name).where(self.where, records.c.name.in_(list(names))))
            return {row.name for row in rows}

    def save(self, record: R, revision: Revision | None = None) -> None:
        matching = and_(self.where, records.c.name == record.name, records.c.revision == record.revision)
        with self.begin() as connection:
            result = connection.execute(
                records.update().where(matching).values(revision=record.revision + 1, **self._values(record))
            )
            if result.rowcount == 1:
                keep(connection, revision)
                record.revision += 1
                return
            self._missing(connection, record)

    def delete(self, record: R, revision: Revision | None = None) -> None:
        matching = and_(self.where, records.c.name == record.name, records.c.revision == record.revision)
        with self.begin() as connection:
            if connection.execute(records.delete().where(matching)).rowcount == 1:
                keep(connection, revision)
                return
            self._missing(connection, record)

    def _missing(self, connection: Connection, record: R) -> None:
        """Why a compare-and-set matched nothing: the record is gone, or someone changed it meanwhile."""
        label = f"{self.mapper.kind} {record.name!r}"
        exists = connection.execute(select(records.c.name).where(self.where, records.c.name == record.name))
        if exists.first() is None:
            raise RecordNotFound(label, "name", "does not exist")
        raise ConcurrentUpdate(label, "revision", "changed meanwhile")

    def revisions(self, name: str) -> builtins.list[Revision]:
        with self.begin() as connection:
            return [kept for kept in revisions_of(connection, self.collection, name) if kept.kind == self.mapper.kind]


class SqliteDaqMessageLog(Tables, DaqMessageLog):
    def add(self, messages: Sequence[DaqMessage]) -> int:
        rows = [{"id": m.id, "collection": self.collection, "topic": m.topic, "body": m.body} for m in messages]
        with self.begin() as connection:
            statement = insert(daq_messages).on_conflict_do_nothing(index_elements=["id"])
            return connection.execute(statement, rows).rowcount

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        query = select(daq_messages.c.body).where(daq_messages.c.collection == self.collection)
        if topic is not None:
            query = query.where(daq_messages.c.topic == topic)
        with self.begin() as connection:
            return [row.body for row in connection.execute(query.order_by(daq_messages.c.seq).limit(limit))]


class SqliteDeviceEventLog(Tables, DeviceEventLog):
    def add(self, event: DeviceEvent) -> None:
        with self.begin() as connection:
            statement = insert(device_events).on_conflict_do_nothing(index_elements=["id"])
            connection.execute(statement.values(**event_row(self.collection, event)))

    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        query = select(device_events).where(device_events.c.collection == self.collection)
        if device is not None:
            query = query.where(device_events.c.device == device)
        with self.begin() as connection:
            rows = connection.execute(query.order_by(device_events.c.seq.desc()).limit(limit))
            return [event_from_row(row) for row in rows]


class SqliteProcessingRepository(Tables, ProcessingRepository):
    def store_if_newer(self, result: ProcessingResult) -> bool:
        """One upsert whose update only fires for a strictly newer generation."""
        doc = processing_doc(result)
        row = {
            "collection": self.collection,
            "stream_id": result.stream_id,
            "generated_us": to_micros(result.generated),
        }
        statement = insert(processing_results).values(**row, body=doc)
        statement = statement.on_conflict_do_update(
            index_elements=["collection", "stream_id"],
            set_={"generated_us": statement.excluded.generated_us, "body": statement.excluded.body},
            where=statement.excluded.generated_us > processing_results.c.generated_us,
        )
        with self.begin() as connection:
            return connection.execute(statement).rowcount == 1

    def get(self, stream_id: str) -> ProcessingResult | None:
        query = select(processing_results.c.body).where(
            processing_results.c.collection == self.collection, processing_results.c.stream_id == stream_id
        )
        with self.begin() as connection:
            body = connection.execute(query).scalar_one_or_none()
        return None if body is None else processing_from_doc(body)


class SqliteStore(Store):
    """A SQLite file; ``path`` ':memory:' gives a private in-memory database.

    The schema is created (or migrated) on opening, unless ``prepare`` is False.
    """

    def __init__(self, path: str, clock: Clock | None = None, prepare: bool = True, rollups: bool = True) -> None:
        self.path = path
        self.clock = clock or LocalClock()
        self.engine = create_sqlite_engine(path)
        self.keeps_rollups = rollups  # a spool holds readings only until replayed: it needs no rollups
        if not prepare:  # read what a file holds as it is (a damaged spool): no migration, no new table
            return
        try:
            check_schema(self.engine, path)
            metadata.create_all(self.engine)
            with self.engine.begin() as connection:
                create_rollup_tables(connection)
        except OperationalError as error:
            self.engine.dispose()
            raise StoreUnavailable(f"sqlite database {path!r}", "", str(error.orig)) from None
        except DatabaseError as error:
            self.engine.dispose()
            raise DamagedFile(f"sqlite database {path!r}", "", str(error.orig)) from None

    def verify(self) -> None:
        """Read the whole file once (``PRAGMA quick_check``); DamagedFile if SQLite finds it damaged."""
        try:
            with self.engine.connect() as connection:
                verdict = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
        except DatabaseError as error:
            raise DamagedFile(f"sqlite database {self.path!r}", "", str(error.orig)) from None
        if verdict != ["ok"]:
            raise DamagedFile(f"sqlite database {self.path!r}", "", "; ".join(verdict[:3]))

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return SqliteRecordRepository(self.engine, collection, DETECTORS)

    def runs(self, collection: str) -> RecordRepository[Run]:
        return SqliteRecordRepository(self.engine, collection, RUNS)

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return SqliteRecordRepository(self.engine, collection, STREAMS)

    def readings(self, collection: str) -> ReadingRepository:
        return SqliteReadingRepository(self.engine, collection, self.keeps_rollups)

    def rollups(self, collection: str) -> RollupRepository:
        return SqliteRollups(self.engine, collection)

    def reading_collections(self) -> list[str]:
        with self.engine.connect() as connection:
            return [row[0] for row in connection.exec_driver_sql("SELECT DISTINCT collection FROM readings_latest")]

    def daq(self, collection: str) -> DaqMessageLog:
        return SqliteDaqMessageLog(self.engine, collection)

    def events(self, collection: str) -> DeviceEventLog:
        return SqliteDeviceEventLog(self.engine, collection)

    def processing(self, collection: str) -> ProcessingRepository:
        return SqliteProcessingRepository(self.engine, collection)

    def alarms(self, collection: str) -> AlarmLog:
        return SqliteAlarmLog(self.engine, collection)

    def documents(self, collection: str) -> DocumentQueries:
        return SqliteDocuments(self.engine, collection)

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def target(self) -> str:
        return f"sqlite:///{os.path.abspath(self.path)}"

    def close(self) -> None:
        self.engine.dispose()
