"""Write throughput of the readings adapters against the raw drivers, measured side by side in one run.

Each repeat writes the same polls (default 10,000 polls x 10 labels = 100,000 values) once through
``ricochetdb.connect(...).readings.add`` (configured as in production) and once through the raw
driver into a fresh table or collection with the same schema and indexes; the two alternate so a
noisy neighbour slows both. Prints min and median seconds and the throughput ratio raw/adapter
(1.0 = as fast as the raw driver). SQLite: ``sqlite3.executemany`` of the same rows in one
transaction, same pragmas. MongoDB: ``insert_many`` of the same documents, unordered, journaled like
the adapter. The adapter also keeps the rollup tiers and latest values (issue 12), which the raw
driver does not: on SQLite the write path alone (rollups off) is timed too.
Usage: python bench/store_write.py [--polls N] [--labels N] [--repeats N] [--only sqlite|mongo]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_mongo import mongo_uri
from pymongo import MongoClient

from ricochetdb.adapters.mongo.indexes import INDEXES
from ricochetdb.adapters.mongo.reading_docs import reading_doc
from ricochetdb.adapters.sqlite.mappers import poll_rows
from ricochetdb.adapters.sqlite.readings import INSERT
from ricochetdb.adapters.sqlite.store import SqliteStore, create_sqlite_engine
from ricochetdb.adapters.sqlite.tables import metadata
from ricochetdb.application.readings import ReadingBook
from ricochetdb.domain.polls import Poll
from ricochetdb.entrypoints.api import connect

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_polls(count: int, labels: int) -> list[Poll]:
    """Polls of four devices, one per second each, with slowly drifting temperatures."""
    return [
        Poll(
            f"MMR3@10.0.0.{i % 4}",
            "MMR3",
            T0 + timedelta(seconds=i // 4, microseconds=i % 4),
            {f"ch{n}_temperature": 4.0 + i * 1e-6 + n for n in range(labels)},
            {f"ch{n}_temperature": "K" for n in range(labels)},
        )
        for i in range(count)
    ]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def sqlite_pair(polls: list[Poll], folder: Path, repeat: int) -> tuple[float, float]:
    """One adapter write and one raw write of the same rows, each into a new file with the same schema."""
    adapter_file, raw_file = folder / f"adapter-{repeat}.sqlite", folder / f"raw-{repeat}.sqlite"
    with connect(f"sqlite:///{adapter_file}") as db:
        book = db.reading_book("bench")
        book.add(polls[:1])  # schema made before timing, as a running poller has it
        adapter = timed(lambda: book.add(polls[1:]))
    create_sqlite_engine(str(raw_file)).dispose()
    engine = create_sqlite_engine(str(raw_file))
    metadata.create_all(engine)
    engine.dispose()
    connection = sqlite3.connect(raw_file)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    rows = [row for poll in polls[1:] for row in poll_rows("bench", poll)]

    def raw_write() -> None:
        with connection:
            connection.executemany(INSERT, rows)

    raw = timed(raw_write)
    connection.close()
    bare = SqliteStore(str(folder / f"bare-{repeat}.sqlite"), rollups=False)
    book = ReadingBook(bare, "bench")
    book.add(polls[:1])
    SQLITE_WITHOUT_ROLLUPS.append(timed(lambda: book.add(polls[1:])))
    bare.close()
    return adapter, raw


def mongo_pair(polls: list[Poll], uri: str, repeat: int) -> tuple[float, float]:
    """One adapter write and one raw ``insert_many`` of the same documents into collections with the same indexes."""
    name = f"bench_{uuid.uuid4().hex[:8]}_{repeat}"
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True, journal=True)
    try:
        with connect(f"{uri.rstrip('/')}/{name}", spool="") as db:
            book = db.reading_book("adapter")
            book.add(polls[:1])
            adapter = timed(lambda: book.add(polls[1:]))
        raw_collection = client[name]["raw"]
        raw_collection.create_indexes(INDEXES["readings"])
        docs = [reading_doc(poll) for poll in polls[1:]]
        raw = timed(lambda: raw_collection.insert_many(docs, ordered=False))
    finally:
        client.drop_database(name)
        client.close()
    return adapter, raw


SQLITE_WITHOUT_ROLLUPS: list[float] = []
"""The SQLite write path alone (rollup tiers off), timed beside each pair: the one-poll-one-value path."""


def report(store: str, pairs: list[tuple[float, float]], values: int) -> None:
    adapter, raw = [p[0] for p in pairs], [p[1] for p in pairs]
    print(f"{store}: {values} values, {len(pairs)} interleaved repeats")
    for what, times in (("adapter", adapter), ("raw", raw)):
        print(f"  {what:8} min {min(times):7.3f} s   median {statistics.median(times):7.3f} s")
    print(
        f"  throughput ratio adapter/raw: min-based {min(raw) / min(adapter):.2f}   "
        f"median-based {statistics.median(raw) / statistics.median(adapter):.2f}   (target >= 0.80)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=10_000)
    parser.add_argument("--labels", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "mongo"))
    args = parser.parse_args()
    polls = make_polls(args.polls + 1, args.labels)
    values = args.polls * args.labels
    if args.only != "mongo":
        with tempfile.TemporaryDirectory() as folder:
            report("SQLite", [sqlite_pair(polls, Path(folder), r) for r in range(args.repeats)], values)
    if SQLITE_WITHOUT_ROLLUPS:
        print(
            f"  SQLite adapter with the rollup tiers off: min {min(SQLITE_WITHOUT_ROLLUPS):.3f} s, "
            f"median {statistics.median(SQLITE_WITHOUT_ROLLUPS):.3f} s"
        )
    if args.only != "sqlite":
        with mongo_uri() as uri:
            report("MongoDB", [mongo_pair(polls, uri, r) for r in range(args.repeats)], values)


if __name__ == "__main__":
    main()
