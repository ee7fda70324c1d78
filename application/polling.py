"""The polling use-case: read many devices concurrently, stamp each reply with the database time.

One slow or dead device costs at most its own timeout: every device is read in its own worker
thread and the fetch waits only for the slowest. A device's failure, or a field it could not read,
is recorded (device, error, time) and logged once per change of health; every other value is kept.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from ricochetdb.application.ports import Clock, DeviceEventLog, DeviceReader
from ricochetdb.domain.devices import LabelMapping, check_category, in_category, rename
from ricochetdb.domain.errors import DeviceError, RicochetError, StoreUnavailable
from ricochetdb.domain.events import DeviceHealth
from ricochetdb.domain.polls import DeviceReply, Poll, count_values, stamp_reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """Why a device (or one of its fields, named in ``field``) gave nothing in a fetch."""

    device_type: str
    device: str
    error: str
    timestamp: datetime
    field: str = ""


@dataclass
class Source:
    """A registered device: its reader, its stored identity, and the collection its polls go to."""

    reader: DeviceReader
    device: str
    collection: str
    health: DeviceHealth


@dataclass
class FetchResult:
    """One fetch: the polls per collection, the failures, and the time that stamped them."""

    timestamp: datetime
    polls: dict[str, list[Poll]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many values the fetch gave."""
        return sum(count_values(batch) for batch in self.polls.values())

    def all_polls(self) -> list[Poll]:
        return [poll for batch in self.polls.values() for poll in batch]


def device_identity(device_type: str, address: str, name: str | None = None) -> str:
    """What a device is stored as: its configured name, else ``TYPE@address`` (two readers of one address differ)."""
    return name or f"{device_type}@{address}"


class Poller:
    """Reads the registered devices; ``fetch`` returns their polls, stamped with the database time."""

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
        self.clock_ok = True

    def add(self, reader: DeviceReader, collection: str, name: str | None = None) -> None:
        device = device_identity(reader.device_type, reader.address, name)
        self.sources.append(Source(reader, device, collection, DeviceHealth(reader.device_type, device)))

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
        """Query every device of the category at once, one thread each (no cap: a silent device costs one timeout)."""
        chosen = [s for s in self.sources if in_category(s.reader.device_type, check_category(category))]
        moment, from_server = self.now()
        result = FetchResult(moment)
        if not chosen:
            return result
        with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="poll") as pool:
            outcomes = list(pool.map(_read, [s.reader for s in chosen]))
        for source, outcome in zip(chosen, outcomes, strict=True):
            self._collect(source, outcome, result, from_server)
        return result

    def _collect(self, source: Source, outcome: DeviceReply | DeviceError, result: FetchResult, server: bool) -> None:
        reader = source.reader
        if isinstance(outcome, DeviceError):
            self._observe(source, str(outcome), result.timestamp)
            result.failures.append(Failure(reader.device_type, source.device, str(outcome), result.timestamp))
            return
        measurements = rename(reader.device_type, outcome.measurements, self.mapping)
        reply = DeviceReply(measurements, outcome.errors, outcome.source_time)
        poll = stamp_reply(reader.device_type, source.device, reply, result.timestamp, "server" if server else "local")
        self._observe(source, None, result.timestamp, poll)
        if poll.values:
            result.polls.setdefault(source.collection, []).append(poll)
        for problem in poll.errors:
            result.failures.append(
                Failure(reader.device_type, source.device, problem.reason, result.timestamp, problem.field)
            )

    def _observe(self, source: Source, error: str | None, when: datetime, poll: Poll | None = None) -> None:
        event = source.health.observe(error, when, () if poll is None else poll.errors)
        if event is None:
            return
        if event.state == "ok":
            logger.info("%s %s recovered", event.device_type, event.device)
        else:
            logger.warning("%s %s %s: %s", event.device_type, event.device, event.state, event.error)
        if self.events is not None:
            try:
                self.events.add(event)
            except RicochetError as failure:
                logger.warning("could not store the device event of %s: %s", event.device, failure)

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
