"""Collections and indexes of the MongoDB store, created idempotently on first use and cached per collection."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure

from ricochetdb.adapters.mongo.documents import MICROS, SEQUENCE

logger = logging.getLogger(__name__)

Kind = Literal["records", "readings", "daq", "events"]

SEQUENCES = "ricochetdb_sequences"
"""One document per DAQ collection, ``{_id: <collection>, next: <n>}``: hands out ``_seq`` ranges."""

TIMESERIES_OPTIONS: dict[str, Any] = {"timeField": "timestamp", "metaField": "device", "granularity": "seconds"}
TIMESERIES_SINCE = (5, 0)
NAMESPACE_EXISTS = 48

TIME_ORDER = [("timestamp", ASCENDING), (f"{MICROS}.timestamp", ASCENDING)]

INDEXES: dict[Kind, list[IndexModel]] = {
    # Default index names (name_1, ...), so an index users already made with the same keys is reused.
    "records": [IndexModel([("name", ASCENDING)], unique=True)],
    "readings": [IndexModel([*TIME_ORDER, ("device", ASCENDING)]), IndexModel([("device", ASCENDING), *TIME_ORDER])],
    "daq": [IndexModel([(SEQUENCE, ASCENDING)]), IndexModel([("topic", ASCENDING), (SEQUENCE, ASCENDING)])],
    "events": [IndexModel([(SEQUENCE, DESCENDING)]), IndexModel([("device", ASCENDING), (SEQUENCE, DESCENDING)])],
}
TIMESERIES_INDEXES = [
    IndexModel([("timestamp", ASCENDING)]),
    IndexModel([("device", ASCENDING), ("timestamp", ASCENDING)]),
]


class CollectionSetup:
    """Makes each collection ready once per store: its indexes, and time-series creation if asked.

    ``prepare`` is cheap after the first call for a collection; a failed setup is retried next time.
    """

    def __init__(self, database: Database[dict[str, Any]], timeseries: bool) -> None:
        self.database = database
        self.timeseries = timeseries
        self._ready: dict[tuple[str, Kind], bool] = {}
        self._lock = threading.Lock()

    def prepare(self, collection: str, kind: Kind) -> bool:
        """Create what ``collection`` needs for ``kind``; return whether it is a time-series collection."""
        key = (collection, kind)
        with self._lock:
            if key not in self._ready:
                is_timeseries = kind == "readings" and self._timeseries(collection)
                indexes = TIMESERIES_INDEXES if is_timeseries else INDEXES[kind]
                self.database[collection].create_indexes(indexes)
                self._ready[key] = is_timeseries
                logger.debug("collection %r ready as %s (time-series: %s)", collection, kind, is_timeseries)
            return self._ready[key]

    def _timeseries(self, collection: str) -> bool:
        """Whether the readings collection is (or, when asked and supported, is now created) time-series."""
        info = self._info(collection)
        if info is None and self.timeseries:
            version = tuple(self.database.client.server_info().get("versionArray", [0, 0])[:2])
            if version < TIMESERIES_SINCE:
                logger.warning(
                    "server %s has no time-series collections: %r is a plain collection", version, collection
                )
                return False
            try:
                self.database.create_collection(collection, timeseries=TIMESERIES_OPTIONS)
            except (CollectionInvalid, OperationFailure) as error:
                if isinstance(error, OperationFailure) and error.code != NAMESPACE_EXISTS:
                    raise
                logger.debug("collection %r was created meanwhile by another writer", collection)
            info = self._info(collection)
        # MongoDB says type "timeseries"; SecantusDB 0.7 says "collection" but keeps the timeseries option.
        return info is not None and (info.get("type") == "timeseries" or "timeseries" in info.get("options", {}))

    def _info(self, collection: str) -> Mapping[str, Any] | None:
        return next(iter(self.database.list_collections(filter={"name": collection})), None)
