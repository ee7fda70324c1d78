"""Insert 100,000 readings through MongoStore and as raw ``insert_many`` of the same documents; print both times."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from ricochetdb.adapters.mongo.documents import group_readings, reading_doc
from ricochetdb.adapters.mongo.indexes import INDEXES
from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.domain.readings import Reading

logger = logging.getLogger("bench.mongo_insert")
SERVER_HELPER = Path(__file__).resolve().parents[1] / "tests" / "mongo_server.py"


@contextlib.contextmanager
def server_uri() -> Iterator[str]:
    """``MONGO_URI`` when set, else a SecantusDB test server started (and stopped) by this script."""
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    spec = importlib.util.spec_from_file_location("mongo_server", SERVER_HELPER)
    assert spec is not None and spec.loader is not None
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    with tempfile.TemporaryDirectory() as storage, helper.MongoTestServer(Path(storage)) as uri:
        yield uri


def readings(count: int, labels: int) -> list[Reading]:
    """``count`` readings: polls of ``labels`` labels, one poll per second, from four devices.

    The documents are built outside the timed part for the raw inserts (copies, since
    ``insert_many`` adds ``_id`` in place); the adapter's time includes building them.
    """
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Reading("MMR3", f"mmr3-{poll % 4}", f"T_{label}", 4.0 + poll * 1e-6, "K", start + timedelta(seconds=poll))
        for poll in range(count // labels)
        for label in range(labels)
    ]


def run(uri: str, count: int, labels: int, bulk_size: int) -> None:
    batch = readings(count, labels)
    docs = [reading_doc(group) for group in group_readings(batch)]
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    name = f"bench_{uuid.uuid4().hex}"
    store = MongoStore(uri, db_name=name, client=client)
    try:
        store.readings("warm-up").add(batch[:labels])
        started = time.perf_counter()
        added = store.readings("adapter").add(batch, bulk_size=bulk_size)
        adapter = time.perf_counter() - started
        replayed_at = time.perf_counter()
        replayed = store.readings("adapter").add(batch, bulk_size=bulk_size)
        replay = time.perf_counter() - replayed_at

        client[name]["raw"].insert_one({"warm": "up"})
        started = time.perf_counter()
        client[name]["raw"].insert_many([dict(doc) for doc in docs], ordered=False)
        raw = time.perf_counter() - started

        client[name]["raw-indexed"].create_indexes(INDEXES["readings"])
        started = time.perf_counter()
        client[name]["raw-indexed"].insert_many([dict(doc) for doc in docs], ordered=False)
        indexed = time.perf_counter() - started
    finally:
        client.drop_database(name)
        store.close()
        client.close()
    print(f"{len(batch)} readings in {len(docs)} documents ({labels} labels per poll), bulk size {bulk_size}")
    print(f"adapter  MongoStore.readings().add : {adapter:8.3f} s  ({added} new)")
    print(f"raw      insert_many(docs)         : {raw:8.3f} s  (only the _id index)")
    print(f"ratio    adapter / raw             : {adapter / raw:8.2f}")
    print(f"raw+idx  insert_many(docs)         : {indexed:8.3f} s  (the adapter's readings indexes)")
    print(f"ratio    adapter / raw+idx         : {adapter / indexed:8.2f}")
    print(f"replay   same readings again       : {replay:8.3f} s  ({replayed} new)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="readings to insert")
    parser.add_argument("--labels", type=int, default=1, help="labels per poll (readings per document)")
    parser.add_argument("--bulk-size", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with server_uri() as uri:
        run(uri, args.count, args.labels, args.bulk_size)


if __name__ == "__main__":
    main()
