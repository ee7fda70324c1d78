"""One poll of one device: every value it gave at one time, validated once, travelling whole.

A device adapter answers a read with a ``DeviceReply`` (its measurements, the fields it could not
read, the device's own time if it sends one). The poller stamps the reply with the database time
and the device's identity: that is a ``Poll``, the one value every store, the spool, the rollups
and the alarms take. A poll's identity in a collection is ``(device, timestamp)``; each of its
values is keyed ``(collection, device, label, timestamp)`` in storage, on every store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.readings import ClockSource, Measurement, Reading, Value, check_label, check_value
from ricochetdb.domain.storable import DOCUMENT_LIMIT, check_reading_value, storable_text
from ricochetdb.domain.validation import as_utc


@dataclass(frozen=True)
class FieldError:
    """One field of a reply that could not be read or stored; the rest of the poll is kept."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class DeviceReply:
    """What a device adapter returns for one read."""

    measurements: list[Measurement]
    errors: list[FieldError] = field(default_factory=list)
    source_time: datetime | None = None


@dataclass(frozen=True)
class Poll:
    """One poll of one device, stamped: ``values`` and ``units`` are keyed by stored label.

    Built only through ``stamp_reply`` or ``poll_from_values``, so labels and values are checked
    once, here, and the stores trust them.
    """

    device: str
    device_type: str
    timestamp: datetime
    values: Mapping[str, Value]
    units: Mapping[str, str]
    clock: ClockSource = "server"
    source_time: datetime | None = None
    errors: tuple[FieldError, ...] = ()

    @property
    def key(self) -> tuple[str, datetime]:
        """The poll's identity within one collection."""
        return (self.device, self.timestamp)

    def readings(self) -> Iterator[Reading]:
        """The poll seen one label at a time (the read side's shape), in label order of the reply."""
        for label, value in self.values.items():
            yield Reading(
                self.device_type,
                self.device,
                label,
                value,
                self.units.get(label, ""),
                self.timestamp,
                self.source_time,
                self.clock,
            )

    def __len__(self) -> int:
        return len(self.values)


def stamp_reply(
    device_type: str,
    device: str,
    reply: DeviceReply,
    timestamp: datetime,
    clock: ClockSource = "server",
) -> Poll:
    """Validate a device's reply once and stamp it; a bad field becomes a field error, the rest is kept."""
    record = f"{device_type} {device}"
    when = as_utc(timestamp, record, "timestamp")
    source = None if reply.source_time is None else as_utc(reply.source_time, record, "source_time")
    values: dict[str, Value] = {}
    units: dict[str, str] = {}
    errors = list(reply.errors)
    size = 0
    for measurement in reply.measurements:
        try:
            label = check_label(measurement.label, f"{record} field {measurement.label!r}")
            if label in values:
                raise ValidationError(f"{record} field {label!r}", label, "appears twice in one reply")
            value = check_value(measurement.value, f"{record} field {label!r}")
            size += check_reading_value(value, record, label)
            if size > DOCUMENT_LIMIT:
                raise ValidationError(record, label, "the poll would be larger than a stored document may be")
        except ValidationError as error:
            errors.append(FieldError(storable_text(str(measurement.label), 200), error.reason))
            continue
        values[label] = value
        units[label] = storable_text(measurement.unit, 200)
    return Poll(device, device_type, when, values, units, clock, source, tuple(errors))


def poll_from_values(
    device_type: str,
    device: str,
    timestamp: datetime,
    values: Mapping[str, object],
    units: Mapping[str, str] | None = None,
    clock: ClockSource = "local",
    source_time: datetime | None = None,
    record: str = "reading",
) -> Poll:
    """A poll given whole by a caller (the API, the facade, a file): any bad field refuses it, naming it."""
    when = as_utc(timestamp, record, "timestamp")
    source = None if source_time is None else as_utc(source_time, record, "source_time")
    checked: dict[str, Value] = {}
    size = 0
    for key, value in values.items():
        label = check_label(key, record)
        checked[label] = check_value(value, f"{record} {label}")
        size += check_reading_value(checked[label], record, label)
    if size > DOCUMENT_LIMIT:
        raise ValidationError(record, "", "is larger than a stored document may be")
    if not checked:
        raise ValidationError(record, "", "holds no label field")
    given = dict(units or {})
    return Poll(device, device_type, when, checked, {label: given.get(label, "") for label in checked}, clock, source)


def bulks(polls: Sequence[Poll], size: int) -> list[list[Poll]]:
    """Whole polls, about ``size`` values per bulk (a bigger poll goes alone): what one bulk write takes."""
    chunks: list[list[Poll]] = []
    chunk: list[Poll] = []
    held = 0
    for poll in polls:
        if chunk and held + len(poll.values) > size:
            chunks.append(chunk)
            chunk, held = [], 0
        chunk.append(poll)
        held += len(poll.values)
    if chunk:
        chunks.append(chunk)
    return chunks


def polls_of(readings: Iterable[Reading]) -> Iterator[Poll]:
    """Stored readings regrouped into polls: consecutive readings of one (device, timestamp) form one poll."""
    group: list[Reading] = []
    for reading in readings:
        if group and (reading.device, reading.timestamp) != (group[0].device, group[0].timestamp):
            yield _poll_of(group)
            group = []
        group.append(reading)
    if group:
        yield _poll_of(group)


def _poll_of(group: list[Reading]) -> Poll:
    first = group[0]
    return Poll(
        first.device,
        first.device_type,
        first.timestamp,
        {r.label: r.value for r in group},
        {r.label: r.unit for r in group},
        first.clock,
        first.source_time,
    )


def same_value(stored: object, new: object) -> bool:
    """Whether a stored value is the one being written again: a replay, not a conflict (bools and numbers apart)."""
    return type(stored) is type(new) and stored == new


def count_values(polls: Sequence[Poll]) -> int:
    """How many labelled values the polls hold (what 'readings stored' counts)."""
    return sum(len(poll.values) for poll in polls)
