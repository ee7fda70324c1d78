"""What the web service shows live, kept in memory: last value per channel, device health, store state.

Fed after each poll cycle (``on_cycle(report)``, an observer of the poll loop) or, when the service
runs apart from the poller, by a watcher reading the store (``load``). Pages, the API and ``/metrics``
read it without touching the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading, Value


class FailureLike(Protocol):
    """A device that gave nothing in a cycle (``application.polling.Failure``)."""

    device_type: str
    device: str
    error: str
    timestamp: datetime


class CycleReportLike(Protocol):
    """What the poll loop reports after each cycle (CONTRACTS.md, ``application.poll_loop.CycleReport``)."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def polls(self) -> Sequence[Poll]: ...

    @property
    def failures(self) -> Sequence[Any]: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def stored(self) -> int: ...

    @property
    def write_latency_s(self) -> float: ...


@dataclass(frozen=True)
class Channel:
    """The last value of one label of one device."""

    collection: str
    device: str
    device_type: str
    label: str
    value: Value
    unit: str
    timestamp: datetime


@dataclass(frozen=True)
class DeviceState:
    """One device: when it last answered, its last error, how many polls failed."""

    device: str
    device_type: str
    collection: str
    last_time: datetime | None = None
    last_error: str = ""
    error_time: datetime | None = None
    errors: int = 0

    @property
    def up(self) -> bool:
        """Answered, and not failed since."""
        if self.last_time is None:
            return False
        return self.error_time is None or self.last_time >= self.error_time


@dataclass(frozen=True)
class StoreState:
    """Where the data goes and whether it answers, what waits in the spool, what is running."""

    database: str = ""
    reachable: bool | None = None
    error: str = ""
    spool: Mapping[str, int] = field(default_factory=dict)
    running_runs: tuple[str, ...] = ()
    running_streams: tuple[str, ...] = ()
    checked: datetime | None = None


@dataclass(frozen=True)
class CycleState:
    """The last poll cycle: when, how long, what it wrote, and the totals so far."""

    timestamp: datetime | None = None
    duration_s: float | None = None
    write_latency_s: float | None = None
    stored: int = 0
    cycles: int = 0


class LiveState:
    """Thread-safe; every change bumps ``version`` so live pages know when to refresh."""

    def __init__(
        self,
        interval: float,
        default_collection: str = "readings",
        collections: Mapping[str, str] | None = None,
        device_types: Mapping[str, str] | None = None,
    ) -> None:
        self.interval = interval
        self.default_collection = default_collection
        self.collections = dict(collections or {})
        self._lock = threading.Lock()
        self._channels: dict[tuple[str, str, str], Channel] = {}
        self._devices: dict[str, DeviceState] = {
            device: DeviceState(device, kind, self.collections.get(device, default_collection))
            for device, kind in (device_types or {}).items()
        }
        self._store = StoreState()
        self._cycle = CycleState()
        self.version = 0

    def on_cycle(self, report: CycleReportLike) -> None:
        """Observer of the poll loop: take the values just read and the failures of the cycle (a poll's field
        errors come among the failures too)."""
        with self._lock:
            for poll in report.polls:
                self._take_poll(poll)
            for failure in report.failures:
                self._fail(failure.device, failure.device_type, failure.error, failure.timestamp)
            cycle = self._cycle
            stored, cycles = cycle.stored + report.stored, cycle.cycles + 1
            self._cycle = CycleState(report.timestamp, report.duration_s, report.write_latency_s, stored, cycles)
            self.version += 1

    def load(self, collection: str, readings: Iterable[Reading], events: Iterable[DeviceEvent] = ()) -> None:
        """Take the latest stored readings of a collection and its device events (service apart from the poller)."""
        with self._lock:
            for reading in readings:
                key = (collection, reading.device, reading.label)
                known = self._channels.get(key)
                if known is None or known.timestamp <= reading.timestamp:
                    self._channels[key] = Channel(
                        collection,
                        reading.device,
                        reading.device_type,
                        reading.label,
                        reading.value,
                        reading.unit,
                        reading.timestamp,
                    )
                self._answered(reading.device, reading.device_type, reading.timestamp, collection)
            for event in sorted(events, key=lambda e: e.timestamp):
                if event.state == "degraded":
                    self._fail(event.device, event.device_type, event.error, event.timestamp, count=False)
            self.version += 1

    def set_store(self, state: StoreState) -> None:
        with self._lock:
            if state != replace(self._store, checked=state.checked):
                self.version += 1
            self._store = state

    def _take_poll(self, poll: Poll) -> None:
        collection = self.collections.get(poll.device, self.default_collection)
        for label, value in poll.values.items():
            unit = poll.units.get(label, "")
            self._channels[(collection, poll.device, label)] = Channel(
                collection, poll.device, poll.device_type, label, value, unit, poll.timestamp
            )
        self._answered(poll.device, poll.device_type, poll.timestamp, collection)

    def _answered(self, device: str, device_type: str, when: datetime, collection: str) -> None:
        known = self._devices.get(device) or DeviceState(device, device_type, collection)
        if known.last_time is None or known.last_time < when:
            known = replace(known, last_time=when, device_type=device_type or known.device_type)
        self._devices[device] = known

    def _fail(self, device: str, device_type: str, error: str, when: datetime, count: bool = True) -> None:
        known = self._devices.get(device) or DeviceState(device, device_type, self.collections.get(device, ""))
        if known.error_time is None or known.error_time <= when:
            known = replace(known, last_error=error, error_time=when)
        self._devices[device] = replace(known, errors=known.errors + (1 if count else 0))

    def channels(self) -> list[Channel]:
        """Every channel, ordered by collection, device, label."""
        with self._lock:
            return [self._channels[key] for key in sorted(self._channels)]

    def devices(self) -> list[DeviceState]:
        """Every device seen or configured, ordered by name."""
        with self._lock:
            return [self._devices[name] for name in sorted(self._devices)]

    @property
    def store(self) -> StoreState:
        return self._store

    @property
    def cycle(self) -> CycleState:
        return self._cycle
