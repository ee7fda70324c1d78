"""The readings use-case: store in bulk, query by device/label/window, latest per label."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ricochetdb.application.history import DEFAULT_POINTS, History, HistoryQuery
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
        self.rollups = store.rollups(self.collection)
        self.history_query = HistoryQuery(self.rollups, store.clock, self.collection)

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
        """The newest reading of every (device, label), from the latest values (a file written before they
        existed is searched instead, until ``ricochetdb rollup --rebuild``); ``since`` leaves out older ones."""
        since = optional_utc(since, "readings query", "since")
        newest = self.latest_values()
        if not newest:
            return self.repository.latest(device, since)
        return [r for r in newest if device in (None, r.device) and (since is None or r.timestamp >= since)]

    def latest_values(self) -> list[Reading]:
        """The latest reading of every (device, label), by device then label, in O(labels)."""
        return self.rollups.latest()

    def history(
        self,
        label: str,
        device: str | None = None,
        start: datetime | None = None,
        stop: datetime | None = None,
        points: int = DEFAULT_POINTS,
        *,
        interval: float | None = None,
    ) -> History:
        """At most ``points`` bins of ``label`` over [start, stop] (default: the last day), from the coarsest
        tier that fits; ``interval`` (s) is what gaps are measured against (default: the median spacing)."""
        return self.history_query.history(label, device, start, stop, points, interval)

    def stats(self, label: str, start: datetime, stop: datetime, device: str | None = None) -> ReadingStats:
        check_label(label, "readings query")
        return self.repository.stats(
            label,
            as_utc(start, "readings query", "start"),
            as_utc(stop, "readings query", "stop"),
            device,
        )
