"""MongoDB documents: flat reading documents, records, DAQ messages and device events, to the microsecond.

BSON dates hold milliseconds. The microseconds beyond the millisecond are kept in ``_micros``, a
tree that mirrors the document (list positions as text keys) and is present only when needed, so
every datetime reads back exactly while users keep querying ordinary BSON dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ricochetdb.adapters.documents import Document, RecordMapper, event_doc, event_from_doc
from ricochetdb.application.ports import R
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.validation import as_utc

MICROS = "_micros"
SEQUENCE = "_seq"
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
