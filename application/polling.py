"""The polling use-case: read many devices concurrently, stamp with the database time, store.

One slow or dead device costs at most its own timeout: every device is read in its
own worker thread and the batch waits only for the slowest. A device's failure is
recorded (device, error, time) and logged once per change of health; every other
device's readings are kept.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from ricochetdb.application.ports import Clock, DeviceEventLog, DeviceReader, Store
from ricochetdb.domain.devices import LabelMapping, check_category, in_category, rename
from ricochetdb.domain.errors import DeviceError, RicochetError, StoreUnavailable
from ricochetdb.domain.events import DeviceHealth
from ricochetdb.domain.polls import DeviceReply, stamp_reply
from ricochetdb.domain.readings import Reading

logger = logging.getLogger(__name__)

MAX_WORKERS = 64


@dataclass(frozen=True)
class Failure:
    """Why a device (or one of its fields) gave nothing in a fetch."""

    device_type: str
    device: str
    error: str
    timestamp: datetime


@dataclass
class Source:
    """A registered device: its reader and the collection its readings go to."""

    reader: DeviceReader
    collection: str
    health: DeviceHealth


@dataclass
class FetchResult:
    """One fetch: the readings per collection, the failures, and whose clock stamped them."""

    timestamp: datetime
    readings: dict[str, list[Reading]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(batch) for batch in self.readings.values())


class ReadingArchive(Protocol):
    """A local file of readings (``move_to_file`` / ``append_from_file``)."""

    def save(self, path: str, readings: dict[str, list[Reading]]) -> None: ...

    def load(self, path: str) -> dict[str, list[Reading]]: ...


class Poller:
    """Reads registered devices and keeps their readings in memory until ``upload``."""

    def __init__(
        self,
        clock: Clock,
        fallback_clock: Clock,
        mapping: LabelMapping | None = None,
        events: DeviceEventLog | None = None,
    ) -> None:
        self.clock = clock
        self.fallback_clock = fallback_clock
        self.mapping = mapping or {}
        self.events = events
        self.sources: list[Source] = []
        self.pending: dict[str, list[Reading]] = {}
        self.clock_ok = True

    def add(self, reader: DeviceReader, collection: str) -> None:
        self.sources.append(Source(reader, collection, DeviceHealth(reader.device_type, reader.address)))

    def now(self) -> tuple[datetime, bool]:
        """The database time, or the local clock (flagged) when the database cannot tell."""
        try:
            moment = self.clock.now()
        except StoreUnavailable as error:
            if self.clock_ok:
                logger.warning("database clock unavailable, stamping with the local UTC clock: %s", error)
            self.clock_ok = False
            return self.fallback_clock.now(), False
        if not self.clock_ok:
            logger.warning("database clock available again")
        self.clock_ok = True
        return moment, self.clock.source == "server"

    def fetch(self, category: str = "all") -> FetchResult:
        """Query every device of the category at once; keep the results for ``upload``."""
        chosen = [s for s in self.sources if in_category(s.reader.device_type, check_category(category))]
        moment, from_server = self.now()
        result = FetchResult(moment)
        if not chosen:
            return result
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(chosen)), thread_name_prefix="poll") as pool:
            outcomes = list(pool.map(_read, [s.reader for s in chosen]))
        for source, outcome in zip(chosen, outcomes, strict=True):
            self._collect(source, outcome, result, from_server)
        for collection, batch in result.readings.items():
            self.pending.setdefault(collection, []).extend(batch)
        return result

    def _collect(
        self, source: Source, outcome: DeviceReply | DeviceError, result: FetchResult, from_server: bool
    ) -> None:
        reader = source.reader
        error = str(outcome) if isinstance(outcome, DeviceError) else None
        self._observe(source, error, result.timestamp)
        if isinstance(outcome, DeviceError):
            result.failures.append(Failure(reader.device_type, reader.address, str(outcome), result.timestamp))
            return
        reply = replace(outcome, measurements=rename(reader.device_type, outcome.measurements, self.mapping))
        poll = stamp_reply(
            reader.device_type, reader.address, reply, result.timestamp, "server" if from_server else "local"
        )
        result.readings.setdefault(source.collection, []).extend(poll.readings())
        for problem in poll.errors:
            result.failures.append(Failure(reader.device_type, reader.address, str(problem), result.timestamp))

    def _observe(self, source: Source, error: str | None, when: datetime) -> None:
        event = source.health.observe(error, when)
        if event is None:
            return
        if event.state == "degraded":
            logger.warning("%s %s degraded: %s", event.device_type, event.device, event.error)
        else:
            logger.info("%s %s recovered", event.device_type, event.device)
        if self.events is not None:
            try:
                self.events.add(event)
            except RicochetError as failure:
                logger.warning("could not store the device event of %s: %s", event.device, failure)

    def upload(self, store: Store, collection: str | None = None, bulk_size: int = 1000) -> int:
        """Write what was fetched (to ``collection``, else to each source's own), then forget it."""
        written = 0
        for target, batch in list(self.pending.items()):
            written += store.readings(collection or target).add(batch, bulk_size)
            del self.pending[target]
        return written

    def move_to_file(self, archive: ReadingArchive, path: str) -> None:
        """Save what was fetched to a local file, then forget it."""
        archive.save(path, self.pending)
        self.pending = {}

    def append_from_file(self, archive: ReadingArchive, path: str) -> None:
        """Add the readings of a local file to what was fetched."""
        for target, batch in archive.load(path).items():
            self.pending.setdefault(target, []).extend(batch)

    def close(self) -> None:
        for source in self.sources:
            source.reader.close()


def _read(reader: DeviceReader) -> DeviceReply | DeviceError:
    """One device read; a DeviceError is returned as data, anything else is a bug made visible."""
    try:
        return reader.read()
    except DeviceError as error:
        return error
    except Exception as error:  # a reader bug must not stop the other devices
        logger.exception("%s %s: unexpected error in its reader", reader.device_type, reader.address)
        return DeviceError(f"{reader.device_type} {reader.address}", "", f"reader bug: {error!r}")
