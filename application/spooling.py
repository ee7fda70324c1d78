"""Nothing lost while the database is away: readings, DAQ messages, device events and alarm events go to
a local spool (this store decorator), and are replayed (``application.replay``) exactly once when it is back.

Bookkeeping (runs, streams...) is never spooled: it fails loudly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ricochetdb.application.ports import (
    AlarmLog,
    Clock,
    DaqMessageLog,
    DeviceEventLog,
    DocumentQueries,
    LocalArchive,
    ProcessingRepository,
    ReadingRepository,
    ReadingStats,
    RecordRepository,
    ReplayReport,
    RollupRepository,
    Shelf,
    Spool,
    Store,
    WriteReport,
)
from ricochetdb.application.replay import pending, replay
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction
from ricochetdb.domain.errors import (
    SpoolMismatch,
    StoreUnavailable,
)
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import ClockSource, Reading
from ricochetdb.domain.records import Detector, Run, Stream

logger = logging.getLogger(__name__)

class _Link:
    """Whether the primary store answers; after a failure it is left alone for ``retry_after`` seconds."""

    def __init__(self, name: str, retry_after: float, monotonic: Callable[[], float]) -> None:
        self.name = name
        self.retry_after = retry_after
        self.monotonic = monotonic
        self.offline_since: float | None = None
        self.retry_at = 0.0

    @property
    def offline(self) -> bool:
        return self.offline_since is not None

    def usable(self) -> bool:
        return not self.offline or self.monotonic() >= self.retry_at

    def failed(self, error: StoreUnavailable) -> None:
        if not self.offline:
            logger.warning("database %s unavailable, spooling locally: %s", self.name, error)
            self.offline_since = self.monotonic()
        self.retry_at = self.monotonic() + self.retry_after

    def succeeded(self) -> None:
        if self.offline:
            logger.warning("database %s is back", self.name)
        self.offline_since = None


class _SpoolingClock:
    """The primary's clock, refused at once (so the poller uses its local clock) while it is away."""

    def __init__(self, primary: Clock, link: _Link) -> None:
        self.primary = primary
        self.link = link
        self.source: ClockSource = primary.source

    def now(self) -> datetime:
        if not self.link.usable():
            raise StoreUnavailable(f"database {self.link.name}", "", "unavailable, using the local clock")
        try:
            moment = self.primary.now()
        except StoreUnavailable as error:
            self.link.failed(error)
            raise
        self.link.succeeded()
        return moment


class _SpoolingWriter:
    def __init__(self, link: _Link) -> None:
        self.link = link

    def _write(self, primary: Callable[[], Any], spool: Callable[[], Any]) -> Any:
        if self.link.usable():
            try:
                written = primary()
            except StoreUnavailable as error:
                self.link.failed(error)
            else:
                self.link.succeeded()
                return written
        return spool()


class _SpoolingReadings(_SpoolingWriter, ReadingRepository):
    def __init__(self, link: _Link, primary: ReadingRepository, spool: ReadingRepository) -> None:
        super().__init__(link)
        self.primary, self.spool = primary, spool

    def add(self, polls: Sequence[Poll], bulk_size: int = 1000) -> WriteReport:
        report: WriteReport = self._write(lambda: self.primary.add(polls, bulk_size), lambda: self.spool.add(polls))
        return report

    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        return self.primary.find(device, label, start, stop, limit)

    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        return self.primary.latest(device, since)

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        return self.primary.stats(label, start, stop, device)


class _SpoolingDaq(_SpoolingWriter, DaqMessageLog):
    def __init__(self, link: _Link, primary: DaqMessageLog, spool: DaqMessageLog) -> None:
        super().__init__(link)
        self.primary, self.spool = primary, spool

    def add(self, messages: Sequence[DaqMessage]) -> int:
        return int(self._write(lambda: self.primary.add(messages), lambda: self.spool.add(messages)))

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return self.primary.find(topic, limit)


class _SpoolingEvents(_SpoolingWriter, DeviceEventLog):
    def __init__(self, link: _Link, primary: DeviceEventLog, spool: DeviceEventLog) -> None:
        super().__init__(link)
        self.primary, self.spool = primary, spool

    def add(self, event: DeviceEvent) -> None:
        self._write(lambda: self.primary.add(event), lambda: self.spool.add(event))

    def find(self, device: str | None = None, limit: int | None = None) -> list[DeviceEvent]:
        return self.primary.find(device, limit)


