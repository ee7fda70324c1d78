"""MongoDB documents: flat reading documents, records, DAQ messages and device events, to the microsecond.

BSON dates hold milliseconds. The microseconds beyond the millisecond are kept in ``_micros``, a
tree that mirrors the document (list positions as text keys) and is present only when needed, so
every datetime reads back exactly while users keep querying ordinary BSON dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ricochetdb.adapters.documents import Document, RecordMapper, event_doc, event_from_doc
from ricochetdb.application.ports import R
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.identity import content_id
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.readings import RESERVED_LABELS, Reading, check_label
from ricochetdb.domain.validation import as_utc

MICROS = "_micros"
SOURCE_TIMES = "_source_times"
SEQUENCE = "_seq"
READING_FIELDS = RESERVED_LABELS | {MICROS, SOURCE_TIMES}
DAQ_FIELDS = frozenset({"_id", SEQUENCE, MICROS})


def _remainders(value: Any) -> Any:
    """The mirror of ``value`` holding each datetime's microseconds beyond the millisecond; None if none."""
    if isinstance(value, datetime):
        return value.microsecond % 1000 or None
    if isinstance(value, Mapping):
        pairs: Iterable[tuple[str, Any]] = value.items()
    elif isinstance(value, (list, tuple)):
        pairs = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    tree = {key: rest for key, item in pairs if (rest := _remainders(item)) is not None}
    return tree or None


def _restore(value: Any, tree: Any) -> Any:
    if isinstance(value, datetime) and isinstance(tree, int):
        return value + timedelta(microseconds=tree)
    if isinstance(tree, Mapping) and isinstance(value, dict):
        for key, rest in tree.items():
            if key in value:
                value[key] = _restore(value[key], rest)
    elif isinstance(tree, Mapping) and isinstance(value, list):
        for key, rest in tree.items():
            if key.isdigit() and int(key) < len(value):
                value[int(key)] = _restore(value[int(key)], rest)
    return value


def with_micros(doc: Document) -> Document:
    """``doc`` plus its ``_micros`` tree when one of its datetimes has sub-millisecond digits."""
    tree = _remainders(doc)
    return doc if tree is None else {**doc, MICROS: tree}


def without_micros(doc: Document) -> Document:
    """A stored document with its ``_micros`` folded back into its datetimes."""
    tree = doc.pop(MICROS, None)
    return doc if tree is None else _restore(doc, tree)


def floor_ms(when: datetime) -> tuple[datetime, int]:
    """``when`` cut to the millisecond (what BSON keeps), and the microseconds cut off."""
    rest = when.microsecond % 1000
    return when - timedelta(microseconds=rest), rest


def record_doc(mapper: RecordMapper[R], record: R, revision: int) -> Document:
    """The document of a record as users query it, plus ``revision`` (and ``_micros`` if needed)."""
    doc = mapper.to_doc(record)
    if MICROS in doc:
        raise ValidationError(f"{mapper.kind} {record.name!r}", MICROS, "is managed by ricochetdb and may not be given")
    return with_micros({**doc, "revision": revision})


def record_from_doc(mapper: RecordMapper[R], doc: Document) -> R:
    """A record from its stored document; documents written before revisions existed count as revision 0."""
    doc = without_micros(doc)
    doc.setdefault("revision", 0)
    return mapper.from_doc(doc)


def reading_doc_id(device: str, timestamp: datetime) -> str:
    """Deterministic id of the document grouping the labels one device gave at one time."""
    return content_id("reading-document", device, timestamp)


def check_reading_label(label: str, record: str) -> str:
    """A label that can be a top-level field of a reading document (refuses ricochetdb's own fields)."""
    name = check_label(label, record)
    if name in READING_FIELDS:
        raise ValidationError(record, name, "is a reserved field name, rename it in the mapping")
    return name


def group_readings(readings: Sequence[Reading]) -> list[list[Reading]]:
    """Readings grouped per (device, timestamp) in first-seen order; a repeated reading is kept once.

    The whole batch is checked before anything is written: labels must be safe field names, and
    the readings of one document must agree on device type and clock (one poll gives both).
    """
    groups: dict[tuple[str, datetime], list[Reading]] = {}
    seen: set[tuple[str, datetime, str]] = set()
    for reading in readings:
        record = f"{reading.device_type} {reading.device} reading {reading.label!r}"
        check_reading_label(reading.label, record)
        key = (reading.device, reading.timestamp, reading.label)  # what Reading.id hashes
        if key in seen:
            continue
        seen.add(key)
        group = groups.setdefault(key[:2], [])
        if group and (group[0].device_type, group[0].clock) != (reading.device_type, reading.clock):
            raise ValidationError(record, "device_type/clock", "differs from the other readings of this poll")
        group.append(reading)
    return list(groups.values())


