"""SQLite readings: one row per value, keyed (collection, device, label, ts), written with one executemany per bulk."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from ricochetdb.adapters.sqlite.connection import Tables
from ricochetdb.adapters.sqlite.mappers import poll_rows, reading_from_row, stored_value
from ricochetdb.adapters.sqlite.rollups import apply_polls
from ricochetdb.adapters.sqlite.tables import READING_COLUMNS, readings
from ricochetdb.application.ports import Conflict, ReadingRepository, ReadingStats, WriteReport
from ricochetdb.domain.polls import Poll, bulks, same_value
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.validation import to_micros

INSERT = (
    f"INSERT INTO readings ({', '.join(READING_COLUMNS)}) VALUES ({', '.join('?' * len(READING_COLUMNS))}) "
    "ON CONFLICT DO NOTHING"
)
STORED = "SELECT value, is_bool FROM readings WHERE collection = ? AND device = ? AND label = ? AND ts = ?"
NUMERIC = ("integer", "real")


class SqliteReadingRepository(Tables, ReadingRepository):
    def __init__(self, engine: Engine, collection: str, rollups: bool = True) -> None:
        super().__init__(engine, collection)
        self.rollups = rollups

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        report = WriteReport()
        with self.begin() as connection:
            for chunk in bulks(polls, bulk_size):
                rows = [row for poll in chunk for row in poll_rows(self.collection, poll)]
                new = connection.exec_driver_sql(INSERT, rows).rowcount if rows else 0
                report.new += new
                if new < len(rows):
                    report.conflicts.extend(self._conflicts(connection, chunk))
            if self.rollups:  # the same transaction: raw values and their buckets commit together
                apply_polls(connection, self.collection, polls)
        return report

    def _conflicts(self, connection: Connection, chunk: list[Poll]) -> list[Conflict]:
        """The polls of a bulk whose skipped values differ from what is stored (rare: replays are identical)."""
        found: list[Conflict] = []
        for poll in chunk:
            ts = to_micros(poll.timestamp)
            differing = []
            for label, value in poll.values.items():
                row = connection.exec_driver_sql(STORED, (self.collection, poll.device, label, ts)).first()
                if row is not None and not same_value(stored_value(row[0], row[1]), value):
                    differing.append(label)
            if differing:
                found.append(Conflict(poll.device, poll.timestamp, tuple(differing)))
        return found

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
        number = func.typeof(readings.c.value).in_(NUMERIC)
        filters = [*self._filters(device, label, start, stop), number]
        with self.begin() as connection:
            count, mean = connection.execute(select(func.count(), func.avg(readings.c.value)).where(*filters)).one()
            if not count:
                return ReadingStats(0, None, None)
            deviation = readings.c.value - mean
            variance = connection.execute(select(func.avg(deviation * deviation)).where(*filters)).scalar_one()
        return ReadingStats(count, mean, math.sqrt(max(variance, 0.0)))