class _SpoolingAlarms(_SpoolingWriter, AlarmLog):
    """Transitions and actions spooled like readings; reads fail at once while the primary is away."""

    def __init__(self, link: _Link, primary: AlarmLog, spool: AlarmLog) -> None:
        super().__init__(link)
        self.primary, self.spool = primary, spool

    def add(self, event: AlarmEvent) -> None:
        self._write(lambda: self.primary.add(event), lambda: self.spool.add(event))

    def act(self, action: OperatorAction) -> None:
        self._write(lambda: self.primary.act(action), lambda: self.spool.act(action))

    def _read(self, read: Callable[[], Any]) -> Any:
        if not self.link.usable():
            raise StoreUnavailable(f"database {self.link.name}", "", "unavailable")
        try:
            return read()
        except StoreUnavailable as error:
            self.link.failed(error)
            raise

    def events(
        self,
        name: str | None = None,
        device: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AlarmEvent]:
        return list(self._read(lambda: self.primary.events(name, device, since, limit)))

    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        return list(self._read(lambda: self.primary.actions(since, limit)))


class SpoolingStore(Store, Spool):
    """The primary store, with readings, DAQ messages and events spooled locally while it is away."""

    def __init__(
        self,
        primary: Store,
        spool: Store,
        archive: LocalArchive,
        retry_after: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        shelf: Shelf | None = None,
    ) -> None:
        self.primary = primary
        self.spool = spool
        self.archive = archive
        self.shelf = shelf
        self.link = _Link(primary.describe(), retry_after, monotonic)
        self.clock = _SpoolingClock(primary.clock, self.link)
        self._claim()

    def _claim(self) -> None:
        """The spool belongs to one database: items waiting for another one are never delivered here."""
        target, held = self.primary.target(), self.archive.target()
        if held is not None and held != target and pending(self.archive):
            raise SpoolMismatch(
                f"spool {self.spool.describe()}",
                "target",
                f"holds items for {held}, not for {target}: replay it against that database "
                "(or use another --spool for this one); nothing was delivered",
            )
        if held != target:
            self.archive.claim(target)

    @property
    def offline(self) -> bool:
        return self.link.offline

    def detectors(self, collection: str) -> RecordRepository[Detector]:
        return self.primary.detectors(collection)

    def runs(self, collection: str) -> RecordRepository[Run]:
        return self.primary.runs(collection)

    def streams(self, collection: str) -> RecordRepository[Stream]:
        return self.primary.streams(collection)

    def processing(self, collection: str) -> ProcessingRepository:
        return self.primary.processing(collection)

    def documents(self, collection: str) -> DocumentQueries:
        return self.primary.documents(collection)

    def rollups(self, collection: str) -> RollupRepository:
        return self.primary.rollups(collection)

    def reading_collections(self) -> list[str]:
        return self.primary.reading_collections()

    def readings(self, collection: str) -> ReadingRepository:
        return _SpoolingReadings(self.link, self.primary.readings(collection), self.spool.readings(collection))

    def daq(self, collection: str) -> DaqMessageLog:
        return _SpoolingDaq(self.link, self.primary.daq(collection), self.spool.daq(collection))

    def events(self, collection: str) -> DeviceEventLog:
        return _SpoolingEvents(self.link, self.primary.events(collection), self.spool.events(collection))

    def alarms(self, collection: str) -> AlarmLog:
        return _SpoolingAlarms(self.link, self.primary.alarms(collection), self.spool.alarms(collection))

    def pending(self) -> dict[str, int]:
        return pending(self.archive)

    def replay(
        self, bulk_size: int = 1000, max_items: int | None = None, should_stop: Callable[[], bool] = lambda: False
    ) -> ReplayReport:
        """Replay the spool into the primary if it answers (nothing is tried while it is known away)."""
        if not self.link.usable() or not self.pending():
            return ReplayReport()
        report = replay(self.archive, self.primary, bulk_size, max_items, self.shelf, should_stop)
        if report.stopped:
            self.link.failed(StoreUnavailable(self.link.name, "", report.stopped))
        elif report.total:
            self.link.succeeded()
            logger.warning("replayed %d spooled items (%d new) into %s", report.total, report.new, self.link.name)
        return report

    def describe(self) -> str:
        return f"{self.primary.describe()} (spool: {self.spool.describe()})"

    def close(self) -> None:
        self.primary.close()
        self.spool.close()
