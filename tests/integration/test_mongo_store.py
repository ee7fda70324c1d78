"""MongoStore against a real MongoDB-wire server: indexes, server clock, redaction, bulk sizes, time-series."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from mongo_server import free_port
from pymongo import MongoClient, monitoring
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.application.daq import DaqLogger
from ricochetdb.domain.errors import DuplicateRecord, StoreConfigurationError, StoreUnavailable, ValidationError
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.records import Run

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "s3cr@t-Pw0rd"
SECRET_URI_PART = "s3cr%40t-Pw0rd"


class CommandLog(monitoring.CommandListener):
    """Every command the client sent, by name."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Only what was sent matters here."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Only what was sent matters here."""

    def count(self, name: str) -> int:
        return sum(1 for command, _ in self.commands if command == name)


def poll(i: int, labels: tuple[str, ...] = ("T_4K",), device: str = "mmr3-a") -> list[Poll]:
    values = {label: 4.0 + i for label in labels}
    return [Poll(device, "MMR3", T0 + timedelta(seconds=i), values, {label: "K" for label in labels})]


@pytest.fixture
def log() -> CommandLog:
    return CommandLog()


@pytest.fixture
def client(mongo_uri: str, log: CommandLog) -> Iterator[MongoClient[dict[str, Any]]]:
    listened: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True, event_listeners=[log])
    yield listened
    listened.close()


@pytest.fixture
def store(mongo_uri: str, mongo_db_name: str, client: MongoClient[dict[str, Any]]) -> Iterator[MongoStore]:
    built = MongoStore(mongo_uri, db_name=mongo_db_name, client=client)
    yield built
    built.close()


@pytest.fixture
def raw(client: MongoClient[dict[str, Any]], mongo_db_name: str) -> Database[dict[str, Any]]:
    return client[mongo_db_name]


class TestRecords:
    def test_a_duplicate_run_name_is_refused_with_nothing_written(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        runs = store.runs("lio_run_info")
        runs.add(Run.from_dict({"name": "r1", "detector": "RED15", "description": "first"}))
        with pytest.raises(DuplicateRecord):
            runs.add(Run.from_dict({"name": "r1", "detector": "RED30", "description": "second"}))
        stored = list(raw["lio_run_info"].find({}, {"_id": False}))
        assert stored == [
            {
                "name": "r1",
                "detector": [{"name": "RED15"}],
                "start_date": None,
                "stop_date": None,
                "description": "first",
                "revision": 1,
            }
        ]

    def test_the_unique_name_index_holds_for_any_writer(self, store: MongoStore, raw: Database[dict[str, Any]]) -> None:
        store.runs("det").add(Run.from_dict({"name": "x", "detector": "d"}))
        with pytest.raises(DuplicateKeyError):
            raw["det"].insert_one({"name": "x"})
        assert raw["det"].count_documents({}) == 1

    def test_a_record_written_before_revisions_existed_can_be_saved(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        raw["runs"].insert_one({"name": "old", "detector": [{"name": "d"}], "start_date": None, "stop_date": None})
        run = store.runs("runs").get("old")
        assert run is not None and run.revision == 0
        run.start(T0)
        store.runs("runs").save(run)
        assert raw["runs"].find_one({"name": "old"}, {"_id": False, "revision": True}) == {"revision": 1}


class TestServerClock:
    def test_now_is_the_servers_hello_local_time(self, store: MongoStore, log: CommandLog) -> None:
        assert store.clock.source == "server"
        before = log.count("hello")
        now = store.clock.now()
        assert log.count("hello") == before + 1
        assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
        assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


class TestRedaction:
    def test_the_password_never_shows_in_describe_repr_errors_or_logs(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="ricochetdb")
        uri = f"mongodb://ricochet:{SECRET_URI_PART}@127.0.0.1:{free_port()}/ricochet?authSource=admin"
        closed = MongoStore(uri, server_selection_timeout_ms=200)
        try:
            assert closed.describe() == f"mongodb://ricochet:***@127.0.0.1:{uri.split(':')[3]}"
            texts = [closed.describe(), repr(closed), str(vars(closed))]
            for call in (
                lambda: closed.runs("r").get("x"),
                closed.clock.now,
                lambda: closed.readings("r").add(poll(0)),
            ):
                with pytest.raises(StoreUnavailable) as refused:
                    call()
                assert refused.value.__cause__ is None and refused.value.__suppress_context__
                texts.append(str(refused.value))
            texts.append(caplog.text)
            assert all(PASSWORD not in text and SECRET_URI_PART not in text for text in texts)
            assert "Connection refused" in texts[3] or "Timeout" in texts[3]
        finally:
            closed.close()

    def test_a_uri_without_a_database_name_is_refused_clearly(self) -> None:
        with pytest.raises(StoreConfigurationError, match="names no database") as refused:
            MongoStore(f"mongodb://u:{SECRET_URI_PART}@127.0.0.1:1/")
        assert SECRET_URI_PART not in str(refused.value)


class TestBulkSize:
    def test_every_bulk_is_one_insert_command(self, store: MongoStore, log: CommandLog) -> None:
        readings = store.readings("r")
        readings.add(poll(-1))  # the indexes are created before counting
        log.commands.clear()
        assert readings.add([r for i in range(25) for r in poll(i)], bulk_size=7).new == 25
        assert log.count("insert") == 4
        assert [len(cmd["documents"]) for name, cmd in log.commands if name == "insert"] == [7, 7, 7, 4]

    def test_a_bulk_holds_whole_polls_of_at_most_bulk_size_readings(self, store: MongoStore, log: CommandLog) -> None:
        readings = store.readings("r")
        assert readings.add([r for i in range(10) for r in poll(i, ("a", "b", "c"))], bulk_size=7).new == 30
        assert [len(cmd["documents"]) for name, cmd in log.commands if name == "insert"] == [2, 2, 2, 2, 2]

    def test_the_default_bulk_size_is_1000(self, store: MongoStore, log: CommandLog) -> None:
        assert store.readings("r").add([r for i in range(2500) for r in poll(i)]).new == 2500
        assert [len(cmd["documents"]) for name, cmd in log.commands if name == "insert"] == [1000, 1000, 500]
        assert all(cmd["ordered"] is False for name, cmd in log.commands if name == "insert")

    def test_a_replay_costs_a_constant_number_of_commands_per_bulk(self, store: MongoStore, log: CommandLog) -> None:
        """Per bulk: one insert and one lookup of the duplicates; per write the latest values (two queries and
        one upsert per device) and the closed minutes re-rolled (a crash may have come between a bulk's insert
        and its rollups) by a few queries per series, never one per value. These 20 polls lie in one minute,
        still open: nothing to re-roll (docs/history.md)."""
        batch = [r for i in range(20) for r in poll(i)]
        store.readings("r").add(batch, bulk_size=10)
        log.commands.clear()
        assert store.readings("r").add(batch, bulk_size=10).new == 0
        assert (log.count("insert"), log.count("find"), log.count("update")) == (2, 4, 1)
        bigger = [r for i in range(100, 200) for r in poll(i)]
        store.readings("r").add(bigger, bulk_size=100)
        log.commands.clear()
        store.readings("r").add(bigger, bulk_size=100)
        assert log.count("insert") == 1 and log.count("find") <= 6 and log.count("update") <= 4


class TestDocuments:
    def test_a_poll_is_one_flat_document(self, store: MongoStore, raw: Database[dict[str, Any]]) -> None:
        source = T0 - timedelta(seconds=1)
        values, units = {"T_4K": 4.2, "R_4K": 1234}, {"T_4K": "K", "R_4K": "Ohm"}
        store.readings("mmr3-2026").add([Poll("mmr3-a", "MMR3", T0, values, units, "server", source)])
        (doc,) = raw["mmr3-2026"].find()
        assert {key: value for key, value in doc.items() if key != "_id"} == {
            "timestamp": T0,
            "device": "mmr3-a",
            "device_type": "MMR3",
            "clock": "server",
            "source_time": source,
            "T_4K": 4.2,
            "R_4K": 1234,
            "units": {"T_4K": "K", "R_4K": "Ohm"},
        }

    def test_new_labels_of_a_stored_poll_are_set_on_its_document(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        readings = store.readings("r")
        readings.add(poll(0, ("a",)))
        assert readings.add(poll(0, ("a", "b"))).new == 1
        (doc,) = raw["r"].find()
        assert (doc["a"], doc["b"], doc["units"]) == (4.0, 4.0, {"a": "K", "b": "K"})

    def test_sub_millisecond_digits_are_kept_beside_the_bson_date(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        when = T0 + timedelta(microseconds=1_234_567)
        store.readings("r").add([Poll("x", "X", when, {"v": 1.0}, {"v": ""})])
        (doc,) = raw["r"].find()
        assert doc["timestamp"] == T0 + timedelta(milliseconds=1234) and doc["_micros"] == {"timestamp": 567}
        assert store.readings("r").find(start=when, stop=when)[0].timestamp == when

    def test_daq_messages_keep_their_body_plus_id_and_sequence(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        batch = validate_batch([{"topic": "t", "timestamp": 1.5, "v": 1}, {"topic": "t", "timestamp": 2.5, "v": 2}])
        store.daq("daq").add(batch)
        docs = list(raw["daq"].find(sort=[("_seq", 1)]))
        assert docs == [{**m.body, "_id": m.id, "_seq": n} for n, m in enumerate(batch)]

    def test_a_daq_batch_holding_a_managed_field_inserts_nothing(
        self, store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        with pytest.raises(ValidationError, match="reserved"):
            DaqLogger(store, "daq").insert(
                [{"topic": "t", "timestamp": 1.0}, {"topic": "t", "timestamp": 2.0, "_seq": 3}]
            )
        assert "daq" not in raw.list_collection_names()


class TestIndexes:
    EXPECTED: ClassVar[dict[str, dict[str, list[tuple[str, int]]]]] = {
        "lio_run_info": {"_id_": [("_id", 1)], "name_1": [("name", 1)]},
        "mmr3-2026": {
            "_id_": [("_id", 1)],
            "timestamp_1__micros.timestamp_1_device_1": [("timestamp", 1), ("_micros.timestamp", 1), ("device", 1)],
            "device_1_timestamp_1__micros.timestamp_1": [("device", 1), ("timestamp", 1), ("_micros.timestamp", 1)],
        },
        # the rollup tiers and the latest values of a readings collection (docs/history.md)
        "mmr3-2026.latest": {"_id_": [("_id", 1)]},
        **{
            f"mmr3-2026.rollup_{tier}": {
                "_id_": [("_id", 1)],
                "device_1_label_1_start_1": [("device", 1), ("label", 1), ("start", 1)],
            }
            for tier in ("1m", "1h", "1d")
        },
        "daq": {"_id_": [("_id", 1)], "_seq_1": [("_seq", 1)], "topic_1__seq_1": [("topic", 1), ("_seq", 1)]},
        "device_events": {
            "_id_": [("_id", 1)],
            "_seq_-1": [("_seq", -1)],
            "device_1__seq_-1": [("device", 1), ("_seq", -1)],
        },
        "ricochetdb_sequences": {"_id_": [("_id", 1)]},
    }

    def use_every_collection(self, store: MongoStore, offset: int) -> None:
        store.runs("lio_run_info").add(Run.from_dict({"name": f"r{offset}", "detector": "d"}))
        store.readings("mmr3-2026").add(poll(offset))
        store.daq("daq").add(validate_batch([{"topic": "t", "timestamp": float(offset)}]))
        store.events("device_events").add(DeviceEvent("MMR3", "mmr3-a", "degraded", "timeout", T0))

    def indexes(self, raw: Database[dict[str, Any]]) -> dict[str, dict[str, list[tuple[str, int]]]]:
        return {
            name: {index: list(info["key"]) for index, info in raw[name].index_information().items()}
            for name in raw.list_collection_names()
        }

    def test_indexes_are_created_once_per_collection_and_again_harmlessly(
        self, store: MongoStore, raw: Database[dict[str, Any]], mongo_uri: str, log: CommandLog
    ) -> None:
        self.use_every_collection(store, 0)
        assert self.indexes(raw) == self.EXPECTED
        assert raw["lio_run_info"].index_information()["name_1"]["unique"] is True
        assert log.count("createIndexes") == 7  # records, readings, its three rollup tiers, DAQ, events
        self.use_every_collection(store, 1)
        assert log.count("createIndexes") == 7
        second = MongoStore(mongo_uri, db_name=raw.name)
        try:
            self.use_every_collection(second, 2)
        finally:
            second.close()
        assert self.indexes(raw) == self.EXPECTED


@pytest.fixture
def timeseries_store(mongo_uri: str, mongo_db_name: str, client: MongoClient[dict[str, Any]]) -> Iterator[MongoStore]:
    built = MongoStore(mongo_uri, db_name=mongo_db_name, timeseries=True, client=client)
    info = client.server_info()
    if tuple(info.get("versionArray", [0, 0])[:2]) < (5, 0):
        pytest.skip(f"server {info.get('version')} has no time-series collections")
    yield built
    built.close()


class TestTimeSeries:
    def test_readings_collections_are_created_as_time_series(
        self, timeseries_store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        timeseries_store.readings("mmr3-2026").add(poll(0))
        (info,) = raw.list_collections(filter={"name": "mmr3-2026"})
        # MongoDB reports type "timeseries"; SecantusDB 0.7 reports "collection" with the timeseries option.
        assert info["type"] in ("timeseries", "collection")
        assert info["options"]["timeseries"]["timeField"] == "timestamp"
        assert info["options"]["timeseries"]["metaField"] == "device"

    def test_a_replay_adds_nothing_and_new_labels_are_still_stored(
        self, timeseries_store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        readings = timeseries_store.readings("r")
        batch = [r for i in range(10) for r in poll(i, ("a", "b"))]
        assert readings.add(batch, bulk_size=4).new == 20
        assert readings.add(batch, bulk_size=4).new == 0
        assert readings.add(batch + poll(3, ("c",)), bulk_size=4).new == 1
        assert raw["r"].count_documents({}) == 11
        assert len(readings.find()) == 21
        assert [(r.label, r.timestamp) for r in readings.latest()] == [
            ("a", T0 + timedelta(seconds=9)),
            ("b", T0 + timedelta(seconds=9)),
            ("c", T0 + timedelta(seconds=3)),
        ]
        stats = readings.stats("a", T0, T0 + timedelta(seconds=9))
        assert stats.count == 10 and stats.mean == pytest.approx(8.5)

    def test_an_existing_plain_collection_stays_plain(
        self, timeseries_store: MongoStore, raw: Database[dict[str, Any]]
    ) -> None:
        raw.create_collection("legacy")
        timeseries_store.readings("legacy").add(poll(0))
        (info,) = raw.list_collections(filter={"name": "legacy"})
        assert "timeseries" not in info.get("options", {})


class TestStats:
    def test_statistics_are_one_aggregation_on_the_server(self, store: MongoStore, log: CommandLog) -> None:
        readings = store.readings("r")
        readings.add([r for i in range(10) for r in poll(i)])
        log.commands.clear()
        stats = readings.stats("T_4K", T0, T0 + timedelta(seconds=9))
        assert [name for name, _ in log.commands] == ["aggregate"]
        (command,) = [cmd for _, cmd in log.commands]
        assert [next(iter(stage)) for stage in command["pipeline"]] == ["$match", "$group"]
        assert stats.count == 10 and stats.mean == pytest.approx(8.5)
