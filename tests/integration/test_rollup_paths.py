"""Every path that writes readings keeps the rollups: sync to MongoDB, spool replay, the facade's upload."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.ports import ReadingRepository, ReadingStats, Store, WriteReport
from ricochetdb.application.readings import ReadingBook
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.application.sync import sync
from ricochetdb.domain.errors import StoreUnavailable
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import TIERS
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.compat.database import Database

T0 = datetime(2026, 5, 1, tzinfo=UTC)
EVERYTHING = (-(2**62), 2**62)


def polls(count: int = 900) -> list[Poll]:
    return [
        Poll("m", "MMR3", T0 + timedelta(seconds=7 * i), {"T": 4.0 + math.sin(i) / 100}, {"T": "K"})
        for i in range(count)
    ]


def tiers(store: Store, collection: str = "readings") -> dict[str, list[tuple[int, int, float]]]:
    rollups = store.rollups(collection)
    rollups.settle()
    keys = [(s.device, s.label) for s in rollups.series()]
    return {
        tier: [
            (b.start, b.n, round(b.mean, 12))
            for buckets in rollups.buckets(tier, keys, *EVERYTHING).values()
            for b in buckets
        ]
        for tier in TIERS
    }


def test_sync_rolls_up_on_the_target(tmp_path: Path, mongo_uri: str, mongo_db_name: str) -> None:
    laptop = SqliteStore(str(tmp_path / "laptop.sqlite"))
    ReadingBook(laptop, "readings").add(polls())
    with connect(f"{mongo_uri.rstrip('/')}/{mongo_db_name}", spool="") as server:
        sync(SqliteArchive(laptop), server.store)
        assert tiers(server.store) == tiers(laptop) and tiers(laptop)["1d"][0][1] == 900
        assert server.readings.latest_values() == ReadingBook(laptop, "readings").latest_values()
    laptop.close()


class Flaky(InMemoryStore):
    """A primary whose readings refuse writes while ``down``."""

    down = False

    def readings(self, collection: str) -> ReadingRepository:
        inner = super().readings(collection)
        if self.down:
            return Refusing(inner)
        return inner


class Refusing(ReadingRepository):
    def __init__(self, inner: ReadingRepository) -> None:
        self.inner = inner

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        raise StoreUnavailable("primary", "", "connection refused")

    def find(self, *args: Any, **kwargs: Any) -> list[Reading]:
        return self.inner.find(*args, **kwargs)

    def latest(self, *args: Any, **kwargs: Any) -> list[Reading]:
        return self.inner.latest(*args, **kwargs)

    def stats(self, *args: Any, **kwargs: Any) -> ReadingStats:
        return self.inner.stats(*args, **kwargs)


def test_a_spool_replay_rolls_up_on_the_primary(tmp_path: Path) -> None:
    primary = Flaky()
    local = SqliteStore(str(tmp_path / "spool.sqlite"), rollups=False)
    store = SpoolingStore(primary, local, SqliteArchive(local), retry_after=0.0)
    primary.down = True
    ReadingBook(store, "readings").add(polls())
    assert tiers(primary)["1m"] == []
    primary.down = False
    store.replay()
    reference = InMemoryStore()
    reference.readings("readings").add(polls())
    assert tiers(primary) == tiers(reference) and tiers(primary)["1d"][0][1] == 900


def test_the_facade_upload_rolls_up(tmp_path: Path) -> None:
    database = Database.get_database()
    database.set_address(f"sqlite:///{tmp_path / 'facade.sqlite'}")
    try:
        rows = [{"timestamp": (T0 + timedelta(seconds=i)).replace(tzinfo=None), "T": float(i)} for i in range(120)]
        assert database.upload(rows, "facade") == 120
        book = database.connection().reading_book("facade")
        (minute,) = book.rollups.buckets("1m", [("external", "T")], *EVERYTHING)[("external", "T")]
        assert (minute.n, minute.mean) == (60, 29.5)  # the second minute stays open: its series' newest value
        book.rollups.settle()
        (_, last) = book.rollups.buckets("1m", [("external", "T")], *EVERYTHING)[("external", "T")]
        assert (last.n, last.mean) == (60, 89.5)
    finally:
        database.close()


def test_a_reading_book_opens_while_mongodb_is_away_so_writes_can_spool() -> None:
    from ricochetdb.adapters.mongo.store import MongoStore

    store = MongoStore("mongodb://127.0.0.1:9/ricochet", server_selection_timeout_ms=50)
    try:
        book = ReadingBook(store, "readings")  # touches no server
        try:
            book.add(polls(1))
        except StoreUnavailable:
            pass
        else:
            raise AssertionError("a write to an unreachable server must fail, for the spool to take it")
    finally:
        store.close()
