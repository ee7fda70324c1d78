"""Rows of the SQLite tables to domain objects and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.validation import from_micros, to_micros


def reading_row(collection: str, reading: Reading) -> dict[str, Any]:
    return {
        "id": reading.id,
        "collection": collection,
        "device_type": reading.device_type,
        "device": reading.device,
        "label": reading.label,
        "ts": to_micros(reading.timestamp),
        "value": reading.value,
        "num": reading.numeric,
        "unit": reading.unit,
        "source_us": None if reading.source_time is None else to_micros(reading.source_time),
        "clock": reading.clock,
    }


def reading_from_row(row: Row[Any]) -> Reading:
    m = row._mapping
    return Reading(
        m["device_type"],
        m["device"],
        m["label"],
        m["value"],
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
