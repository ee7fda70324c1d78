"""Ports: what the use-cases need from storage, clocks and devices.

Records (detectors, runs, streams) change by compare-and-set on a revision number,
one record at a time: that is atomic on MongoDB without a replica set and on SQLite.
Readings are written as polls, each value keyed (collection, device, label, timestamp); DAQ
messages and events carry deterministic ids: every ``add`` is idempotent, an item already stored
is skipped, never duplicated.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:  # annotations only: a command that needs one port does not import every model
    from ricochetdb.domain.alarms_records import AlarmEvent, Notification, OperatorAction
    from ricochetdb.domain.events import DeviceEvent
    from ricochetdb.domain.messages import DaqMessage
    from ricochetdb.domain.polls import DeviceReply, Poll
    from ricochetdb.domain.processing import ProcessingResult
    from ricochetdb.domain.query import Query
    from ricochetdb.domain.readings import ClockSource, Reading
    from ricochetdb.domain.records import Detector, Run, Stream
    from ricochetdb.domain.revisions import Revision
    from ricochetdb.domain.rollups import Bucket, Point, Tier

R = TypeVar("R", bound="Detector | Run | Stream")


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


@dataclass(frozen=True)
class Conflict:
    """A poll whose values differ from those already stored at the same (device, timestamp): not stored."""

    device: str
    timestamp: datetime
    labels: tuple[str, ...]

    def __str__(self) -> str:
        labels = ", ".join(self.labels)
        return f"{self.device} at {self.timestamp.isoformat()}: a different value is stored already for {labels}"


@dataclass
class WriteReport:
    """What one write of polls did: how many values were new, and the conflicting polls (reported, never dropped)."""

    new: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def merge(self, other: WriteReport) -> WriteReport:
        self.new += other.new
        self.conflicts.extend(other.conflicts)
        return self


class ReadingRepository(abc.ABC):
    """One caller-named collection of readings (e.g. ``mmr3-2026``), written poll by poll."""

    @abc.abstractmethod
    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        """Store polls in bulks of about ``bulk_size`` values; each value is keyed (device, label, timestamp).

        A value already stored with the same content is skipped (a replay); one stored with another
        content is not overwritten: its poll is reported as a conflict (a server clock stepped back).
        """

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


Kind = Literal["detectors", "runs", "streams", "readings", "daq", "events", "processing", "alarms"]


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

    @abc.abstractmethod
    def target(self) -> str | None:
        """The database the items are meant for (hosts and name, never a password), once one is claimed."""

    @abc.abstractmethod
    def claim(self, target: str) -> None:
        """Record which database the items are meant for."""


@dataclass(frozen=True)
class SetAside:
    """An item a database refused for a reason other than being away: kept for a person to retry or discard."""

    number: int
    kind: Kind
    collection: str
    reason: str
    when: datetime
    summary: str


class Shelf(abc.ABC):
    """Where refused items wait for a person; nothing on the shelf is retried by itself, nothing is lost."""

    @abc.abstractmethod
    def put(self, kind: Kind, collection: str, items: Sequence[Any], reason: str) -> None:
        """Keep these items of one kind and collection with the reason they were refused (stamped now)."""

    @abc.abstractmethod
    def list(self) -> list[SetAside]:
        """Everything on the shelf, oldest first."""

    @abc.abstractmethod
    def get(self, number: int) -> tuple[Kind, str, Any]:
        """Item ``number`` as (kind, collection, item), to be retried (then discarded); RecordNotFound if absent."""

    @abc.abstractmethod
    def discard(self, number: int) -> None:
        """Forget item ``number`` for good; RecordNotFound if absent."""


@dataclass
class ReplayReport:
    """What a replay delivered per ``kind:collection``, and whether it had to stop early."""

    delivered: dict[str, int] = field(default_factory=dict)
    new: int = 0
    stopped: str = ""
    set_aside: int = 0

    @property
    def total(self) -> int:
        return sum(self.delivered.values())


class Spool(abc.ABC):
    """Where writes wait while the primary database is away, replayed exactly once when it is back."""

    @abc.abstractmethod
    def pending(self) -> dict[str, int]:
        """Items waiting per ``kind:collection`` (empty when nothing waits)."""

    @abc.abstractmethod
    def replay(
        self, bulk_size: int = 1000, max_items: int | None = None, should_stop: Callable[[], bool] = lambda: False
    ) -> ReplayReport:
        """Deliver up to ``max_items`` waiting items if the primary answers; nothing is tried while it is known away.

        ``should_stop`` is asked between pages; refused items go on the spool's shelf.
        """


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
    def alarms(self, collection: str) -> AlarmLog:
        """Alarm transitions and operator actions (see ``AlarmLog``)."""

    @abc.abstractmethod
    def documents(self, collection: str) -> DocumentQueries:
        """The collection as documents, for pymongo-style queries (the seed-compatible facade)."""

    @abc.abstractmethod
    def rollups(self, collection: str) -> RollupRepository:
        """The rollup tiers and latest values of a readings collection (see ``RollupRepository``)."""

    @abc.abstractmethod
    def reading_collections(self) -> list[str]:
        """Every readings collection holding values, by name (from the latest values, not a scan)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the data goes, with any password replaced by ``***``."""

    def target(self) -> str:
        """Which database this is, for the spool to know where its items belong (no user, no password)."""
        return self.describe()

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""


@runtime_checkable
class DeviceReader(Protocol):
    """One device: ``read`` returns its reply (measurements, field errors, device time) or raises a DeviceError.

    ``address`` is the address exactly as configured; the stored identity is the poller's business.
    """

    device_type: str
    address: str

    def read(self) -> DeviceReply: ...

    def close(self) -> None: ...


class AlarmLog(abc.ABC):
    """One caller-named collection of alarm transitions and operator actions; both ``add``s are idempotent."""

    @abc.abstractmethod
    def add(self, event: AlarmEvent) -> None:
        """Store one transition (already stored: nothing happens)."""

    @abc.abstractmethod
    def events(
        self,
        name: str | None = None,
        device: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AlarmEvent]:
        """Transitions matching every given filter (``since`` inclusive), newest first."""

    @abc.abstractmethod
    def act(self, action: OperatorAction) -> None:
        """Store one operator action (already stored: nothing happens)."""

    @abc.abstractmethod
    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        """Operator actions (``since`` inclusive), newest first."""


class Notifier(abc.ABC):
    """One route for alarm messages (mail, webhook, command, log...)."""

    name: str

    @abc.abstractmethod
    def send(self, notification: Notification) -> None:
        """Deliver one message, or raise NotifierError naming this notifier and what failed."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the notifier holds."""


