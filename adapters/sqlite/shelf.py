"""The shelf in a SQLite file: items a database refused, kept whole with the reason, until a person decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from ricochetdb.adapters.documents import event_doc, event_from_doc
from ricochetdb.adapters.sqlite.connection import transaction
from ricochetdb.adapters.sqlite.tables import set_aside
from ricochetdb.application.ports import Kind, SetAside, Shelf
from ricochetdb.domain.errors import RecordNotFound
from ricochetdb.domain.flat_readings import flat_document, poll_from_flat
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.domain.validation import from_micros, to_micros

SUMMARY_CHARS = 200


def _document(kind: Kind, item: Any) -> tuple[dict[str, Any], str]:
    """The item as a JSON-able document, and a one-line summary of it."""
    if kind == "readings":
        return flat_document(item), f"{item.device} at {item.timestamp.isoformat()}: {', '.join(item.values)}"
    if kind == "daq":
        return {"id": item.id, "topic": item.topic, "body": item.body}, f"DAQ message {item.id} of topic {item.topic}"
    return event_doc(item), f"{item.device} {item.state} at {item.timestamp.isoformat()}"


def _item(kind: Kind, document: dict[str, Any]) -> Any:
    if kind == "readings":
        return poll_from_flat(document, "set-aside reading")
    if kind == "daq":
        body = document["body"]
        return DaqMessage(document["id"], document["topic"], body["timestamp"], body)
    return event_from_doc(document)


class SqliteShelf(Shelf):
    """The ``set_aside`` table of one SQLite file (the spool's, or the database's own)."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.engine = engine
        self.where = where

    def put(self, kind: Kind, collection: str, items: Sequence[Any], reason: str) -> None:
        when = datetime.now(UTC)
        rows = []
        for item in items:
            document, summary = _document(kind, item)
            rows.append(
                {
                    "kind": kind,
                    "collection": collection,
                    "reason": reason,
                    "at_us": to_micros(when),
                    "summary": summary[:SUMMARY_CHARS],
                    "item": document,
                }
            )
        if rows:
            with transaction(self.engine, self.where) as connection:
                connection.execute(insert(set_aside), rows)

    def list(self) -> list[SetAside]:
        columns = [c for c in set_aside.c if c.name != "item"]
        with transaction(self.engine, self.where) as connection:
            rows = connection.execute(select(*columns).order_by(set_aside.c.number)).all()
        return [SetAside(r.number, r.kind, r.collection, r.reason, from_micros(r.at_us), r.summary) for r in rows]

    def get(self, number: int) -> tuple[Kind, str, Any]:
        with transaction(self.engine, self.where) as connection:
            row = connection.execute(select(set_aside).where(set_aside.c.number == number)).first()
        if row is None:
            raise RecordNotFound(f"set-aside item {number}", "number", f"is not on the shelf of {self.where}")
        return row.kind, row.collection, _item(row.kind, row.item)

    def discard(self, number: int) -> None:
        with transaction(self.engine, self.where) as connection:
            gone = connection.execute(delete(set_aside).where(set_aside.c.number == number)).rowcount
        if not gone:
            raise RecordNotFound(f"set-aside item {number}", "number", f"is not on the shelf of {self.where}")
