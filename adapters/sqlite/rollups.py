"""SQLite rollups: the closed minutes a write touches are re-rolled in the writing transaction, set-based.

``apply_polls`` runs inside the reading repository's transaction, after the insert. As on MongoDB
(``closed_minutes``), a minute is rolled up once it is closed, that is before the minute of its
series' newest value: a late value at once, the open minute when the series moves on, so a series
polled every second rolls up once a minute; readers take the open minute from raw values and
``settle`` rolls it up now. One query reads the raw values of every closed minute of every series,
numpy turns them into buckets (``rollup_arrays``), one ``executemany`` replaces those minute rows;
then their hours are rolled from minutes and their days from hours. Raw values and rollups commit
together, so a replayed, late or conflicting poll leaves every tier exact. ``rebuild`` does the
same from the raw values, series by series, a month per transaction: a killed rebuild rerun
replaces every bucket with the same one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection

from ricochetdb.adapters.rollup_arrays import (
    BucketArrays,
    Floats,
    Ints,
    Keyed,
    from_columns,
    from_points,
    from_points_of,
    keyed_rows_out,
    per_series,
    points_arrays,
    roll_up,
    roll_up_of,
    single,
)
from ricochetdb.adapters.rollup_ranges import (
    Range,
    closed_minutes,
    in_batches,
    reopened,
    touched_by,
    touched_ranges,
    widen,
)
from ricochetdb.adapters.sqlite.connection import Tables
from ricochetdb.adapters.sqlite.mappers import reading_from_row
from ricochetdb.adapters.sqlite.retention import sqlite_retention
from ricochetdb.adapters.sqlite.rollup_tables import BUCKET_COLUMNS
from ricochetdb.application.ports import RetentionItem, RollupRepository, Series, SeriesKey
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import SOURCE, TIERS, WIDTH_US, Bucket, Point, Tier, floor_to
from ricochetdb.domain.validation import from_micros

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


def _fetch(connection: Connection, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples from the driver (in the connection's transaction): millions of them convert to
    arrays in a fraction of a second, where result rows of the SQL toolkit take seconds."""
    cursor = connection.connection.cursor()
    try:
        rows: list[tuple[Any, ...]] = cursor.execute(sql, parameters).fetchall()
        return rows
    finally:
        cursor.close()


def _stream_points(connection: Connection, sql: str, parameters: Sequence[Any]) -> tuple[Ints, Floats]:
    """Times and values of (time, value) rows, streamed from the driver into one array: no list of rows."""
    cursor = connection.connection.cursor()
    try:
        return points_arrays(cursor.execute(sql, parameters))
    finally:
        cursor.close()


def _select(connection: Connection, sql: str, collection: str, ranges: Sequence[Range]) -> list[Any]:
    """Rows of ``sql`` joined with the ranges (a VALUES list ``t`` whose ``k`` is the range's position),
    in as many queries as the list needs; each row starts with its range's ``k``."""
    found: list[Any] = []
    for first in range(0, len(ranges), ROWS_PER_QUERY):
        chunk = ranges[first : first + ROWS_PER_QUERY]
        values = ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
        query = f"WITH t(k, device, label, lo, hi) AS (VALUES {values}) {sql}"
        numbered = itertools.chain.from_iterable((first + k, *r) for k, r in enumerate(chunk))
        found += _fetch(connection, query, (*numbered, collection))
    return found


def _series_of(ranges: Sequence[Range]) -> tuple[list[SeriesKey], Ints]:
    """The distinct series of the ranges, and each range's series number."""
    keys = list(dict.fromkeys((device, label) for device, label, _, _ in ranges))
    number = {key: index for index, key in enumerate(keys)}
    return keys, np.asarray([number[(d, lab)] for d, lab, _, _ in ranges], dtype=np.int64)


def _points(
    connection: Connection, collection: str, ranges: Sequence[Range]
) -> tuple[list[SeriesKey], Ints, Ints, Floats]:
    """Raw numeric values of every range at once: the series, and per value its series number, time and value,
    sorted by series then time."""
    sql = (
        "SELECT t.k, r.ts, r.value FROM t JOIN readings r ON r.collection = ? AND r.device = t.device"
        f" AND r.label = t.label AND r.ts >= t.lo AND r.ts < t.hi WHERE {NUMERIC} ORDER BY t.k, r.ts"
    )
    keys, series_of_range = _series_of(ranges)
    rows = _select(connection, sql, collection, ranges)
    table = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows)).reshape(-1, 3)
    series, times = series_of_range[table[:, 0].astype(np.int64)], table[:, 1].astype(np.int64)
    order = np.lexsort((times, series))
    return keys, series[order], times[order], table[:, 2][order]


