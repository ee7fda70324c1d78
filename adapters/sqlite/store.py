"""SQLite store on a real file: WAL mode, schema created on first use, idempotent inserts."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper, processing_doc, processing_from_doc
from ricochetdb.adapters.sqlite.documents import SqliteDocuments
from ricochetdb.adapters.sqlite.mappers import event_from_row, event_row, reading_from_row, reading_row
from ricochetdb.adapters.sqlite.tables import (
    daq_messages,
    device_events,
    metadata,
    processing_results,
    readings,
    records,
)
from ricochetdb.application.ports import (
    Clock,
    DaqMessageLog,
    DeviceEventLog,
    DocumentQueries,
    ProcessingRepository,
    R,
    ReadingRepository,
    ReadingStats,
    RecordRepository,
    Store,
)
from ricochetdb.domain.errors import ConcurrentUpdate, DuplicateRecord, RecordNotFound, StoreUnavailable
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.records import Detector, Run, Stream
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


class _Tables:
    def __init__(self, engine: Engine, collection: str) -> None:
        self.engine = engine
        self.collection = collection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as error:
            raise StoreUnavailable(f"sqlite collection {self.collection!r}", "", str(error.orig)) from None


class SqliteRecordRepository(_Tables, RecordRepository[R]):
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

    def add(self, record: R) -> None:
        row = {"collection": self.collection, "name": record.name, "kind": self.mapper.kind, "revision": 1}
        try:
            with self.begin() as connection:
                connection.execute(records.insert().values(**row, **self._values(record)))
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

    def save(self, record: R) -> None:
        label = f"{self.mapper.kind} {record.name!r}"
        with self.begin() as connection:
            result = connection.execute(
                records.update()
                .where(self.where, records.c.name == record.name, records.c.revision == record.revision)
                .values(revision=record.revision + 1, **self._values(record))
            )
            if result.rowcount == 1:
                record.revision += 1
                return
            exists = connection.execute(select(records.c.name).where(self.where, records.c.name == record.name))
            if exists.first() is None:
                raise RecordNotFound(label, "name", "does not exist")
        raise ConcurrentUpdate(label, "revision", "changed meanwhile")


class SqliteReadingRepository(_Tables, ReadingRepository):
    def add(self, items: Sequence[Reading], bulk_size: int = 1000) -> int:
        statement = insert(readings).on_conflict_do_nothing(index_elements=["id"])
        new = 0
        with self.begin() as connection:
            for first in range(0, len(items), bulk_size):
                rows = [reading_row(self.collection, r) for r in items[first : first + bulk_size]]
                new += connection.execute(statement, rows).rowcount
        return new

    def _filters(
        self, device: str | None, label: str | None, start: datetime | None, stop: datetime | None
    ) -> list[Any]:
        filters: list[Any] = [readings.c.collection == self.collection]
        if device is not None:
            filters.append(readings.c.device == device)
        if label is not None:
            filters.append(readings.c.label == label)
        if start is not None:
            filters.append(readings.c.ts >= to_micros(start))
        if stop is not None:
            filters.append(readings.c.ts <= to_micros(stop))
        return filters

    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        query = (
            select(readings)
            .where(*self._filters(device, label, start, stop))
            .order_by(readings.c.ts, readings.c.device, readings.c.label)
            .limit(limit)
        )
        with self.begin() as connection:
            return [reading_from_row(row) for row in connection.execute(query)]

    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        newest = (
            select(readings.c.device, readings.c.label, func.max(readings.c.ts).label("ts"))
            .where(*self._filters(device, None, since, None))
            .group_by(readings.c.device, readings.c.label)
            .subquery()
        )
        query = (
            select(readings)
            .join(
                newest,
                and_(
                    readings.c.device == newest.c.device,
                    readings.c.label == newest.c.label,
                    readings.c.ts == newest.c.ts,
                ),
            )
            .where(readings.c.collection == self.collection)
            .order_by(readings.c.device, readings.c.label)
        )
        with self.begin() as connection:
            return [reading_from_row(row) for row in connection.execute(query)]

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        """Two passes in SQL (mean, then mean squared deviation): exact enough for 4 K +- 1 mK."""
        filters = [*self._filters(device, label, start, stop), readings.c.num.is_not(None)]
        with self.begin() as connection:
            count, mean = connection.execute(select(func.count(), func.avg(readings.c.num)).where(*filters)).one()
            if not count:
                return ReadingStats(0, None, None)
            deviation = readings.c.num - mean
            variance = connection.execute(select(func.avg(deviation * deviation)).where(*filters)).scalar_one()
        return ReadingStats(count, mean, math.sqrt(max(variance, 0.0)))


class SqliteDaqMessageLog(_Tables, DaqMessageLog):
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


class SqliteDeviceEventLog(_Tables, DeviceEventLog):
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


class SqliteProcessingRepository(_Tables, ProcessingRepository):
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
    """A SQLite file; ``path`` ':memory:' gives a private in-memory database."""

    def __init__(self, path: str, clock: Clock | None = None) -> None:
        self.path = path
        self.clock = clock or LocalClock()
        self.engine = create_sqlite_engine(path)
        try:
            metadata.create_all(self.engine)
        except OperationalError as error:
            raise StoreUnavailable(f"sqlite database {path!r}", "", str(error.orig)) from None

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return SqliteRecordRepository(self.engine, collection, DETECTORS)

    def runs(self, collection: str) -> RecordRepository[Run]:
        return SqliteRecordRepository(self.engine, collection, RUNS)

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return SqliteRecordRepository(self.engine, collection, STREAMS)

    def readings(self, collection: str) -> ReadingRepository:
        return SqliteReadingRepository(self.engine, collection)

    def daq(self, collection: str) -> DaqMessageLog:
        return SqliteDaqMessageLog(self.engine, collection)

    def events(self, collection: str) -> DeviceEventLog:
        return SqliteDeviceEventLog(self.engine, collection)

    def processing(self, collection: str) -> ProcessingRepository:
        return SqliteProcessingRepository(self.engine, collection)

    def documents(self, collection: str) -> DocumentQueries:
        return SqliteDocuments(self.engine, collection)

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def close(self) -> None:
        self.engine.dispose()
