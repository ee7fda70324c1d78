"""MongoDB readings: flat documents, one per (device, timestamp), one field per label."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from ricochetdb.adapters.documents import Document
from ricochetdb.adapters.mongo.collections import NOT_FINITE, MongoCollection, duplicate_positions, plain_text
from ricochetdb.adapters.mongo.documents import (
    MICROS,
    floor_ms,
    group_readings,
    is_reading_label,
    label_update,
    reading_doc,
    reading_doc_id,
    readings_from_doc,
    time_window,
    without_micros,
)
from ricochetdb.adapters.mongo.indexes import TIME_ORDER
from ricochetdb.application.ports import (
    ReadingRepository,
    ReadingStats,
)
from ricochetdb.domain.errors import (
    StoreUnavailable,
    ValidationError,
)
from ricochetdb.domain.readings import Reading


def _chunks(groups: list[list[Reading]], bulk_size: int) -> Iterator[list[list[Reading]]]:
    """Whole documents, at most ``bulk_size`` readings per chunk (a bigger document goes alone)."""
    chunk: list[list[Reading]] = []
    size = 0
    for group in groups:
        if chunk and size + len(group) > bulk_size:
            yield chunk
            chunk, size = [], 0
        chunk.append(group)
        size += len(group)
    if chunk:
        yield chunk


class MongoReadingRepository(MongoCollection, ReadingRepository):
    """Flat documents, one per (device, timestamp), one field per label; see ``documents.reading_doc``.

    On a plain collection exactly-once rests on the unique ``_id``. A time-series collection does
    not enforce it, so there each bulk first reads which labels its window already holds and inserts
    only the others: exactly once for one writer, at least once for concurrent writers of one device.
    """

    kind = "readings"

    def add(self, readings: Sequence[Reading], bulk_size: int = 1000) -> int:
        if bulk_size < 1:
            raise ValidationError(f"readings of {self.name!r}", "bulk_size", f"must be at least 1, got {bulk_size}")
        groups = group_readings(readings)
        if not groups:
            return 0
        store = self._add_to_timeseries if self._prepare() else self._add_to_collection
        return sum(store(chunk) for chunk in _chunks(groups, bulk_size))

    def _add_to_collection(self, chunk: list[list[Reading]]) -> int:
        with self._guard("inserting readings"):
            try:
                self.collection.insert_many([reading_doc(group) for group in chunk], ordered=False)
                return sum(len(group) for group in chunk)
            except BulkWriteError as error:
                stored = duplicate_positions(error)
            new = sum(len(group) for position, group in enumerate(chunk) if position not in stored)
            return new + self._add_labels([chunk[position] for position in sorted(stored)])

    def _stored(self, groups: list[list[Reading]], fields: Document) -> dict[str, list[Document]]:
        """The stored documents of these polls, by ``_id``, found by their time range (the indexed prefix).

        A range alone is what every server plans on the index (SecantusDB scans the collection for
        ``device: {$in}`` plus a range, and is slow on a long ``_id: {$in}``); other devices' documents
        in the range are dropped here.
        """
        wanted = {reading_doc_id(group[0].device, group[0].timestamp) for group in groups}
        times = [floor_ms(group[0].timestamp)[0] for group in groups]
        stored: dict[str, list[Document]] = {}
        for doc in self.collection.find({"timestamp": {"$gte": min(times), "$lte": max(times)}}, fields):
            if doc["_id"] in wanted:
                stored.setdefault(doc["_id"], []).append(doc)
        return stored

    def _add_labels(self, groups: list[list[Reading]]) -> int:
        """Add the labels missing from documents already stored; one guarded ``$set`` per label."""
        fields = {"units": True, "device_type": True, "clock": True, "source_time": True, f"{MICROS}.source_time": True}
        stored = self._stored(groups, fields)
        updates: list[UpdateOne] = []
        for group in groups:
            doc_id = reading_doc_id(group[0].device, group[0].timestamp)
            if doc_id not in stored:
                raise StoreUnavailable(f"readings of {self.name!r}", doc_id, "document removed while adding, retry")
            doc = without_micros(stored[doc_id][0])
            missing = [r for r in group if r.label not in (doc.get("units") or {})]
            if missing and (doc.get("device_type"), doc.get("clock")) != (group[0].device_type, group[0].clock):
                where = f"{group[0].device_type} {group[0].device} at {group[0].timestamp.isoformat()}"
                raise ValidationError(where, "device_type/clock", "differs from the stored readings of this poll")
            for reading in missing:
                absent = {"_id": doc_id, f"units.{reading.label}": {"$exists": False}}
                updates.append(UpdateOne(absent, {"$set": label_update(doc, reading)}))
        return self.collection.bulk_write(updates, ordered=False).modified_count if updates else 0

    def _add_to_timeseries(self, chunk: list[list[Reading]]) -> int:
        with self._guard("inserting readings"):
            known = {
                doc_id: {label for doc in docs for label in doc.get("units") or {}}
                for doc_id, docs in self._stored(chunk, {"units": True}).items()
            }
            missing = [
                [r for r in group if r.label not in known.get(reading_doc_id(r.device, r.timestamp), set())]
                for group in chunk
            ]
            docs = [reading_doc(group) for group in missing if group]
            if docs:
                self.collection.insert_many(docs, ordered=False)
        return sum(len(group) for group in missing)

    def _query(self, device: str | None, label: str | None, start: datetime | None, stop: datetime | None) -> Document:
        query = time_window(start, stop)
        if device is not None:
            query["device"] = plain_text(device, "device")
        if label is not None:
            query[label] = {"$exists": True}
        return query

    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        if (label is not None and not is_reading_label(label)) or (limit is not None and limit <= 0):
            return []
        order = TIME_ORDER if device is not None else [*TIME_ORDER, ("device", 1)]
        found: list[Reading] = []
        with self._guard("finding readings"):
            for doc in self.collection.find(self._query(device, label, start, stop), sort=order):
                readings = readings_from_doc(doc, label)
                if limit is not None and len(found) >= limit and readings:
                    if (readings[0].timestamp, readings[0].device) != (found[-1].timestamp, found[-1].device):
                        break
                found.extend(readings)
        found.sort(key=lambda r: (r.timestamp, r.device, r.label))
        return found if limit is None else found[:limit]

    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        """One aggregation finds the newest document of each (device, label); one query fetches them."""
        match = self._query(device, None, since, None)
        pipeline: list[Document] = [
            {"$match": match},
            {"$sort": {key: -1 for key, _ in TIME_ORDER}},
            {"$project": {"device": True, "label": {"$objectToArray": "$units"}}},
            {"$unwind": "$label"},
            {"$group": {"_id": {"device": "$device", "label": "$label.k"}, "doc": {"$first": "$_id"}}},
        ]
        with self._guard("finding the latest readings"):
            newest = {
                (row["_id"]["device"], row["_id"]["label"]): row["doc"] for row in self.collection.aggregate(pipeline)
            }
            docs = list(self.collection.find({"_id": {"$in": sorted(set(newest.values()))}}))
        found = {
            (r.device, r.label): r
            for doc in docs
            for r in readings_from_doc(doc)
            if newest.get((r.device, r.label)) == doc["_id"]
        }
        return [found[key] for key in sorted(found)]

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        """One pipeline: ``$match`` the label's finite numbers (bools as 0/1) in the window, ``$group`` them."""
        if not is_reading_label(label):
            return ReadingStats(0, None, None)
        query = self._query(device, None, start, stop)
        query[label] = {"$type": ["number", "bool"], "$nin": NOT_FINITE}
        value = {"$toDouble": f"${label}"}
        pipeline: list[Document] = [
            {"$match": query},
            {"$group": {"_id": None, "n": {"$sum": 1}, "mean": {"$avg": value}, "std": {"$stdDevPop": value}}},
        ]
        with self._guard(f"computing statistics of {label!r}"):
            rows = list(self.collection.aggregate(pipeline))
        if not rows or not rows[0]["n"]:
            return ReadingStats(0, None, None)
        return ReadingStats(int(rows[0]["n"]), float(rows[0]["mean"]), float(rows[0]["std"]))
