"""MongoDB documents of the rollup tiers and latest values, and the raw points read from reading documents.

A bucket document, in ``<collection>.rollup_1m`` (``_1h``, ``_1d``)::

    {"_id": "fridge|T_MC|1764000000000000", "device": "fridge", "label": "T_MC",
     "start": <BSON date>, "n": 6, "mean": 0.0121, "m2": 1.2e-9, "min": ..., "t_min": <µs>, "max": ...,
     "t_max": <µs>, "first": ..., "t_first": <µs>, "last": ..., "t_last": <µs>, "gap": <µs>, "t_gap": <µs>,
     "offset": <mean - first, full precision>}

``start`` is a BSON date (buckets start on whole minutes, so it is exact); the other times are
integer microseconds since the epoch. The latest values, in ``<collection>.latest``, are one
document per device (a poll cycle writes one per device, not one per label)::

    {"_id": "fridge", "ts_us": <newest µs of any label>, "labels": {"T_MC": {"device_type", "value",
     "unit", "timestamp", "ts_us", "source_us", "clock"}, ...}}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ricochetdb.adapters.documents import Document
from ricochetdb.adapters.mongo.documents import MICROS
from ricochetdb.adapters.mongo.reading_docs import readings_from_doc
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import Bucket, Point, Row, as_number
from ricochetdb.domain.validation import from_micros, to_micros

TIER_SUFFIX = ".rollup_"
LATEST_SUFFIX = ".latest"
FIELDS = (
    "n",
    "mean",
    "m2",
    "min",
    "t_min",
    "max",
    "t_max",
    "first",
    "t_first",
    "last",
    "t_last",
    "gap",
    "t_gap",
    "offset",
)


EARLIEST = to_micros(datetime(1, 1, 2, tzinfo=UTC))
LATEST = to_micros(datetime(9999, 12, 30, tzinfo=UTC))


def as_date(micros: int) -> datetime:
    """A query bound as a date, clamped to what dates can hold (an open window is the whole range)."""
    return from_micros(min(max(micros, EARLIEST), LATEST))


def bucket_id(device: str, label: str, start: int) -> str:
    """The deterministic key of one bucket: re-rolling it replaces the same document."""
    return f"{device}|{label}|{start}"


def bucket_doc(device: str, label: str, row: Row) -> Document:
    doc: Document = {"_id": bucket_id(device, label, row[0]), "device": device, "label": label}
    doc["start"] = from_micros(row[0])
    doc.update(zip(FIELDS, row[1:], strict=True))
    return doc


def bucket_row(doc: Document) -> Row:
    start = to_micros(doc["start"])
    values: list[Any] = [doc[name] for name in FIELDS]
    row: Row = (start, *values)
    return row


def bucket_from_doc(doc: Document) -> Bucket:
    return Bucket(*bucket_row(doc))


def doc_time(doc: Document) -> int:
    """A reading document's time in microseconds (its BSON milliseconds plus ``_micros``)."""
    rest = (doc.get(MICROS) or {}).get("timestamp", 0)
    return to_micros(doc["timestamp"]) + int(rest)


def doc_points(docs: Iterable[Document], labels: set[str], start: int, stop: int) -> dict[str, list[Point]]:
    """The numeric values of ``labels`` in reading documents, per label, within [start, stop), time-ordered."""
    found: dict[str, list[Point]] = {}
    for doc in docs:
        micros = doc_time(doc)
        if not start <= micros < stop:
            continue
        for label in labels.intersection(doc):
            number = as_number(doc[label])
            if number is not None:
                found.setdefault(label, []).append((micros, number))
    for points in found.values():
        points.sort()
    return found


def latest_entry(reading: Reading) -> Document:
    """One label's latest value inside its device's latest-values document."""
    return {
        "device_type": reading.device_type,
        "value": reading.value,
        "unit": reading.unit,
        "timestamp": reading.timestamp,
        "ts_us": to_micros(reading.timestamp),
        "source_us": None if reading.source_time is None else to_micros(reading.source_time),
        "clock": reading.clock,
    }


def latest_readings(doc: Document) -> list[Reading]:
    """The readings a device's latest-values document holds, by label."""
    found = []
    for label in sorted(doc.get("labels") or {}):
        entry = doc["labels"][label]
        source = entry.get("source_us")
        found.append(
            Reading(
                entry.get("device_type", ""),
                doc["_id"],
                label,
                entry.get("value"),
                entry.get("unit", ""),
                from_micros(entry["ts_us"]),
                None if source is None else from_micros(source),
                entry.get("clock", "server"),
            )
        )
    return found


def stored_readings(doc: Document, labels: set[str]) -> list[Reading]:
    """The readings of ``labels`` a stored reading document holds (the truth a latest value copies)."""
    return [reading for reading in readings_from_doc(doc) if reading.label in labels]
