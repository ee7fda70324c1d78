"""Ports: what the use-cases need from storage, clocks and devices.

Records (detectors, runs, streams) change by compare-and-set on a revision number,
one record at a time: that is atomic on MongoDB without a replica set and on SQLite.
Readings and DAQ messages carry deterministic ids, so every ``add`` is idempotent:
an item already stored is skipped, never duplicated.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.query import Query
from ricochetdb.domain.readings import ClockSource, Measurement, Reading
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import Revision

R = TypeVar("R", bound=Detector | Run | Stream)


class RecordRepository(abc.ABC, Generic[R]):
    """One caller-named collection of named records (detectors, runs or streams).

    A change may carry its ``Revision``: the store keeps it with the change (in the same transaction
    where the store has them; on MongoDB right after the record's single-document write).
    """

    @abc.abstractmethod
    def add(self, record: R, revision: Revision | None = None) -> None:
        """Insert a new record; raise DuplicateRecord if the name is taken (nothing written)."""

    @abc.abstractmethod
    def get(self, name: str) -> R | None:
        """The record of that name, or None."""

    @abc.abstractmethod
    def list(self) -> list[R]:
        """Every record, ordered by name."""

    @abc.abstractmethod
    def existing(self, names: Sequence[str]) -> set[str]:
        """Which of these names exist in the collection."""

    @abc.abstractmethod
    def save(self, record: R, revision: Revision | None = None) -> None:
        """Replace the stored record if its revision still equals ``record.revision``.

        On success the stored revision, and ``record.revision``, go up by one.
        Raise ConcurrentUpdate if another writer got there first, RecordNotFound if it is gone.
        """

    @abc.abstractmethod
    def delete(self, record: R, revision: Revision | None = None) -> None:
        """Remove the stored record if its revision still equals ``record.revision``.

        Raise ConcurrentUpdate if another writer changed it meanwhile, RecordNotFound if it is gone.
        """

    @abc.abstractmethod
    def revisions(self, name: str) -> builtins.list[Revision]:
        """Every revision kept for ``name`` in this collection, oldest first (also once it is deleted)."""


@dataclass(frozen=True)
class ReadingStats:
    """Count, mean and population standard deviation of a label's numeric values."""

    count: int
    mean: float | None
    std: float | None


class ReadingRepository(abc.ABC):
    """One caller-named collection of readings (e.g. ``mmr3-2026``)."""

    @abc.abstractmethod
    def add(self, readings: Sequence[Reading], bulk_size: int = 1000) -> int:
        """Store readings in bulks of ``bulk_size``; return how many were new (duplicates skipped)."""

    @abc.abstractmethod
    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        """Readings matching every given filter, oldest first; start and stop are inclusive."""

    @abc.abstractmethod
    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        """The most recent reading of every (device, label), ordered by device then label.

        ``since`` bounds the search (labels with no reading since then are left out), so that a
        year-long collection is not scanned whole.
        """

    @abc.abstractmethod
    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        """Mean and std of a label's numeric values in [start, stop], computed by the store."""


class DaqMessageLog(abc.ABC):
    """One caller-named collection of DAQ messages."""

    @abc.abstractmethod
    def add(self, messages: Sequence[DaqMessage]) -> int:
        """Store a validated batch in one bulk write; return how many were new."""

    @abc.abstractmethod
    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Message bodies, in insertion order, optionally of one topic."""


class DeviceEventLog(abc.ABC):
    """Where a device's failures and recoveries are kept, so gaps are explicit."""

    @abc.abstractmethod
    def add(self, event: DeviceEvent) -> None:
        """Store one health change."""

    @abc.abstractmethod
    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        """Events, newest first."""


class ProcessingRepository(abc.ABC):
    """One collection of processing results: the latest generation of each stream."""

    @abc.abstractmethod
    def store_if_newer(self, result: ProcessingResult) -> bool:
        """Atomically replace the stream's result if ``result`` is strictly newer; True if it was stored.

        Returns only once the write is acknowledged, so the source file may then be deleted.
        """

    @abc.abstractmethod
    def get(self, stream_id: str) -> ProcessingResult | None:
        """The stored result of the stream, or None."""


class DocumentQueries(abc.ABC):
    """One collection read as the documents users query: flat readings, records, DAQ bodies, results.

    Documents carry no storage field (``_id``, ``_seq``, ``_micros``, ``revision``) and their
    datetimes are exact, aware UTC. Readings are flat: ``timestamp``, ``device``, ``device_type``,
    ``clock``, ``source_time`` if any, one field per label, and ``units`` per label.
    """

    @abc.abstractmethod
    def find(self, query: Query, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The documents matching ``query`` (at most ``limit``), lazily, in the store's natural order."""


Kind = Literal["detectors", "runs", "streams", "readings", "daq", "events", "processing"]


@dataclass(frozen=True)
class Page:
    """Items of one collection in storage order, and the cursor to pass for the next page."""

    items: list[Any]
    ids: list[str]
    cursor: int


class LocalArchive(abc.ABC):
    """Everything a local SQLite file holds, page by page: for the spool's replay and the laptop's sync."""

    @abc.abstractmethod
    def collections(self, kind: Kind) -> list[str]:
        """The collections that hold items of this kind."""

    @abc.abstractmethod
    def page(self, kind: Kind, collection: str, after: int = 0, size: int = 1000) -> Page:
        """Up to ``size`` items stored after ``cursor`` ``after``, oldest first."""

    @abc.abstractmethod
    def forget(self, kind: Kind, collection: str, ids: Sequence[str]) -> None:
        """Delete these items (once delivered elsewhere)."""

    @abc.abstractmethod
    def count(self, kind: Kind, collection: str) -> int:
        """How many items of this kind the collection holds."""


@runtime_checkable
class Clock(Protocol):
    """Gives "now" as an aware UTC datetime, and says whose clock it was."""

    source: ClockSource

    def now(self) -> datetime: ...


class Store(abc.ABC):
    """A storage backend: repositories per collection, the clock, and a redacted description."""

    clock: Clock

    @abc.abstractmethod
    def detectors(self, collection: str) -> RecordRepository[Detector]: ...

    @abc.abstractmethod
    def runs(self, collection: str) -> RecordRepository[Run]: ...

    @abc.abstractmethod
    def streams(self, collection: str) -> RecordRepository[Stream]: ...

    @abc.abstractmethod
    def readings(self, collection: str) -> ReadingRepository: ...

    @abc.abstractmethod
    def daq(self, collection: str) -> DaqMessageLog: ...

    @abc.abstractmethod
    def events(self, collection: str) -> DeviceEventLog: ...

    @abc.abstractmethod
    def processing(self, collection: str) -> ProcessingRepository: ...

    @abc.abstractmethod
    def documents(self, collection: str) -> DocumentQueries:
        """The collection as documents, for pymongo-style queries (the seed-compatible facade)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the data goes, with any password replaced by ``***``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""


@runtime_checkable
class DeviceReader(Protocol):
    """One device: ``read`` returns its measurements or raises a DeviceError, nothing else."""

    device_type: str
    address: str

    def read(self) -> list[Measurement]: ...

    def close(self) -> None: ...
