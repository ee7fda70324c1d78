"""Offline laptop to MongoDB: push everything a local file holds, exactly once, never overwriting.

Readings, DAQ messages and events are delivered idempotently (deterministic ids). A record whose
name already exists remotely is left alone: identical content is fine, other content is reported
as a conflict for a person to settle. Processing results follow their own rule: newer wins.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ricochetdb.application.ports import Kind, LocalArchive, RecordRepository, Store
from ricochetdb.application.replay import SPOOLED_KINDS, deliver, item_count
from ricochetdb.domain.errors import DuplicateRecord, ValidationError

RECORD_KINDS: tuple[Kind, ...] = ("detectors", "runs", "streams")


@dataclass
class SyncReport:
    """Items the target did not hold per ``kind:collection`` (``new``), items it held already, and conflicts.

    Device events count as new when sent: the target cannot tell which it held.
    """

    new: dict[str, int] = field(default_factory=dict)
    already_there: int = 0
    conflicts: list[str] = field(default_factory=list)

    def count(self, kind: str, collection: str, new: int, sent: int | None = None) -> None:
        self.already_there += (new if sent is None else sent) - new
        if new:
            key = f"{kind}:{collection}"
            self.new[key] = self.new.get(key, 0) + new


def _same(a: Any, b: Any) -> bool:
    return bool(dataclasses.replace(a, revision=0) == dataclasses.replace(b, revision=0))


def _repository(target: Store, kind: Kind, collection: str) -> RecordRepository[Any]:
    if kind == "detectors":
        return target.detectors(collection)
    if kind == "runs":
        return target.runs(collection)
    return target.streams(collection)


def sync(archive: LocalArchive, target: Store, bulk_size: int = 1000) -> SyncReport:
    """Push every collection of ``archive`` to ``target``; safe to run again at any time."""
    if isinstance(bulk_size, bool) or not isinstance(bulk_size, int) or bulk_size < 1:
        raise ValidationError("sync", "bulk_size", f"must be a positive integer, got {bulk_size!r}")
    report = SyncReport()
    for kind in RECORD_KINDS:
        for collection in archive.collections(kind):
            _records(archive, target, kind, collection, report)
    for collection in archive.collections("processing"):
        _processing(archive, target, collection, report, bulk_size)
    for kind in SPOOLED_KINDS:
        for collection in archive.collections(kind):
            cursor = 0
            while (page := archive.page(kind, collection, cursor, bulk_size)).items:
                new = deliver(target, kind, collection, page.items, bulk_size)
                report.count(kind, collection, new, item_count(kind, page.items))
                cursor = page.cursor
    return report


def _records(archive: LocalArchive, target: Store, kind: Kind, collection: str, report: SyncReport) -> None:
    repository = _repository(target, kind, collection)
    cursor = 0
    while (page := archive.page(kind, collection, cursor)).items:
        cursor = page.cursor
        for record in page.items:
            remote = repository.get(record.name)
            if remote is None:
                try:
                    repository.add(record)
                    report.count(kind, collection, 1)
                    continue
                except DuplicateRecord:
                    remote = repository.get(record.name)
            if remote is not None and _same(remote, record):
                report.already_there += 1
            else:
                report.conflicts.append(f"{kind} {record.name!r} in {collection!r}: differs remotely, not overwritten")


def _processing(archive: LocalArchive, target: Store, collection: str, report: SyncReport, size: int) -> None:
    repository = target.processing(collection)
    cursor = 0
    while (page := archive.page("processing", collection, cursor, size)).items:
        cursor = page.cursor
        for result in page.items:
            if repository.store_if_newer(result):
                report.count("processing", collection, 1)
                continue
            remote = repository.get(result.stream_id)
            if remote is not None and remote.same_content(result):
                report.already_there += 1
            else:
                report.conflicts.append(
                    f"processing result of stream {result.stream_id!r} in {collection!r}: the remote one is not older"
                )
