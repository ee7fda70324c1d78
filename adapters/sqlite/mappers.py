"""Rows of the SQLite tables to domain objects and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading, Value
from ricochetdb.domain.validation import from_micros, to_micros


def poll_rows(collection: str, poll: Poll) -> list[tuple[Any, ...]]:
    """The rows of one poll, one per label, in ``READING_COLUMNS`` order."""
    ts = to_micros(poll.timestamp)
    source = None if poll.source_time is None else to_micros(poll.source_time)
    units = poll.units
    return [
        (
            collection,
            poll.device,
            label,
            ts,
            poll.device_type,
            value,
            1 if value is True or value is False else None,
            units.get(label, ""),
            source,
            poll.clock,
        )
        for label, value in poll.values.items()
    ]


def stored_value(value: Any, is_bool: Any) -> Value:
    """A value as read back from the ``value``/``is_bool`` columns."""
    stored: Value = bool(value) if is_bool else value
    return stored


def reading_from_row(row: Row[Any]) -> Reading:
    m = row._mapping
    return Reading(
        m["device_type"],
        m["device"],
        m["label"],
        stored_value(m["value"], m["is_bool"]),
        m["unit"],
        from_micros(m["ts"]),
        None if m["source_us"] is None else from_micros(m["source_us"]),
        m["clock"],
    )


def event_row(collection: str, event: DeviceEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "collection": collection,
        "device_type": event.device_type,
        "device": event.device,
        "state": event.state,
        "error": event.error,
        "ts": to_micros(event.timestamp),
    }


def event_from_row(row: Row[Any]) -> DeviceEvent:
    m = row._mapping
    return DeviceEvent(m["device_type"], m["device"], m["state"], m["error"], from_micros(m["ts"]))
