"""In-memory store: the reference adapter, used by fast unit tests and checked by the contract suite."""

from __future__ import annotations

import builtins
import copy
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS, Document, RecordMapper
from ricochetdb.adapters.memory_alarms import InMemoryAlarmLog
from ricochetdb.adapters.memory_documents import InMemoryDocuments
from ricochetdb.adapters.memory_rollups import InMemoryRollups
from ricochetdb.application.ports import (
    AlarmLog,
    Clock,
    Conflict,
    DaqMessageLog,
    DeviceEventLog,
    DocumentQueries,
    ProcessingRepository,
    R,
    ReadingRepository,
    ReadingStats,
    RecordRepository,
    RollupRepository,
    Store,
    WriteReport,
)
from ricochetdb.domain.errors import ConcurrentUpdate, DuplicateRecord, RecordNotFound
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.polls import Poll, same_value
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import Revision


class InMemoryRecordRepository(RecordRepository[R]):
    def __init__(self, docs: dict[str, Document], mapper: RecordMapper[R], revisions: list[Revision]) -> None:
        self.docs = docs
        self.mapper = mapper
        self.kept = revisions

    def _keep(self, revision: Revision | None) -> None:
        if revision is not None:
            self.kept.append(revision)

    def add(self, record: R, revision: Revision | None = None) -> None:
        if record.name in self.docs:
            raise DuplicateRecord(f"{self.mapper.kind} {record.name!r}", "name", "already exists")
        record.revision = 1
        self.docs[record.name] = copy.deepcopy({**self.mapper.to_doc(record), "revision": 1})
        self._keep(revision)

    def get(self, name: str) -> R | None:
        doc = self.docs.get(name)
        return None if doc is None else self.mapper.from_doc(copy.deepcopy(doc))

    def list(self) -> list[R]:
        return [self.mapper.from_doc(copy.deepcopy(self.docs[name])) for name in sorted(self.docs)]

    def existing(self, names: Sequence[str]) -> set[str]:
        return {name for name in names if name in self.docs}

    def _check(self, record: R) -> None:
        stored = self.docs.get(record.name)
        if stored is None:
            raise RecordNotFound(f"{self.mapper.kind} {record.name!r}", "name", "does not exist")
        if stored["revision"] != record.revision:
            raise ConcurrentUpdate(f"{self.mapper.kind} {record.name!r}", "revision", "changed meanwhile")

    def save(self, record: R, revision: Revision | None = None) -> None:
        self._check(record)
        record.revision += 1
        self.docs[record.name] = copy.deepcopy({**self.mapper.to_doc(record), "revision": record.revision})
        self._keep(revision)

    def delete(self, record: R, revision: Revision | None = None) -> None:
        self._check(record)
        del self.docs[record.name]
        self._keep(revision)

    def revisions(self, name: str) -> builtins.list[Revision]:
        return [copy.deepcopy(k) for k in self.kept if k.name == name and k.kind == self.mapper.kind]


ReadingKey = tuple[str, str, datetime]
"""(device, label, timestamp): a value's key within its collection."""


class InMemoryReadingRepository(ReadingRepository):
    def __init__(self, rows: dict[ReadingKey, Reading], rollups: RollupRepository) -> None:
        self.rows = rows
        self.rollups = rollups

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        report = WriteReport()
        for poll in polls:
            differing = []
            for reading in poll.readings():
                key = (reading.device, reading.label, reading.timestamp)
                held = self.rows.get(key)
                if held is None:
                    self.rows[key] = reading
                    report.new += 1
                elif not same_value(held.value, reading.value):
                    differing.append(reading.label)
            if differing:
                report.conflicts.append(Conflict(poll.device, poll.timestamp, tuple(differing)))
        self.rollups.apply(polls)
        return report

    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        found = sorted(
            (
                r
                for r in self.rows.values()
                if (device is None or r.device == device)
                and (label is None or r.label == label)
                and (start is None or r.timestamp >= start)
                and (stop is None or r.timestamp <= stop)
            ),
            key=lambda r: (r.timestamp, r.device, r.label),
        )
        return found if limit is None else found[:limit]

    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        newest: dict[tuple[str, str], Reading] = {}
        for reading in self.find(device, start=since):
            newest[(reading.device, reading.label)] = reading
        return [newest[key] for key in sorted(newest)]

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        values = [v for r in self.find(device, label, start, stop) if (v := r.numeric) is not None]
        if not values:
            return ReadingStats(0, None, None)
        mean = math.fsum(values) / len(values)
        return ReadingStats(len(values), mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)))


