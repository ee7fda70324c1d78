"""The readings use-case: store in bulk, query by device/label/window, latest per label."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ricochetdb.application.ports import ReadingStats, Store, WriteReport
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.flat_readings import polls_from_flat
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading, check_label
from ricochetdb.domain.validation import as_utc, check_collection, optional_utc

DEFAULT_BULK_SIZE = 10_000
"""Values per bulk write: on MongoDB each bulk waits for one journaled acknowledgement, so fewer is faster."""


class ReadingBook:
    """Readings of one collection (e.g. ``mmr3-2026``)."""

    def __init__(self, store: Store, collection: str) -> None:
        self.collection = check_collection(collection)
        self.repository = store.readings(self.collection)

    def add(self, polls: Sequence[Poll], bulk_size: int = DEFAULT_BULK_SIZE) -> WriteReport:
        """Store polls; values already stored are skipped, values that differ from stored ones are reported."""
        if isinstance(bulk_size, bool) or not isinstance(bulk_size, int) or bulk_size < 1:
            raise ValidationError("readings", "bulk_size", f"must be a positive integer, got {bulk_size!r}")
        return self.repository.add(polls, bulk_size)

    def add_documents(
        self, documents: Any, bulk_size: int = DEFAULT_BULK_SIZE, default_device: str | None = None
    ) -> WriteReport:
        """Store flat reading documents (see ``domain.flat_readings``): all validated first, or none written."""
        return self.add(polls_from_flat(documents, default_device), bulk_size)

    def find(
        self,
        device: str | None = None,
        label: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        limit: int | None = None,
    ) -> list[Reading]:
        if label is not None:
            check_label(label, "readings query")
        return self.repository.find(
            device,
            label,
            optional_utc(start, "readings query", "start"),
            optional_utc(stop, "readings query", "stop"),
            limit,
        )

    def latest(self, device: str | None = None, since: datetime | None = None) -> list[Reading]:
        return self.repository.latest(device, optional_utc(since, "readings query", "since"))

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        check_label(label, "readings query")
        return self.repository.stats(
            label,
            as_utc(start, "readings query", "start"),
            as_utc(stop, "readings query", "stop"),
            device,
        )