SeriesKey = tuple[str, str]
"""(device, label): one series of a readings collection."""


@dataclass(frozen=True)
class Series:
    """One (device, label) of a readings collection as its latest stored value describes it."""

    device: str
    label: str
    device_type: str
    unit: str
    latest: datetime
    open_from: datetime | None = None
    """From when the series' buckets may lag (its open minute, on a store that rolls a minute up once it
    closes); None when the buckets hold everything stored. Readers take raw values from there on."""


@dataclass(frozen=True)
class RetentionItem:
    """What retention removes (or, on a dry run, would remove) from one collection and tier."""

    collection: str
    tier: str
    before: datetime
    rows: int
    bytes: int
    kept: tuple[str, ...] = ()
    """Series left alone because their rollups do not account for every value (rebuild them first)."""


class RollupRepository(abc.ABC):
    """The rollup tiers (1m, 1h, 1d) and the latest value of every series of one readings collection.

    The store's reading repository calls ``apply`` on every write of polls (poll loop, upload,
    spool replay, sync), after storing them: it re-rolls exactly the buckets those polls touch from
    the raw values stored, so a late, replayed or conflicting poll leaves every tier exact and a
    second ``apply`` of the same polls changes nothing. Times are microseconds since the epoch.
    """

    @abc.abstractmethod
    def apply(self, polls: Sequence[Poll]) -> None:
        """Re-roll every bucket these (already stored) polls touch, and their series' latest values."""

    @abc.abstractmethod
    def rebuild(self, progress: Callable[[str], None] | None = None) -> int:
        """Every tier and latest value again from the raw values; a rerun after a kill gives the same. Series count."""

    @abc.abstractmethod
    def buckets(self, tier: Tier, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Bucket]]:
        """Buckets of these series starting in [start, stop), oldest first (series without any are absent)."""

    @abc.abstractmethod
    def points(self, keys: Sequence[SeriesKey], start: int, stop: int) -> dict[SeriesKey, list[Point]]:
        """Raw numeric values (bools as 0/1) of these series in [start, stop), oldest first."""

    @abc.abstractmethod
    def series(self) -> list[Series]:
        """Every series with a stored value, by device then label: O(series), never a scan of readings."""

    @abc.abstractmethod
    def latest(self) -> list[Reading]:
        """The latest stored reading of every series, by device then label, from the latest values."""

    @abc.abstractmethod
    def retention(self, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
        """Raw values (``"raw"``) and buckets of each tier older than its cutoff: counted, and deleted if asked.

        Raw values of a series go only where its 1 min buckets account for every numeric value (and
        a tier's buckets only where the next tier accounts for them); other series are named in ``kept``.
        """

    def settle(self) -> None:  # noqa: B027 (a store that rolls up at once has nothing to do)
        """Roll up what the store keeps open (the minute of each series' newest value), so the tiers hold
        everything stored."""

    def expire_raw_after(self, seconds: int | None) -> bool:
        """Let the database expire raw values ``seconds`` after their time (None: never); False if it cannot."""
        return False
