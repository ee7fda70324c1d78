"""Retention on SQLite: count, and delete in small transactions, what is older than each tier's cutoff.

A series' raw values go only where its minute buckets count every numeric value (a tier's buckets
only where the next tier counts them), so nothing is deleted that the rollups do not hold. Deleting
frees pages for reuse; the file shrinks only with ``VACUUM`` (the CLI says so).
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from ricochetdb.adapters.sqlite.connection import Tables
from ricochetdb.application.ports import RetentionItem, SeriesKey
from ricochetdb.domain.rollups import WIDTH_US, floor_to
from ricochetdb.domain.validation import from_micros

ABOVE = {"raw": "1m", "1m": "1h", "1h": "1d"}
SLICE_US = {"raw": WIDTH_US["1d"], "1m": 30 * WIDTH_US["1d"], "1h": 365 * WIDTH_US["1d"], "1d": 10_000 * WIDTH_US["1d"]}
"""How much of one series one deleting transaction takes: writers wait at most for one slice."""
INDEXES = {"raw": ("readings", "sqlite_autoindex_readings_1", "ix_readings_label_ts")}
DEFAULT_BYTES = {"raw": 110, "1m": 170, "1h": 170, "1d": 170}


def _where(tier: str) -> tuple[str, str]:
    """The table of a tier and its time column."""
    return ("readings", "ts") if tier == "raw" else (f"rollup_{tier}", "start")


def _counted(connection: Connection, collection: str, tier: str, key: SeriesKey, lo: int, hi: int) -> int:
    """Raw numeric values, or the values counted by a tier's buckets, of one series in [lo, hi)."""
    table, time = _where(tier)
    what = "count(*)" if tier == "raw" else "coalesce(sum(n), 0)"
    numeric = " AND typeof(value) IN ('integer', 'real')" if tier == "raw" else ""
    query = (
        f"SELECT {what} FROM {table} WHERE collection = ? AND device = ? AND label = ?"
        f" AND {time} >= ? AND {time} < ?{numeric}"
    )
    return int(connection.exec_driver_sql(query, (collection, *key, lo, hi)).scalar_one())


def _row_bytes(connection: Connection, tier: str) -> int:
    """Bytes per row of the tier's table and indexes (dbstat when SQLite has it, else a typical size)."""
    table, _ = _where(tier)
    names = INDEXES.get(tier, (table,))
    try:
        size = connection.exec_driver_sql(
            f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({', '.join('?' * len(names))})", names
        ).scalar_one()
        rows = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
    except OperationalError:  # SQLite built without the dbstat table
        return DEFAULT_BYTES[tier]
    return int(size // rows) if rows else DEFAULT_BYTES[tier]


def sqlite_retention(tables: Tables, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
    """What each tier holds before its cutoff, per series; deleted slice by slice where the tier above holds it."""
    items: list[RetentionItem] = []
    for tier, cutoff in cutoffs.items():
        table, time = _where(tier)
        width = 1 if tier == "raw" else WIDTH_US[tier]  # type: ignore[index]
        with tables.begin() as connection:
            per_series = connection.exec_driver_sql(
                f"SELECT device, label, count(*), min({time}) FROM {table} WHERE collection = ? AND {time} <= ?"
                " GROUP BY device, label",
                (tables.collection, cutoff - width),
            ).fetchall()
            row_bytes = _row_bytes(connection, tier)
            kept: list[SeriesKey] = []
            for device, label, _, oldest in per_series:
                lo = floor_to(oldest, WIDTH_US["1d"])
                above = ABOVE.get(tier)
                if above is not None:
                    below = _counted(connection, tables.collection, tier, (device, label), lo, cutoff)
                    if below != _counted(connection, tables.collection, above, (device, label), lo, cutoff):
                        kept.append((device, label))
        going = [(d, lab, n, oldest) for d, lab, n, oldest in per_series if (d, lab) not in kept]
        if delete:
            for device, label, _, oldest in going:
                _delete(tables, table, time, (device, label), oldest, cutoff - width + 1, SLICE_US[tier])
        rows = sum(n for _, _, n, _ in going)
        names = tuple(f"{d} {lab}" for d, lab in kept)
        items.append(RetentionItem(tables.collection, tier, from_micros(cutoff), rows, rows * row_bytes, names))
    return items


def _delete(tables: Tables, table: str, time: str, key: SeriesKey, oldest: int, stop: int, step: int) -> None:
    """Delete the series' rows with time in [oldest, stop), one transaction per ``step`` of time."""
    for start in range(oldest, stop, step):
        with tables.begin() as connection:
            connection.exec_driver_sql(
                f"DELETE FROM {table} WHERE collection = ? AND device = ? AND label = ? AND {time} >= ? AND {time} < ?",
                (tables.collection, *key, start, min(stop, start + step)),
            )
