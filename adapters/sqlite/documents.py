"""The SQLite store's collections read as documents, for pymongo-style ``find`` (the seed-compatible facade).

A collection name may hold records, readings, DAQ messages, device events and processing results
(one table each); they are read in that order. Readings are stored one row per label and come back
as flat documents, one per poll (timestamp, device). The filter is evaluated in Python by the domain's
``Query``; a range or an equality on ``timestamp``/``device`` is first pushed down to the indexed
reading columns, so ``{"timestamp": {"$gt": ...}}`` with a limit reads only the rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from ricochetdb.adapters.document_views import matching, record_view
from ricochetdb.adapters.documents import Document, event_doc
from ricochetdb.adapters.sqlite.mappers import event_from_row, reading_from_row
from ricochetdb.adapters.sqlite.tables import daq_messages, device_events, processing_results, readings, records
from ricochetdb.application.ports import DocumentQueries
from ricochetdb.domain.errors import StoreUnavailable
from ricochetdb.domain.flat_readings import flat_document
from ricochetdb.domain.polls import polls_of
from ricochetdb.domain.query import Query
from ricochetdb.domain.validation import to_micros


class SqliteDocuments(DocumentQueries):
    """Documents of one collection name across the SQLite tables."""

    def __init__(self, engine: Engine, collection: str) -> None:
        self.engine = engine
        self.collection = collection

    def find(self, query: Query, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return matching(self._all(query), query, limit)

    def _all(self, query: Query) -> Iterator[Document]:
        try:
            yield from self._read(query)
        except OperationalError as error:
            raise StoreUnavailable(f"sqlite collection {self.collection!r}", "", str(error.orig)) from None

    def _read(self, query: Query) -> Iterator[Document]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(records.c.body).where(records.c.collection == self.collection).order_by(records.c.name)
            )
            yield from (record_view(row.body) for row in rows)
            reading_rows = connection.execute(self._readings(query))
            yield from (flat_document(poll) for poll in polls_of(reading_from_row(row) for row in reading_rows))
            rows = connection.execute(
                select(daq_messages.c.body)
                .where(daq_messages.c.collection == self.collection)
                .order_by(daq_messages.c.seq)
            )
            yield from (row.body for row in rows)
            rows = connection.execute(
                select(device_events).where(device_events.c.collection == self.collection).order_by(device_events.c.seq)
            )
            yield from (event_doc(event_from_row(row)) for row in rows)
            rows = connection.execute(
                select(processing_results.c.body)
                .where(processing_results.c.collection == self.collection)
                .order_by(processing_results.c.stream_id)
            )
            yield from (row.body for row in rows)

    def _readings(self, query: Query) -> Any:
        """The reading rows that can match: narrowed by the query's timestamp range and device, in poll order."""
        statement = select(readings).where(readings.c.collection == self.collection)
        bounds = query.bounds("timestamp")
        if isinstance(bounds.low, datetime):
            low = to_micros(bounds.low)
            statement = statement.where(readings.c.ts >= low if bounds.low_inclusive else readings.c.ts > low)
        if isinstance(bounds.high, datetime):
            high = to_micros(bounds.high)
            statement = statement.where(readings.c.ts <= high if bounds.high_inclusive else readings.c.ts < high)
        device = query.equal_to("device")
        if device is not None:
            statement = statement.where(readings.c.device == device)
        return statement.order_by(readings.c.ts, readings.c.device, readings.c.label)