def _bucket_query(tier: Tier) -> str:
    """The buckets of the ranges ``t`` (see ``_select``), range by range, oldest first."""
    columns = ", ".join(f"b.{name}" for name in BUCKET_COLUMNS)
    return (
        f"SELECT t.k, {columns} FROM t JOIN rollup_{tier} b ON b.collection = ?"
        " AND b.device = t.device AND b.label = t.label AND b.start >= t.lo AND b.start < t.hi ORDER BY t.k, b.start"
    )


def _buckets(
    connection: Connection, collection: str, tier: Tier, ranges: Sequence[Range]
) -> tuple[list[SeriesKey], Ints, BucketArrays]:
    """Stored buckets of every range at once: the series, each bucket's series number, and the buckets,
    sorted by series then start."""
    keys, series_of_range = _series_of(ranges)
    rows = _select(connection, _bucket_query(tier), collection, ranges)
    table = list(zip(*rows, strict=True))
    arrays = from_columns(table[1:])
    series = series_of_range[np.asarray(table[0] if rows else [], dtype=np.int64)]
    order = np.lexsort((arrays.start, series))
    return keys, series[order], arrays.take(order)


def _replace(
    connection: Connection,
    collection: str,
    tier: Tier,
    ranges: Sequence[Range],
    made: Keyed,
) -> None:
    """Delete the buckets of the ranges, insert the ones just computed."""
    connection.exec_driver_sql(
        f"DELETE FROM rollup_{tier} WHERE collection = ? AND device = ? AND label = ? AND start >= ? AND start < ?",
        [(collection, *r) for r in ranges],
    )
    if len(made[1]):  # straight to the driver, rows made as it binds them: no list of every bucket
        marks = ", ".join("?" * (3 + len(BUCKET_COLUMNS)))
        cursor = connection.connection.cursor()
        try:
            rows = keyed_rows_out(made, collection)
            cursor.executemany(f"INSERT INTO rollup_{tier} VALUES ({marks})", rows)  # type: ignore[arg-type]  # sqlite3 takes any iterable
        finally:
            cursor.close()


def reroll(connection: Connection, collection: str, touched: dict[SeriesKey, set[int]]) -> None:
    """Recompute the touched minutes (given by any time inside) from raw values, then their hours and days:
    every series of a batch in one query and one vector computation per tier."""
    for batch in in_batches(touched_ranges(touched, WIDTH_US["1m"])):
        for tier in TIERS:
            width = WIDTH_US[tier]
            ranges = widen(batch, width)
            if SOURCE[tier] is None:
                keys, series, times, values = _points(connection, collection, ranges)
                made = (keys, *from_points_of(series, times, values, width))
            else:
                keys, series, children = _buckets(connection, collection, SOURCE[tier], ranges)  # type: ignore[arg-type]
                made = (keys, *roll_up_of(series, children, width))
            _replace(connection, collection, tier, ranges, made)


def _newest_times(connection: Connection, collection: str, keys: Sequence[SeriesKey]) -> dict[SeriesKey, int]:
    """The time of each series' latest value as stored (series never stored are absent)."""
    query = (
        "SELECT t.k, l.ts FROM t JOIN readings_latest l"
        " ON l.collection = ? AND l.device = t.device AND l.label = t.label"
    )  # the ranges' bounds are not used: a latest value has one time
    rows = _select(connection, query, collection, [(device, label, 0, 0) for device, label in keys])
    return {keys[k]: ts for k, ts in rows}


def apply_polls(connection: Connection, collection: str, polls: Sequence[Poll]) -> None:
    """After storing ``polls`` in this transaction: their series' latest values, and the buckets of the
    closed minutes they touch (``closed_minutes``): a series polled every second rolls up once a minute."""
    touched, newest = touched_by(polls)
    if not newest:
        return
    before = _newest_times(connection, collection, list(touched))
    connection.exec_driver_sql(UPDATE_LATEST, [(collection, *key, ts) for key, ts in newest.items()])
    # A late value into an open minute that ``settle`` rolled up: that bucket no longer counts every value,
    # so it goes, and readers take the minute from raw values again (see ``series``).
    settled = [(collection, *key, start) for key, start in reopened(touched, newest, before).items()]
    if settled:
        connection.exec_driver_sql(
            "DELETE FROM rollup_1m WHERE collection = ? AND device = ? AND label = ? AND start = ?", settled
        )
    reroll(connection, collection, closed_minutes(touched, newest, before))


