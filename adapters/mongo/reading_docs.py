"""MongoDB reading documents: one poll per document, ``_id`` its natural key, one field per label.

A reading document::

    {"_id": "MMR3@10.0.0.5|1764000000123456", "timestamp": <BSON date, ms>, "device": "MMR3@10.0.0.5",
     "device_type": "MMR3", "clock": "server", "source_time": <date>, "ch1_temperature": 0.0121, ...,
     "units": {"ch1_temperature": "K", ...}, "_micros": {"timestamp": 456}}

``_micros`` keeps what BSON's milliseconds drop, only when there is something to keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ricochetdb.adapters.documents import Document
from ricochetdb.adapters.mongo.documents import MICROS, floor_ms, without_micros
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll, same_value
from ricochetdb.domain.readings import RESERVED_LABELS, Reading, check_label
from ricochetdb.domain.validation import to_micros


def reading_doc_id(device: str, timestamp: datetime) -> str:
    """The natural key of one poll in its collection: device and time to the microsecond."""
    return f"{device}|{to_micros(timestamp)}"


def reading_doc(poll: Poll) -> Document:
    """The flat document of one poll (the only datetimes are the poll's own, so ``_micros`` is built directly)."""
    first, rest = floor_ms(poll.timestamp)
    doc: Document = {
        "_id": reading_doc_id(poll.device, poll.timestamp),
        "timestamp": first,
        "device": poll.device,
        "device_type": poll.device_type,
        "clock": poll.clock,
    }
    micros: Document = {"timestamp": rest} if rest else {}
    if poll.source_time is not None:
        doc["source_time"], source_rest = floor_ms(poll.source_time)
        if source_rest:
            micros["source_time"] = source_rest
    doc.update(poll.values)
    doc["units"] = dict(poll.units)
    if micros:
        doc[MICROS] = micros
    return doc


def label_update(poll: Poll, label: str) -> Document:
    """The ``$set`` that adds one label of ``poll`` to its already stored document."""
    return {label: poll.values[label], f"units.{label}": poll.units.get(label, "")}


def differing_labels(poll: Poll, doc: Document) -> list[str]:
    """The labels of ``poll`` stored in ``doc`` with another value (all of them if another device type wrote it)."""
    if doc.get("device_type") != poll.device_type:
        return list(poll.values)
    held = doc.get("units") or {}
    return [label for label, value in poll.values.items() if label in held and not same_value(doc.get(label), value)]


def doc_labels(doc: Document) -> list[str]:
    """The labels of a reading document: the keys of ``units``, or every other field for older documents."""
    units = doc.get("units")
    if isinstance(units, Mapping):
        return sorted(units)
    return sorted(key for key in doc if key not in RESERVED_LABELS and not key.startswith("_"))


def readings_from_doc(stored: Document, label: str | None = None) -> list[Reading]:
    """The readings of one stored document, ordered by label."""
    doc = without_micros(stored)
    units = doc.get("units") or {}
    labels = doc_labels(doc) if label is None else [label] if label in doc else []
    return [
        Reading(
            doc.get("device_type", ""),
            doc.get("device", ""),
            name,
            doc.get(name),
            units.get(name, ""),
            doc["timestamp"],
            doc.get("source_time"),
            doc.get("clock", "server"),
        )
        for name in labels
    ]


def is_reading_label(label: str) -> bool:
    """Whether ``label`` could name a label field of a reading document (else a query for it finds nothing)."""
    try:
        check_label(label, "reading query")
    except ValidationError:
        return False
    return True
