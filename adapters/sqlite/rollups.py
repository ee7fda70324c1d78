"""SQLite rollups: the buckets a write touches are re-rolled in the writing transaction, set-based.

``apply_polls`` runs inside the reading repository's transaction, after the insert: one query reads
the raw values of every touched minute of every series, numpy turns them into buckets
(``rollup_arrays``), one ``executemany`` replaces those minute rows; then the touched hours are
rolled from their minutes and the touched days from their hours. Raw values and rollups commit
together, so a replayed, late or conflicting poll leaves every tier exact. ``rebuild`` does the
same from the raw values, series by series, a month per transaction: a killed rebuild rerun
replaces every bucket with the same one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from ricochetdb.adapters.rollup_arrays import BucketArrays, from_points, from_rows, points_arrays, roll_up
from ricochetdb.adapters.rollup_ranges import Range, in_batches, touched_ranges, widen
from ricochetdb.adapters.sqlite.connection import Tables
from ricochetdb.adapters.sqlite.mappers import reading_from_row
from ricochetdb.adapters.sqlite.retention import sqlite_retention
from ricochetdb.adapters.sqlite.rollup_tables import BUCKET_COLUMNS
from ricochetdb.application.ports import RetentionItem, RollupRepository, Series, SeriesKey
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import SOURCE, TIERS, WIDTH_US, Bucket, Point, Tier, as_number, floor_to
from ricochetdb.domain.validation import from_micros, to_micros

NUMERIC = "typeof(r.value) IN ('integer', 'real')"
LATEST_COLUMNS = "collection, device, label, ts, device_type, value, is_bool, unit, source_us, clock"
UPDATE_LATEST = (
    f"INSERT INTO readings_latest ({LATEST_COLUMNS}) SELECT {LATEST_COLUMNS} FROM readings"
    " WHERE collection = ? AND device = ? AND label = ? AND ts = ?"
    " ON CONFLICT (collection, device, label) DO UPDATE SET"
    + ", ".join(f" {c} = excluded.{c}" for c in LATEST_COLUMNS.split(", ")[3:])
    + " WHERE excluded.ts >= readings_latest.ts"
)
ROWS_PER_QUERY = 2000
"""Series ranges per VALUES list (four parameters each, well under SQLite's 32,766)."""


def _select(connection: Connection, sql: str, collection: str, ranges: Sequence[Range]) -> list[Any]:
    """Rows of ``sql`` joined with the ranges (a VALUES list ``t``), in as many queries as the list needs."""
    found: list[Any] = []
    for first in range(0, len(ranges), ROWS_PER_QUERY):
        chunk = ranges[first : first + ROWS_PER_QUERY]
        values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
        query = f"WITH t(device, label, lo, hi) AS (VALUES {values}) {sql}"
        found += connection.exec_driver_sql(query, (*itertools.chain.from_iterable(chunk), collection)).fetchall()
    return found


def _by_series(rows: list[Any]) -> dict[SeriesKey, list[Any]]:
    return {key: [row[2:] for row in group] for key, group in itertools.groupby(rows, key=lambda row: (row[0], row[1]))}


def _points(connection: Connection, collection: str, ranges: Sequence[Range]) -> dict[SeriesKey, list[Point]]:
    sql = (
        "SELECT t.device, t.label, r.ts, r.value FROM t JOIN readings r ON r.collection = ? AND r.device = t.device"
        f" AND r.label = t.label AND r.ts >= t.lo AND r.ts < t.hi WHERE {NUMERIC} ORDER BY 1, 2, 3"
    )
    return _by_series(_select(connection, sql, collection, ranges))


def _buckets(
    connection: Connection, collection: str, tier: Tier, ranges: Sequence[Range]
) -> dict[SeriesKey, list[Any]]:
    columns = ", ".join(f"b.{name}" for name in BUCKET_COLUMNS)
    sql = (
        f"SELECT t.device, t.label, {columns} FROM t JOIN rollup_{tier} b ON b.collection = ?"
        " AND b.device = t.device AND b.label = t.label AND b.start >= t.lo AND b.start < t.hi ORDER BY 1, 2, 3"
    )
    return _by_series(_select(connection, sql, collection, ranges))


def _replace(
    connection: Connection, collection: str, tier: Tier, ranges: Sequence[Range], made: dict[SeriesKey, BucketArrays]
) -> None:
    """Delete the buckets of the ranges, insert the ones just computed."""
    connection.exec_driver_sql(
        f"DELETE FROM rollup_{tier} WHERE collection = ? AND device = ? AND label = ? AND start >= ? AND start < ?",
        [(collection, *r) for r in ranges],
    )
    rows = [(collection, device, label, *row) for (device, label), arrays in made.items() for row in arrays.rows()]
    if rows:
        marks = ", ".join("?" * (3 + len(BUCKET_COLUMNS)))
        connection.exec_driver_sql(f"INSERT INTO rollup_{tier} VALUES ({marks})", rows)


def reroll(connection: Connection, collection: str, touched: dict[SeriesKey, set[int]]) -> None:
    """Recompute the touched minutes (given by any time inside) from raw values, then their hours and days."""
    for batch in in_batches(touched_ranges(touched, WIDTH_US["1m"])):
        for tier in TIERS:
            width = WIDTH_US[tier]
            ranges = widen(batch, width)
            source = SOURCE[tier]
            if source is None:
                found = _points(connection, collection, ranges)
                made = {key: from_points(*points_arrays(points), width) for key, points in found.items()}
            else:
                below = _buckets(connection, collection, source, ranges)
                made = {key: roll_up(from_rows(rows), width) for key, rows in below.items()}
            _replace(connection, collection, tier, ranges, made)


def apply_polls(connection: Connection, collection: str, polls: Sequence[Poll]) -> None:
    """After storing ``polls`` in this transaction: their series' latest values and every bucket they touch."""
    touched: dict[SeriesKey, set[int]] = {}
    newest: dict[SeriesKey, int] = {}
    for poll in polls:
        micros = to_micros(poll.timestamp)
        for label, value in poll.values.items():
            key = (poll.device, label)
            newest[key] = max(newest.get(key, micros), micros)
            if as_number(value) is not None:
                touched.setdefault(key, set()).add(micros)
    if newest:
        connection.exec_driver_sql(UPDATE_LATEST, [(collection, *key, ts) for key, ts in newest.items()])
    reroll(connection, collection, touched)


class SqliteRollups(Tables, RollupRepository):
    """Tiers and latest values of one readings collection of a SQLite file."""

    def apply(self, polls: Sequence[Poll]) -> None:
        with self.begin() as connection:
            apply_polls(connection, self.collection, polls)

    def _raw_series(self) -> list[SeriesKey]:
        """Every (device, label) of the collection's readings, one index seek each (a skip scan)."""
        found: list[SeriesKey] = []
        after: SeriesKey = ("", "")
        query = (
            "SELECT device, label FROM readings WHERE collection = ? AND (device, label) > (?, ?)"
            " ORDER BY device, label LIMIT 1"
        )
        with self.begin() as connection:
            while (row := connection.exec_driver_sql(query, (self.collection, *after)).first()) is not None:
                after = (row[0], row[1])
                found.append(after)
        return found

    def rebuild(self, progress: Callable[[str], None] | None = None) -> int:
        keys = self._raw_series()
        for device, label in keys:
            where = "collection = ? AND device = ? AND label = ?"
            with self.begin() as connection:
                lo, hi = connection.exec_driver_sql(
                    f"SELECT min(ts), max(ts) FROM readings WHERE {where}", (self.collection, device, label)
                ).one()
                if lo is None:  # deleted meanwhile
                    continue
                connection.exec_driver_sql(
                    f"INSERT OR REPLACE INTO readings_latest ({LATEST_COLUMNS}) SELECT {LATEST_COLUMNS}"
                    f" FROM readings WHERE {where} ORDER BY ts DESC LIMIT 1",
                    (self.collection, device, label),
                )
            day = WIDTH_US["1d"]
            for month in range(floor_to(lo, day), hi + 1, 30 * day):
                with self.begin() as connection:
                    self._rebuild_stretch(connection, device, label, month, month + 30 * day)
            if progress is not None:
                progress(f"{self.collection}: {device} {label} rolled up")
        return len(keys)

    def _rebuild_stretch(self, connection: Connection, device: str, label: str, start: int, stop: int) -> None:
        """Every tier of [start, stop) (whole days) from the raw values, in one pass and one transaction."""
        rows = connection.exec_driver_sql(
            "SELECT r.ts, r.value FROM readings r WHERE r.collection = ? AND r.device = ? AND r.label = ?"
            f" AND r.ts >= ? AND r.ts < ? AND {NUMERIC} ORDER BY r.ts",
            (self.collection, device, label, start, stop),
        ).fetchall()
        made = from_points(*points_arrays(rows), WIDTH_US["1m"])
        key = (device, label)
        for tier in TIERS:
            if tier != "1m":
                made = roll_up(made, WIDTH_US[tier])
            _replace(connection, self.collection, tier, [(device, label, start, stop)], {key: made})

    def buckets(self, tier: Tier, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Bucket]]:
        with self.begin() as connection:
            found = _buckets(connection, self.collection, tier, [(d, lab, start, stop) for d, lab in keys])
        return {key: [Bucket(*row) for row in rows] for key, rows in found.items()}

    def points(self, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Point]]:
        with self.begin() as connection:
            found = _points(connection, self.collection, [(d, lab, start, stop) for d, lab in keys])
        return {key: [(ts, float(value)) for ts, value in rows] for key, rows in found.items()}

    def series(self) -> list[Series]:
        query = (
            "SELECT device, label, device_type, unit, ts FROM readings_latest WHERE collection = ?"
            " ORDER BY device, label"
        )
        with self.begin() as connection:
            rows = connection.exec_driver_sql(query, (self.collection,)).fetchall()
        return [Series(d, lab, kind, unit, from_micros(ts)) for d, lab, kind, unit, ts in rows]

    def latest(self) -> list[Reading]:
        query = f"SELECT {LATEST_COLUMNS} FROM readings_latest WHERE collection = ? ORDER BY device, label"
        with self.begin() as connection:
            return [reading_from_row(row) for row in connection.exec_driver_sql(query, (self.collection,))]

    def retention(self, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
        return sqlite_retention(self, cutoffs, delete)