class InMemoryDaqMessageLog(DaqMessageLog):
    def __init__(self, messages: dict[str, dict[str, Any]]) -> None:
        self.messages = messages

    def add(self, messages: Sequence[DaqMessage]) -> int:
        new = [m for m in messages if m.id not in self.messages]
        for message in new:
            self.messages[message.id] = copy.deepcopy(message.body)
        return len(new)

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        found = [copy.deepcopy(b) for b in self.messages.values() if topic is None or b["topic"] == topic]
        return found if limit is None else found[:limit]


class InMemoryDeviceEventLog(DeviceEventLog):
    def __init__(self, events: list[DeviceEvent]) -> None:
        self.events = events

    def add(self, event: DeviceEvent) -> None:
        if event not in self.events:
            self.events.append(event)

    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        found = [e for e in reversed(self.events) if device is None or e.device == device]
        return found if limit is None else found[:limit]


class InMemoryProcessingRepository(ProcessingRepository):
    def __init__(self, results: dict[str, ProcessingResult]) -> None:
        self.results = results

    def store_if_newer(self, result: ProcessingResult) -> bool:
        held = self.results.get(result.stream_id)
        if held is not None and held.generated >= result.generated:
            return False
        self.results[result.stream_id] = copy.deepcopy(result)
        return True

    def get(self, stream_id: str) -> ProcessingResult | None:
        return copy.deepcopy(self.results.get(stream_id))


class InMemoryStore(Store):
    """Everything in dicts, per collection; lost at exit."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or LocalClock()
        self.records: dict[str, dict[str, Document]] = {}
        self.reading_rows: dict[str, dict[ReadingKey, Reading]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.event_rows: dict[str, list[DeviceEvent]] = {}
        self.results: dict[str, dict[str, ProcessingResult]] = {}
        self.alarm_logs: dict[str, InMemoryAlarmLog] = {}
        self.rollup_state: dict[str, InMemoryRollups] = {}
        self.revision_rows: dict[str, list[Revision]] = {}

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return InMemoryRecordRepository(
            self.records.setdefault(collection, {}), DETECTORS, self.revision_rows.setdefault(collection, [])
        )

    def runs(self, collection: str) -> RecordRepository[Run]:
        return InMemoryRecordRepository(
            self.records.setdefault(collection, {}), RUNS, self.revision_rows.setdefault(collection, [])
        )

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return InMemoryRecordRepository(
            self.records.setdefault(collection, {}), STREAMS, self.revision_rows.setdefault(collection, [])
        )

    def readings(self, collection: str) -> ReadingRepository:
        return InMemoryReadingRepository(self.reading_rows.setdefault(collection, {}), self.rollups(collection))

    def rollups(self, collection: str) -> RollupRepository:
        rows = self.reading_rows.setdefault(collection, {})
        return self.rollup_state.setdefault(collection, InMemoryRollups(collection, rows))

    def reading_collections(self) -> list[str]:
        return sorted(name for name, rows in self.reading_rows.items() if rows)

    def daq(self, collection: str) -> DaqMessageLog:
        return InMemoryDaqMessageLog(self.messages.setdefault(collection, {}))

    def events(self, collection: str) -> DeviceEventLog:
        return InMemoryDeviceEventLog(self.event_rows.setdefault(collection, []))

    def processing(self, collection: str) -> ProcessingRepository:
        return InMemoryProcessingRepository(self.results.setdefault(collection, {}))

    def alarms(self, collection: str) -> AlarmLog:
        return self.alarm_logs.setdefault(collection, InMemoryAlarmLog([]))

    def documents(self, collection: str) -> DocumentQueries:
        return InMemoryDocuments(
            self.records.get(collection, {}),
            self.reading_rows.get(collection, {}),
            self.messages.get(collection, {}),
            self.event_rows.get(collection, []),
            self.results.get(collection, {}),
        )

    def describe(self) -> str:
        return "memory://"

    def close(self) -> None:
        self.records.clear()
