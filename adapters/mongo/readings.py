"""MongoDB readings: flat documents, one per (device, timestamp), one field per label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from ricochetdb.adapters.documents import Document
from ricochetdb.adapters.mongo.collections import NOT_FINITE, MongoCollection, duplicate_positions, plain_text
from ricochetdb.adapters.mongo.documents import floor_ms, time_window
from ricochetdb.adapters.mongo.indexes import TIME_ORDER
from ricochetdb.adapters.mongo.reading_docs import (
    differing_labels,
    is_reading_label,
    label_update,
    reading_doc,
    reading_doc_id,
    readings_from_doc,
)
from ricochetdb.adapters.mongo.rollups import MongoRollups
from ricochetdb.application.ports import Conflict, ReadingRepository, ReadingStats, WriteReport
from ricochetdb.domain.errors import (
    StoreUnavailable,
    ValidationError,
)
from ricochetdb.domain.polls import Poll, bulks, count_values
from ricochetdb.domain.readings import Reading


class MongoReadingRepository(MongoCollection, ReadingRepository):
    """Flat documents, one per (device, timestamp), one field per label; see ``documents.reading_doc``.

    On a plain collection exactly-once rests on the unique ``_id`` (the poll's natural key); a
    document already there gets the labels it lacks, and a value that differs is reported, never
    overwritten. A time-series collection does not enforce ``_id``, so there each bulk first reads
    which labels its window already holds and inserts only the others: exactly once for one writer,
    at least once for concurrent writers of one device.
    """

    kind = "readings"

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        if bulk_size < 1:
            raise ValidationError(f"readings of {self.name!r}", "bulk_size", f"must be at least 1, got {bulk_size}")
        report = WriteReport()
        if not polls:
            return report
        store = self._add_to_timeseries if self._prepare() else self._add_to_collection
        for chunk in bulks(polls, bulk_size):
            report.merge(store(chunk))
        MongoRollups(self.context, self.name).apply(polls)  # after the raw values, from what is stored
        return report

    def _add_to_collection(self, chunk: list[Poll]) -> WriteReport:
        with self._guard("inserting readings"):
            try:
                self.collection.insert_many([reading_doc(poll) for poll in chunk], ordered=False)
                return WriteReport(count_values(chunk))
            except BulkWriteError as error:
                stored = duplicate_positions(error)
            new = count_values([poll for position, poll in enumerate(chunk) if position not in stored])
            return self._merge([chunk[position] for position in sorted(stored)]).merge(WriteReport(new))

    def _stored(self, polls: list[Poll], fields: Document | None = None) -> dict[str, Document]:
        """The stored documents of these polls, by ``_id``, found by their time range (the indexed prefix).

        A range alone is what every server plans on the index (SecantusDB scans the collection for a
        long ``_id: {$in}``); other devices' documents in the range are dropped here.
        """
        wanted = {reading_doc_id(poll.device, poll.timestamp) for poll in polls}
        times = [floor_ms(poll.timestamp)[0] for poll in polls]
        query = {"timestamp": {"$gte": min(times), "$lte": max(times)}}
        stored: dict[str, Document] = {}
        for doc in self.collection.find(query, fields):
            if doc["_id"] in wanted:  # a time-series collection may hold several documents of one poll
                held = stored.setdefault(doc["_id"], {**doc, "units": {}})
                held.update({key: value for key, value in doc.items() if key != "units"})
                held["units"].update(doc.get("units") or {})
        return stored

    def _merge(self, polls: list[Poll]) -> WriteReport:
        """Polls whose document exists: add the labels it lacks, report the values that differ."""
        stored = self._stored(polls)
        report = WriteReport()
        updates: list[UpdateOne] = []
        for poll in polls:
            doc_id = reading_doc_id(poll.device, poll.timestamp)
            if doc_id not in stored:
                raise StoreUnavailable(f"readings of {self.name!r}", doc_id, "document removed while adding, retry")
            doc = stored[doc_id]
            held = doc.get("units") or {}
            differing = differing_labels(poll, doc)
            if differing:
                report.conflicts.append(Conflict(poll.device, poll.timestamp, tuple(differing)))
                continue
            for label in poll.values:
                if label not in held:
                    absent = {"_id": doc_id, f"units.{label}": {"$exists": False}}
                    updates.append(UpdateOne(absent, {"$set": label_update(poll, label)}))
        if updates:
            report.new += self.collection.bulk_write(updates, ordered=False).modified_count
        return report

    def _add_to_timeseries(self, chunk: list[Poll]) -> WriteReport:
        """Time-series collections do not enforce ``_id``: insert only the labels not yet stored for each poll."""
        with self._guard("inserting readings"):
            stored = self._stored(chunk)
            report = WriteReport()
            docs = []
            for poll in chunk:
                doc = stored.get(reading_doc_id(poll.device, poll.timestamp), {})
                held = doc.get("units") or {}
                differing = differing_labels(poll, doc) if doc else []
                if differing:
                    report.conflicts.append(Conflict(poll.device, poll.timestamp, tuple(differing)))
                    continue
                missing = {label: value for label, value in poll.values.items() if label not in held}
                if missing:
                    docs.append(reading_doc(replace(poll, values=missing)))
                    report.new += len(missing)
            if docs:
                self.collection.insert_many(docs, ordered=False)
        return report

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
