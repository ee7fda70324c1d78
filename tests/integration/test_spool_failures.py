"""The spool under attack: a poisoned item, a spool meant for another database, a damaged file, a full disk."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mongo_server import free_port
from pymongo import MongoClient
from sqlalchemy import event

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.shelf import SqliteShelf
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.poll_loop import PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import ReadingRepository, WriteReport
from ricochetdb.application.replay import retry_set_aside
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.domain.errors import SpoolMismatch, StoreUnavailable, ValidationError
from ricochetdb.domain.polls import DeviceReply, Poll
from ricochetdb.domain.readings import Measurement
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def poll(i: int, value: object = 1.0) -> Poll:
    return Poll("MMR3@10.0.0.31", "MMR3", T0 + timedelta(seconds=i), {"T_4K": value}, {"T_4K": "K"})


class Readings(ReadingRepository):
    """Refuses any poll holding the value 666 (as MongoDB refuses what it cannot encode); down when told."""

    def __init__(self, primary: Primary, inner: ReadingRepository) -> None:
        self.primary, self.inner = primary, inner

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        if self.primary.down:
            raise StoreUnavailable("db", "", "connection refused")
        if any(666 in p.values.values() for p in polls):
            raise ValidationError("readings", "T_4K", "cannot be encoded")
        return self.inner.add(polls, bulk_size)

    def find(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.find(*args, **kwargs)

    def latest(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.latest(*args, **kwargs)

    def stats(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.inner.stats(*args, **kwargs)


class Primary(InMemoryStore):
    def __init__(self, name: str = "mongodb://db-a:27017/ricochet") -> None:
        super().__init__()
        self.down = False
        self.name = name

    def readings(self, collection: str) -> ReadingRepository:
        return Readings(self, super().readings(collection))

    def describe(self) -> str:
        return self.name


def spooling(primary: Primary, path: Path) -> SpoolingStore:
    local = SqliteStore(str(path))
    return SpoolingStore(primary, local, SqliteArchive(local), 0.0, shelf=SqliteShelf(local.engine, "spool"))


class TestPoisonedItems:
    def test_a_refused_item_is_set_aside_and_everything_behind_it_flows(self, tmp_path: Path) -> None:
        primary = Primary()
        store = spooling(primary, tmp_path / "spool.sqlite")
        primary.down = True
        store.readings("r").add([poll(0), poll(1, 666), poll(2)])
        store.readings("r").add([poll(3)])
        primary.down = False
        report = store.replay(bulk_size=2)
        assert (report.total, report.new, report.set_aside) == (4, 3, 1)
        assert store.pending() == {} and store.replay().total == 0
        assert [r.timestamp.second for r in primary.readings("r").find()] == [0, 2, 3]
        (kept,) = store.shelf.list()  # type: ignore[union-attr]
        assert (kept.kind, kept.collection, "cannot be encoded" in kept.reason) == ("readings", "r", True)
        assert "MMR3@10.0.0.31" in kept.summary
        assert store.shelf.get(kept.number)[2] == poll(1, 666)  # type: ignore[union-attr]

    def test_the_poll_loop_sets_a_refused_poll_aside_and_keeps_polling(self, tmp_path: Path) -> None:
        store = SqliteStore(str(tmp_path / "db.sqlite"))
        value = {"v": 1.0}

        class Reader:
            device_type, address = "MMR3", "m"

            def read(self) -> DeviceReply:
                return DeviceReply([Measurement("T_4K", value["v"], "K")])

            def close(self) -> None:
                pass

        refusing = Primary()
        poller = Poller(store.clock, store.clock)
        poller.add(Reader(), "r")
        shelf = SqliteShelf(store.engine, "db")
        loop = PollLoop(poller, refusing, 0.0, shelf=shelf)
        value["v"] = 666
        first = loop.cycle()
        value["v"] = 4.2
        second = loop.cycle()
        assert (first.stored, first.backlog, second.stored) == (0, 0, 1)
        assert [item.summary.split(" at ")[0] for item in shelf.list()] == ["MMR3@m"]


class TestSpoolTarget:
    def test_items_waiting_for_another_database_are_never_delivered_here(self, tmp_path: Path) -> None:
        path = tmp_path / "spool.sqlite"
        first = Primary("mongodb://db-a:27017/ricochet")
        store = spooling(first, path)
        first.down = True
        store.readings("r").add([poll(0)])
        store.spool.close()
        other = Primary("mongodb://db-b:27017/ricochet")
        with pytest.raises(SpoolMismatch) as refused:
            spooling(other, path)
        assert "db-a" in str(refused.value) and "db-b" in str(refused.value)
        assert other.readings("r").find() == []
        first.down = False
        again = spooling(first, path)
        assert again.replay().new == 1 and first.readings("r").find() != []

    def test_an_empty_spool_follows_the_database_it_is_used_with(self, tmp_path: Path) -> None:
        path = tmp_path / "spool.sqlite"
        spooling(Primary("mongodb://db-a:27017/x"), path).spool.close()
        store = spooling(Primary("mongodb://db-b:27017/x"), path)
        assert store.archive.target() == "mongodb://db-b:27017/x"


class TestDamagedSpool:
    @pytest.mark.parametrize("damage", ["garbage", "truncated"])
    def test_a_damaged_spool_is_moved_aside_and_a_new_one_takes_the_writes(
        self, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = tmp_path / "spool.sqlite"
        dead = f"mongodb://127.0.0.1:{free_port()}/ricochet"
        with connect(dead, spool=str(path), timeout_ms=100) as db:
            db.daq.insert([{"topic": "t", "timestamp": float(i), "pad": "x" * 2000} for i in range(200)])
        if damage == "garbage":
            path.write_bytes(b"this is not a database" * 100)
        else:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        with connect(dead, spool=str(path), timeout_ms=100) as db:
            assert db.daq.insert([{"topic": "after", "timestamp": 1.0}]) == 1
            assert db.spool_pending() == {"daq:daq_messages": 1}
        aside = [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
        assert len(aside) == 1 and any("is damaged" in r.getMessage() for r in caplog.records)


class TestFullDisk:
    def test_a_spool_that_cannot_grow_leaves_polls_in_memory_and_the_poller_alive(self, tmp_path: Path) -> None:
        primary = Primary()
        local = SqliteStore(str(tmp_path / "spool.sqlite"))
        event.listen(local.engine, "connect", lambda connection, _: connection.execute("PRAGMA max_page_count = 40"))
        local.engine.dispose()
        store = SpoolingStore(primary, local, SqliteArchive(local), 0.0)
        primary.down = True

        class Reader:
            device_type, address = "MMR3", "m"

            def read(self) -> DeviceReply:
                return DeviceReply([Measurement(f"ch{n}_temperature", 0.01 * n, "K") for n in range(50)])

            def close(self) -> None:
                pass

        poller = Poller(primary.clock, primary.clock)
        poller.add(Reader(), "r")
        loop = PollLoop(poller, store, 0.0)
        reports = [loop.cycle() for _ in range(30)]
        assert reports[-1].backlog > 0 and "full" in reports[-1].store_error
        primary.down = False
        final = loop.cycle()
        assert final.backlog == 0
        logging.getLogger(__name__).info("stored %d", final.stored)
        assert len(primary.readings("r").find()) + store.pending().get("readings:r", 0) == 31 * 50


class TestShelfActions:
    def test_a_set_aside_item_is_retried_once_the_store_takes_it_or_discarded(self, tmp_path: Path) -> None:
        primary = Primary()
        store = spooling(primary, tmp_path / "spool.sqlite")
        primary.down = True
        store.readings("r").add([poll(0, 666), poll(1, 666)])
        primary.down = False
        store.replay()
        first, second = store.shelf.list()  # type: ignore[union-attr]
        with pytest.raises(ValidationError):
            retry_set_aside(store.shelf, store, first.number)  # type: ignore[arg-type]
        assert len(store.shelf.list()) == 2  # type: ignore[union-attr]
        accepting = InMemoryStore()
        assert retry_set_aside(store.shelf, accepting, first.number) == 1  # type: ignore[arg-type]
        store.shelf.discard(second.number)  # type: ignore[union-attr]
        assert store.shelf.list() == [] and len(accepting.readings("r").find()) == 1  # type: ignore[union-attr]

    def test_what_a_truncated_spool_still_holds_is_replayed_by_hand(self, tmp_path: Path) -> None:
        path = tmp_path / "spool.sqlite"
        dead = f"mongodb://127.0.0.1:{free_port()}/ricochet"
        with connect(dead, spool=str(path), timeout_ms=100) as db:
            db.daq.insert([{"topic": "t", "timestamp": float(i), "pad": "x" * 2000} for i in range(200)])
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        with connect(f"sqlite:///{tmp_path / 'target.sqlite'}") as target:
            report = target.replay_file(str(path))
            assert report.stopped == "" or "malformed" in report.stopped or "disk image" in report.stopped
            assert len(target.daq.find()) == report.total


def test_a_poll_mongodb_refuses_by_its_own_rule_is_set_aside_and_handled_from_the_command_line(
    tmp_path: Path, mongo_uri: str, mongo_db_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the validator's refusal was an 'outage', so the poll was spooled and retried forever."""
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    schema = {"bsonType": "object", "properties": {"T_4K": {"bsonType": "double", "maximum": 100.0}}}
    client[mongo_db_name].create_collection("fridge", validator={"$jsonSchema": schema})
    client.close()
    uri, spool = f"{mongo_uri.rstrip('/')}/{mongo_db_name}", str(tmp_path / "spool.sqlite")
    value = {"T_4K": 4.0}

    class Reader:
        device_type, address = "MMR3", "10.0.0.31"

        def read(self) -> DeviceReply:
            return DeviceReply([Measurement("T_4K", value["T_4K"], "K")])

        def close(self) -> None:
            pass

    with connect(uri, spool=spool) as db:
        poller = Poller(db.store.clock, db.store.clock)
        poller.add(Reader(), "fridge")
        loop = PollLoop(poller, db.store, 0.0, db.spool, shelf=db.shelf)
        first = loop.cycle()
        value["T_4K"] = 1000.0  # a broken thermometer, refused by the collection's validator
        second = loop.cycle()
        value["T_4K"] = 4.1
        third = loop.cycle()
        assert (first.stored, second.stored, third.stored, third.backlog) == (1, 0, 1, 0)
        assert db.spool_pending() == {} and len(db.reading_book("fridge").find()) == 2
    common = ["--db", uri, "--spool", spool, "--json"]
    assert main([*common, "spool", "status"]) == 0
    assert json.loads(capsys.readouterr().out) == {"spool": "empty", "set_aside": 1}
    assert main([*common, "spool", "set-aside", "list"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert "MMR3@10.0.0.31" in item["item"] and "Document failed validation" in item["reason"]
    assert main([*common, "spool", "set-aside", "retry", str(item["number"])]) == 2  # still refused: stays
    capsys.readouterr()
    assert main([*common, "spool", "set-aside", "discard", str(item["number"])]) == 0
    assert main([*common, "spool", "set-aside", "list"]) == 0
    assert "[]" in capsys.readouterr().out