def reading_doc(group: Sequence[Reading]) -> Document:
    """The flat document of one poll: one field per label, ``units`` per label, ``source_time`` if given.

    A label whose device time differs from the document's ``source_time`` keeps its own in ``_source_times``.
    """
    first = group[0]
    doc: Document = {
        "_id": reading_doc_id(first.device, first.timestamp),
        "timestamp": first.timestamp,
        "device": first.device,
        "device_type": first.device_type,
        "clock": first.clock,
    }
    if first.source_time is not None:
        doc["source_time"] = first.source_time
    own_times = {r.label: r.source_time for r in group if r.source_time != first.source_time}
    if own_times:
        doc[SOURCE_TIMES] = own_times
    doc.update({r.label: r.value for r in group})
    doc["units"] = {r.label: r.unit for r in group}
    return with_micros(doc)


def label_update(stored: Document, reading: Reading) -> Document:
    """The ``$set`` that adds one new label of ``reading`` to its already stored document ``stored``."""
    update: Document = {reading.label: reading.value, f"units.{reading.label}": reading.unit}
    if reading.source_time != stored.get("source_time"):
        path = f"{SOURCE_TIMES}.{reading.label}"
        update[path] = reading.source_time
        if reading.source_time is not None and (rest := floor_ms(reading.source_time)[1]):
            update[f"{MICROS}.{path}"] = rest
    return update


def doc_labels(doc: Document) -> list[str]:
    """The labels of a reading document: the keys of ``units``, or every other field for older documents."""
    units = doc.get("units")
    if isinstance(units, Mapping):
        return sorted(units)
    return sorted(key for key in doc if key not in READING_FIELDS and not key.startswith("_"))


def readings_from_doc(stored: Document, label: str | None = None) -> list[Reading]:
    """The readings of one stored document (``_micros`` already folded back), ordered by label."""
    doc = without_micros(stored)
    units = doc.get("units") or {}
    own_times = doc.get(SOURCE_TIMES) or {}
    labels = doc_labels(doc) if label is None else [label] if label in doc else []
    return [
        Reading(
            doc.get("device_type", ""),
            doc.get("device", ""),
            name,
            doc.get(name),
            units.get(name, ""),
            doc["timestamp"],
            own_times[name] if name in own_times else doc.get("source_time"),
            doc.get("clock", "server"),
        )
        for name in labels
    ]


def daq_doc(message: DaqMessage, sequence: int) -> Document:
    """The message body as given, plus its deterministic ``_id`` and ``_seq`` (insertion order)."""
    for key in DAQ_FIELDS.intersection(message.body):
        raise ValidationError(f"DAQ message {message.id}", key, "is managed by ricochetdb and may not be given")
    return with_micros({"_id": message.id, **message.body, SEQUENCE: sequence})


def daq_body(stored: Document) -> Document:
    """The body of a stored DAQ message, as it was given."""
    stored.pop("_id", None)
    stored.pop(SEQUENCE, None)
    return without_micros(stored)


def device_event_doc(event: DeviceEvent, sequence: int) -> Document:
    """A device event as stored, with ``_seq`` (insertion order); the caller sets the deterministic ``_id``."""
    return with_micros({**event_doc(event), SEQUENCE: sequence})


def device_event_from_doc(stored: Document) -> DeviceEvent:
    """The device event of a stored document."""
    stored.pop(SEQUENCE, None)
    return event_from_doc(without_micros(stored))


def is_reading_label(label: str) -> bool:
    """Whether ``label`` could name a label field of a reading document (else a query for it finds nothing)."""
    try:
        check_reading_label(label, "reading query")
    except ValidationError:
        return False
    return True


def time_window(start: datetime | None, stop: datetime | None) -> Document:
    """A filter on ``timestamp`` within [start, stop], exact to the microsecond.

    The range runs on the indexed BSON date (milliseconds); ``$nor`` then drops the documents of
    the boundary milliseconds whose ``_micros.timestamp`` falls outside the window.
    """
    bounds: Document = {}
    outside: list[Document] = []
    if start is not None:
        first, rest = floor_ms(as_utc(start, "reading query", "start"))
        bounds["$gte"] = first
        if rest:
            outside.append({"timestamp": first, f"{MICROS}.timestamp": {"$not": {"$gte": rest}}})
    if stop is not None:
        last, rest = floor_ms(as_utc(stop, "reading query", "stop"))
        bounds["$lte"] = last
        outside.append({"timestamp": last, f"{MICROS}.timestamp": {"$gt": rest}})
    query: Document = {"timestamp": bounds} if bounds else {}
    if outside:
        query["$nor"] = outside
    return query