class SqliteRollups(Tables, RollupRepository):
    """Tiers and latest values of one readings collection of a SQLite file."""

    def apply(self, polls: Sequence[Poll]) -> None:
        with self.begin() as connection:
            apply_polls(connection, self.collection, polls)

    def settle(self) -> None:
        """Roll up every series' open minute now (before retention or a completeness check)."""
        with self.begin() as connection:
            rows = connection.exec_driver_sql(
                "SELECT device, label, ts FROM readings_latest WHERE collection = ?", (self.collection,)
            ).fetchall()
            reroll(connection, self.collection, {(d, lab): {floor_to(ts, WIDTH_US["1m"])} for d, lab, ts in rows})

    def _raw_series(self) -> list[SeriesKey]:
        """Every (device, label) of the collection's readings, one index seek each (a skip scan).

        Two plain seeks per step: SQLite walks every index entry of a series for a row-value
        comparison ``(device, label) > (?, ?)``, 0.4 s for a channel-year."""
        found: list[SeriesKey] = []
        first = "SELECT device, label FROM readings WHERE collection = ? ORDER BY device, label LIMIT 1"
        same_device = (
            "SELECT device, label FROM readings WHERE collection = ? AND device = ? AND label > ?"
            " ORDER BY label LIMIT 1"
        )
        next_device = (
            "SELECT device, label FROM readings WHERE collection = ? AND device > ? ORDER BY device, label LIMIT 1"
        )
        with self.begin() as connection:
            row = connection.exec_driver_sql(first, (self.collection,)).first()
            while row is not None:
                device, label = row[0], row[1]
                found.append((device, label))
                row = connection.exec_driver_sql(same_device, (self.collection, device, label)).first()
                if row is None:
                    row = connection.exec_driver_sql(next_device, (self.collection, device)).first()
        return found

    def rebuild(self, progress: Callable[[str], None] | None = None) -> int:
        keys = self._raw_series()
        for device, label in keys:
            where = "collection = ? AND device = ? AND label = ?"
            with self.begin() as connection:
                # min and max apart: each is one index seek, together SQLite scans the series
                lo, hi = (
                    connection.exec_driver_sql(
                        f"SELECT {end}(ts) FROM readings WHERE {where}", (self.collection, device, label)
                    ).scalar()
                    for end in ("min", "max")
                )
                if lo is None or hi is None:  # deleted meanwhile
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
        times, values = _stream_points(
            connection,
            "SELECT r.ts, r.value FROM readings r WHERE r.collection = ? AND r.device = ? AND r.label = ?"
            f" AND r.ts >= ? AND r.ts < ? AND {NUMERIC} ORDER BY r.ts",
            (self.collection, device, label, start, stop),
        )
        made = from_points(times, values, WIDTH_US["1m"])
        for tier in TIERS:
            if tier != "1m":
                made = roll_up(made, WIDTH_US[tier])
            _replace(connection, self.collection, tier, [(device, label, start, stop)], single((device, label), made))

    def buckets(self, tier: Tier, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Bucket]]:
        ranges = [(d, lab, start, stop) for d, lab in keys]
        with self.begin() as connection:
            rows = _select(connection, _bucket_query(tier), self.collection, ranges)
        found: dict[SeriesKey, list[Bucket]] = {}
        for row in rows:  # straight from the driver's rows, in range then time order: no arrays for a reader
            found.setdefault((ranges[row[0]][0], ranges[row[0]][1]), []).append(Bucket._make(row[1:]))
        return found

    def points(self, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Point]]:
        with self.begin() as connection:
            names, series, times, values = _points(
                connection, self.collection, [(d, lab, start, stop) for d, lab in keys]
            )
        return {
            key: list(zip(times[lo:hi].tolist(), values[lo:hi].tolist(), strict=True))
            for key, lo, hi in per_series(names, series)
        }

    def series(self) -> list[Series]:
        """Each series' newest value opens its minute, unless that minute's bucket ends at it (``settle``)."""
        minute = WIDTH_US["1m"]
        query = (
            "SELECT l.device, l.label, l.device_type, l.unit, l.ts, b.t_last FROM readings_latest l"
            " LEFT JOIN rollup_1m b ON b.collection = l.collection AND b.device = l.device AND b.label = l.label"
            f" AND b.start = l.ts - ((l.ts % {minute}) + {minute}) % {minute}"
            " WHERE l.collection = ? ORDER BY l.device, l.label"
        )
        with self.begin() as connection:
            rows = connection.exec_driver_sql(query, (self.collection,)).fetchall()
        return [
            Series(d, lab, kind, unit, from_micros(ts), None if last == ts else from_micros(floor_to(ts, minute)))
            for d, lab, kind, unit, ts, last in rows
        ]

    def latest(self) -> list[Reading]:
        query = f"SELECT {LATEST_COLUMNS} FROM readings_latest WHERE collection = ? ORDER BY device, label"
        with self.begin() as connection:
            return [reading_from_row(row) for row in connection.exec_driver_sql(query, (self.collection,))]

    def retention(self, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
        return sqlite_retention(self, cutoffs, delete)
