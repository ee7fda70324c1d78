"""MongoDB store (pymongo): records by compare-and-set, idempotent bulk readings and DAQ messages, server clock.

Nothing here assumes a single node: every change is a single-document atomic write or an
idempotent unordered bulk insert keyed by deterministic ids, so it runs the same on a standalone
server, a replica set or a sharded cluster (no server-side JavaScript, no multi-document transaction).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import BulkWriteError, ConfigurationError, DuplicateKeyError
from pymongo.uri_parser import parse_uri

from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, RecordMapper
from ricochetdb.adapters.mongo.alarms import MongoAlarmLog
from ricochetdb.adapters.mongo.collections import (
    CODEC,
    Guard,
    MongoCollection,
    MongoContext,
    duplicate_positions,
    plain_text,
    uri_refusal,
)
from ricochetdb.adapters.mongo.documents import (
    SEQUENCE,
    daq_body,
    daq_doc,
    device_event_doc,
    device_event_from_doc,
    record_doc,
    record_from_doc,
)
from ricochetdb.adapters.mongo.indexes import CollectionSetup
from ricochetdb.adapters.mongo.processing import MongoProcessingRepository
from ricochetdb.adapters.mongo.queries import MongoDocuments
from ricochetdb.adapters.mongo.readings import MongoReadingRepository
from ricochetdb.adapters.mongo.revisions import MongoRevisionLog
from ricochetdb.adapters.mongo.rollup_docs import LATEST_SUFFIX
from ricochetdb.adapters.mongo.rollups import MongoRollups
from ricochetdb.adapters.uris import redact_uri, uri_secrets
from ricochetdb.application.ports import (
    AlarmLog,
    DaqMessageLog,
    DeviceEventLog,
    DocumentQueries,
    ProcessingRepository,
    R,
    ReadingRepository,
    RecordRepository,
    RollupRepository,
    Store,
)
from ricochetdb.domain.errors import (
    ConcurrentUpdate,
    DuplicateRecord,
    RecordNotFound,
    StoreConfigurationError,
)
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.readings import ClockSource
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import Revision


class MongoClock:
    """The database server's clock (``hello.localTime``), as the original API promised."""

    source: ClockSource = "server"

    def __init__(self, admin: Database[dict[str, Any]], guard: Guard) -> None:
        self._admin = admin
        self._guard = guard

    def now(self) -> datetime:
        """The server's time, aware UTC (millisecond resolution); StoreUnavailable if unreachable."""
        with self._guard("admin", "reading the server clock"):
            local: datetime = self._admin.command("hello", codec_options=CODEC)["localTime"]
        return local


