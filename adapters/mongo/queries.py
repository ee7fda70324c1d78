"""MongoDB collections read as documents: the server narrows at millisecond precision, Python decides exactly.

BSON dates hold milliseconds and the store keeps the rest in ``_micros``, so the filter sent to the
server is a widened copy (every date cut to its millisecond, ``$gt`` turned ``$gte``...), which finds
every document the exact filter could match; the domain's ``Query`` then decides on the exact
documents, ``_micros`` folded back. The limit is applied after that decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ricochetdb.adapters.document_views import matching
from ricochetdb.adapters.documents import Document
from ricochetdb.adapters.mongo.collections import MongoCollection
from ricochetdb.adapters.mongo.documents import SEQUENCE, floor_ms, without_micros
from ricochetdb.adapters.mongo.processing import GENERATED
from ricochetdb.application.ports import DocumentQueries
from ricochetdb.domain.query import Query

INTERNAL = ("_id", SEQUENCE)
_WIDER = {"$gt": "$gte", "$gte": "$gte", "$lt": "$lte", "$lte": "$lte", "$eq": "$eq", "$in": "$in"}


def widened(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A filter matching at least every document ``spec`` matches, once stored dates are cut to milliseconds."""
    wide: dict[str, Any] = {}
    for key, condition in spec.items():
        if key in ("$and", "$or"):
            wide[key] = [widened(part) for part in condition]
        elif isinstance(condition, Mapping) and condition and all(k.startswith("$") for k in condition):
            operators = {
                _WIDER.get(op, op) if _has_date(operand) else op: _floored(operand)
                for op, operand in condition.items()
                if not (op in ("$ne", "$nin") and _has_date(operand))
            }
            if operators:
                wide[key] = operators
        else:
            wide[key] = _floored(condition)
    return wide


def _has_date(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if isinstance(value, Mapping):
        return any(_has_date(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_date(item) for item in value)
    return False


def _floored(value: Any) -> Any:
    if isinstance(value, datetime):
        return floor_ms(value)[0]
    if isinstance(value, Mapping):
        return {key: _floored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floored(item) for item in value]
    return value


def document_view(stored: Document) -> Document:
    """A stored document as users query it: exact dates, no ``_id``/``_seq``/``_micros``, no record revision."""
    doc = without_micros(stored)
    internal = [*INTERNAL]
    if SEQUENCE not in doc and "units" not in doc:
        internal += ["revision"] if "name" in doc else [GENERATED] if "stream_id" in doc else []
    for key in internal:
        doc.pop(key, None)
    return doc


class MongoDocuments(MongoCollection, DocumentQueries):
    """Any collection of the database, as documents (reading it creates no index)."""

    kind = "records"

    def find(self, query: Query, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return matching(self._all(query), query, limit)

    def _all(self, query: Query) -> Iterator[Document]:
        with self._guard("finding documents"):
            for stored in self.collection.find(widened(query.spec)):
                yield document_view(stored)
