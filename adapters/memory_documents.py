"""The in-memory store's collections read as documents (the reference for the document-query contract)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ricochetdb.adapters.document_views import matching, record_view
from ricochetdb.adapters.documents import Document, event_doc, processing_doc
from ricochetdb.application.ports import DocumentQueries
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.flat_readings import flat_document
from ricochetdb.domain.polls import polls_of
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.query import Query
from ricochetdb.domain.readings import Reading


class InMemoryDocuments(DocumentQueries):
    """Records by name, readings by time then device, DAQ messages and events as stored, then results."""

    def __init__(
        self,
        records: dict[str, Document],
        readings: dict[tuple[str, str, datetime], Reading],
        messages: dict[str, dict[str, Any]],
        events: list[DeviceEvent],
        results: dict[str, ProcessingResult],
    ) -> None:
        self.records = records
        self.readings = readings
        self.messages = messages
        self.events = events
        self.results = results

    def _all(self) -> Iterator[Document]:
        for name in sorted(self.records):
            yield record_view(copy.deepcopy(self.records[name]))
        ordered = sorted(self.readings.values(), key=lambda r: (r.timestamp, r.device, r.label))
        yield from (flat_document(poll) for poll in polls_of(ordered))
        for body in self.messages.values():
            yield copy.deepcopy(body)
        for event in self.events:
            yield event_doc(event)
        for stream_id in sorted(self.results):
            yield copy.deepcopy(processing_doc(self.results[stream_id]))

    def find(self, query: Query, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return matching(self._all(), query, limit)