class MongoRecordRepository(MongoCollection, RecordRepository[R]):
    """Records keyed by a unique ``name``; ``save`` is a compare-and-set ``replace_one`` on ``revision``."""

    kind = "records"

    def __init__(self, context: MongoContext, name: str, mapper: RecordMapper[R]) -> None:
        super().__init__(context, name)
        self.mapper = mapper
        self.log = MongoRevisionLog(context, self.name)

    def add(self, record: R, revision: Revision | None = None) -> None:
        label = f"{self.mapper.kind} {record.name!r}"
        self._prepare()
        with self._guard(f"adding {label}"):
            try:
                self.collection.insert_one(record_doc(self.mapper, record, 1))
            except DuplicateKeyError:
                raise DuplicateRecord(label, "name", "already exists") from None
        record.revision = 1
        self.log.keep(revision)

    def get(self, name: str) -> R | None:
        with self._guard(f"reading {self.mapper.kind} {name!r}"):
            doc = self.collection.find_one({"name": plain_text(name, "name")}, {"_id": False})
        return None if doc is None else record_from_doc(self.mapper, doc)

    def list(self) -> list[R]:
        with self._guard(f"listing {self.mapper.kind}s"):
            docs = list(self.collection.find({}, {"_id": False}, sort=[("name", 1)]))
        return [record_from_doc(self.mapper, doc) for doc in docs]

    def existing(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        wanted = [plain_text(name, "name") for name in names]
        with self._guard(f"looking up {self.mapper.kind}s"):
            return {doc["name"] for doc in self.collection.find({"name": {"$in": wanted}}, {"name": True})}

    def save(self, record: R, revision: Revision | None = None) -> None:
        label = f"{self.mapper.kind} {record.name!r}"
        old = record.revision
        self._prepare()
        with self._guard(f"saving {label}"):
            replaced = self.collection.replace_one(self._current(record), record_doc(self.mapper, record, old + 1))
            if replaced.matched_count != 1:
                self._missing(record, label)
        record.revision = old + 1
        self.log.keep(revision)

    def delete(self, record: R, revision: Revision | None = None) -> None:
        label = f"{self.mapper.kind} {record.name!r}"
        with self._guard(f"deleting {label}"):
            if self.collection.delete_one(self._current(record)).deleted_count != 1:
                self._missing(record, label)
        self.log.keep(revision)

    @staticmethod
    def _current(record: R) -> dict[str, Any]:
        """The filter of a compare-and-set; records written before revisions existed count as revision 0."""
        return {"name": record.name, "revision": record.revision if record.revision else {"$in": [0, None]}}

    def _missing(self, record: R, label: str) -> None:
        if not self.collection.count_documents({"name": record.name}, limit=1):
            raise RecordNotFound(label, "name", "does not exist")
        raise ConcurrentUpdate(label, "revision", "changed meanwhile")

    def revisions(self, name: str) -> builtins.list[Revision]:
        return self.log.find(self.mapper.kind, name)


class MongoDaqMessageLog(MongoCollection, DaqMessageLog):
    """Message bodies as given, plus ``_id`` (deterministic) and ``_seq`` (insertion order).

    A batch takes its ``_seq`` range from one ``$inc`` of a counter document per collection in
    ``ricochetdb_sequences`` (single-document atomic), so the order holds across writers and shards.
    A batch cut by a failure and replayed keeps the numbers of what was stored before the cut.
    """

    kind = "daq"

    def add(self, messages: Sequence[DaqMessage]) -> int:
        docs = [daq_doc(message, position) for position, message in enumerate(messages)]
        if not docs:
            return 0
        self._prepare()
        with self._guard("inserting DAQ messages"):
            first = self._reserve(len(docs))
            for doc in docs:
                doc[SEQUENCE] += first
            try:
                self.collection.insert_many(docs, ordered=False)
            except BulkWriteError as error:
                return len(docs) - len(duplicate_positions(error))
        return len(docs)

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        if limit is not None and limit <= 0:
            return []
        query = {} if topic is None else {"topic": plain_text(topic, "topic")}
        with self._guard("finding DAQ messages"):
            docs = list(self.collection.find(query, sort=[(SEQUENCE, 1)], limit=limit or 0))
        return [daq_body(doc) for doc in docs]


class MongoDeviceEventLog(MongoCollection, DeviceEventLog):
    """Device health changes, with a ``_seq`` like DAQ messages: newest first means last stored first."""

    kind = "events"

    def add(self, event: DeviceEvent) -> None:
        self._prepare()
        with self._guard(f"adding an event of {event.device!r}"):
            if self.collection.find_one({"_id": event.id}, {"_id": True}) is not None:
                return
            try:
                self.collection.insert_one({"_id": event.id, **device_event_doc(event, self._reserve(1))})
            except DuplicateKeyError:
                return

    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        if limit is not None and limit <= 0:
            return []
        query = {} if device is None else {"device": plain_text(device, "device")}
        with self._guard("finding device events"):
            docs = list(self.collection.find(query, {"_id": False}, sort=[(SEQUENCE, -1)], limit=limit or 0))
        return [device_event_from_doc(doc) for doc in docs]


class MongoStore(Store):
    """A MongoDB database: a standalone server, a replica set or a sharded cluster.

    ``db_name`` defaults to the URI's path (``mongodb://host/ricochet``). ``timeseries=True``
    creates new readings collections as time-series collections (MongoDB 5.0+). A ``client``
    given by the caller (e.g. with a command listener) stays the caller's: ``close`` leaves it open.
    The password never appears in ``describe()``, ``repr`` or any error. A URI the driver refuses
    (or whose TLS files it cannot read) is a StoreConfigurationError, never an outage.
    """

    def __init__(
        self,
        uri: str,
        db_name: str | None = None,
        server_selection_timeout_ms: int = 3000,
        timeseries: bool = False,
        client: MongoClient[dict[str, Any]] | None = None,
    ) -> None:
        self._uri = redact_uri(uri)
        secrets = uri_secrets(uri)
        guard = Guard(self._uri, secrets)
        try:
            name = db_name or parse_uri(uri)["database"]
            durable: dict[str, Any] = {} if "journal" in parse_uri(uri)["options"] else {"journal": True}
            self._client = client or MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=server_selection_timeout_ms, **durable
            )
        except (ConfigurationError, ValueError, OSError) as error:
            raise StoreConfigurationError("MongoDB URI", self._uri, guard.scrub(uri_refusal(error, secrets))) from None
        if not name:
            raise StoreConfigurationError(
                "MongoDB URI", self._uri, "names no database: add /dbname to the URI or give db_name"
            )
        self._owns_client = client is None
        self.db_name = name
        nodes = ",".join(f"{host}:{port}" for host, port in sorted(parse_uri(uri)["nodelist"]))
        self._target = f"mongodb://{nodes}/{name}"
        self.timeseries = timeseries
        database = self._client.get_database(name, codec_options=CODEC)
        self._context = MongoContext(database, guard, CollectionSetup(database, timeseries))
        self.clock = MongoClock(self._client.get_database("admin", codec_options=CODEC), guard)

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return MongoRecordRepository(self._context, collection, DETECTORS)

    def runs(self, collection: str) -> RecordRepository[Run]:
        return MongoRecordRepository(self._context, collection, RUNS)

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return MongoRecordRepository(self._context, collection, STREAMS)

    def readings(self, collection: str) -> ReadingRepository:
        return MongoReadingRepository(self._context, collection)

    def daq(self, collection: str) -> DaqMessageLog:
        return MongoDaqMessageLog(self._context, collection)

    def events(self, collection: str) -> DeviceEventLog:
        return MongoDeviceEventLog(self._context, collection)

    def processing(self, collection: str) -> ProcessingRepository:
        return MongoProcessingRepository(self._context, collection)

    def alarms(self, collection: str) -> AlarmLog:
        return MongoAlarmLog(self._context, collection)

    def documents(self, collection: str) -> DocumentQueries:
        return MongoDocuments(self._context, collection)

    def rollups(self, collection: str) -> RollupRepository:
        return MongoRollups(self._context, collection)

    def reading_collections(self) -> list[str]:
        with self._context.guard("*", "listing readings collections"):
            names = self._context.database.list_collection_names()
            latest = [name for name in names if name.endswith(LATEST_SUFFIX)]
            held = [name for name in latest if self._context.database[name].find_one({}, {"_id": True}) is not None]
        return sorted(name[: -len(LATEST_SUFFIX)] for name in held)

    def describe(self) -> str:
        return self._uri

    def target(self) -> str:
        """Hosts and database name: where spooled items belong (no user, no password, no options)."""
        return self._target

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __repr__(self) -> str:
        return f"MongoStore({self._uri!r}, db_name={self.db_name!r}, timeseries={self.timeseries})"
