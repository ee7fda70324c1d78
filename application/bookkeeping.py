"""Use-cases of the books: detectors, runs and streams, with their lifecycle rules and revisions.

Every change (creation, correction, start, stop, additions, deletion) keeps a revision: who (the
OS user the entrypoint names), when (database time) and the fields before and after.
"""

from __future__ import annotations

import builtins
import copy
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic

from ricochetdb.application.ports import R, RecordRepository, Store
from ricochetdb.domain.errors import (
    ConcurrentUpdate,
    DuplicateRecord,
    RecordNotFound,
    RicochetError,
    StateError,
    ValidationError,
)
from ricochetdb.domain.records import (
    Dated,
    Detector,
    HistoryRecord,
    Run,
    Stream,
    StreamDetector,
    Temperature,
    check_not_future,
)
from ricochetdb.domain.revisions import Revision, revision
from ricochetdb.domain.validation import as_utc, check_collection, check_name

if TYPE_CHECKING:  # the summary machinery loads only when a stream stops or is summarised
    from ricochetdb.domain.stream_summary import StreamSummary
logger = logging.getLogger(__name__)
RETRIES = 5


class _Book(Generic[R]):
    """Get/list/create/update/delete plus a retrying read-modify-write on one record, each change with its revision."""

    kind: str

    def __init__(self, store: Store, repository: RecordRepository[R], collection: str, user: str = "") -> None:
        self.store = store
        self.repository = repository
        self.collection = collection
        self.user = user

    def get(self, name: str) -> R:
        """The record, or RecordNotFound naming the collection."""
        check_name(name, self.kind)
        record = self.repository.get(name)
        if record is None:
            raise RecordNotFound(f"{self.kind} {name!r}", "name", f"does not exist in {self.collection!r}")
        return record

    def list(self) -> list[R]:
        return self.repository.list()

    def history(self, name: str) -> builtins.list[Revision]:
        """Every kept revision of the record, oldest first (also once deleted); RecordNotFound if none and no record."""
        check_name(name, self.kind)
        kept = self.repository.revisions(name)
        if not kept:
            self.get(name)
        return kept

    def update(self, name: str, changes: Mapping[str, Any]) -> R:
        """Correct the fields that may change after creation; the revision keeps what they were."""
        return self._change(name, lambda record: _update(record, changes), "update")

    def delete(self, name: str) -> R:
        """Remove a record created by mistake (refused once others refer to it); its revisions stay."""
        for _ in range(RETRIES):
            record = self.get(name)
            self._refuse_delete(record)
            kept = revision(self.kind, self.collection, "delete", self.user, self._now(), record, None, record.revision)
            try:
                self.repository.delete(record, kept)
            except ConcurrentUpdate:
                continue
            return record
        raise ConcurrentUpdate(f"{self.kind} {name!r}", "revision", f"changed by others {RETRIES} times in a row")

    def _refuse_delete(self, record: R) -> None:
        """Raise StateError if something refers to the record (nothing by default)."""

    def _check(self, record: R, before: R | None) -> None:
        """Rules that need the store, checked on what a change brings before it is written (none by default)."""

    def _now(self) -> datetime:
        return self.store.clock.now()

    def _add(self, record: R) -> R:
        self._check(record, None)
        kept = revision(self.kind, self.collection, "create", self.user, self._now(), None, record, 1)
        try:
            self.repository.add(record, kept)
        except DuplicateRecord:
            raise DuplicateRecord(
                f"{self.kind} {record.name!r}", "name", f"already exists in {self.collection!r}"
            ) from None
        return record

    def _change(self, name: str, mutate: Callable[[R], None], action: str) -> R:
        """Apply ``mutate`` to the freshest copy until the compare-and-set succeeds (no change: nothing written)."""
        when = self._now()
        for _ in range(RETRIES):
            record = self.get(name)
            before = copy.deepcopy(record)
            mutate(record)
            self._check(record, before)
            kept = revision(self.kind, self.collection, action, self.user, when, before, record, record.revision + 1)
            if not kept.before and not kept.after:
                return record
            try:
                self.repository.save(record, kept)
            except ConcurrentUpdate:
                continue
            return record
        raise ConcurrentUpdate(f"{self.kind} {name!r}", "revision", f"changed by others {RETRIES} times in a row")


def _update(record: Any, changes: Mapping[str, Any]) -> None:
    record.update(changes)


class DatedBook(_Book[R]):
    """Start and stop for runs and streams; the default date is the store's clock, a future one is refused."""

    def _when(self, name: str, when: datetime | None, field: str, allow_future: bool) -> datetime:
        now = self._now()
        if when is None:
            return now
        moment = as_utc(when, f"{self.kind} {name!r}", field)
        if not allow_future:
            check_not_future(moment, now, f"{self.kind} {name!r}", field)
        return moment

    def start(self, name: str, when: datetime | None = None, allow_future: bool = False) -> R:
        moment = self._when(name, when, "start_date", allow_future)
        return self._change(name, lambda record: _dated(record).start(moment), "start")

    def stop(self, name: str, when: datetime | None = None, allow_future: bool = False) -> R:
        moment = self._when(name, when, "stop_date", allow_future)
        return self._change(name, lambda record: _dated(record).stop(moment), "stop")

    def _create(self, record: R, allow_future: bool) -> R:
        dated = _dated(record)
        if not allow_future:
            now = self._now()
            for field in ("start_date", "stop_date"):
                moment = getattr(dated, field)
                if moment is not None:
                    check_not_future(moment, now, dated.label, field)
        return self._add(record)


def _dated(record: Any) -> Dated:
    assert isinstance(record, Dated)
    return record


def _unknown(store: Store, collection: str, names: Sequence[str], record: str, field: str) -> None:
    """Refuse detector names that are not in the detector collection, naming it."""
    if not names:
        return
    known = store.detectors(collection).existing(list(names))
    missing = [name for name in names if name not in known]
    if missing:
        raise ValidationError(record, field, f"unknown in {collection!r}: {', '.join(missing)}")


class DetectorBook(_Book[Detector]):
    """Detectors of one collection (e.g. ``lio_detector_info``).

    ``used_by`` names the run and stream books whose records may refer to these detectors: a
    detector one of them names is not deleted.
    """

    kind = "detector"

    def __init__(
        self, store: Store, collection: str, user: str = "", used_by: Sequence[RunBook | StreamBook] = ()
    ) -> None:
        super().__init__(store, store.detectors(check_collection(collection)), collection, user)
        self.used_by = list(used_by)

    def create(self, data: Mapping[str, Any]) -> Detector:
        """Validate and insert; a duplicate name is refused with nothing written."""
        return self._add(Detector.from_dict(data))

    def _refuse_delete(self, record: Detector) -> None:
        for book in self.used_by:
            users = [other.name for other in book.list() if record.name in other.detector_names]
            if users:
                raise StateError(
                    f"detector {record.name!r}",
                    "name",
                    f"is named by {book.kind} {', '.join(map(repr, users))} in {book.collection!r}: not deleted",
                )


class RunBook(DatedBook[Run]):
    """Runs of one collection, naming detectors of another."""

    kind = "run"

    def __init__(self, store: Store, collection: str, detector_collection: str, user: str = "") -> None:
        super().__init__(store, store.runs(check_collection(collection)), collection, user)
        self.detector_collection = check_collection(detector_collection)

    def create(self, data: Mapping[str, Any], allow_future: bool = False) -> Run:
        """Validate, check every detector exists, then insert (a future start or stop needs ``allow_future``)."""
        return self._create(Run.from_dict(data), allow_future)

    def _check(self, record: Run, before: Run | None) -> None:
        if before is None:
            _unknown(self.store, self.detector_collection, record.detector_names, record.label, "detector")


class StreamBook(DatedBook[Stream]):
    """Streams of one collection, with detectors, history and temperature added once finished.

    With a ``detector_collection``, every detector a stream names (``channel_config[].det_name``,
    added detectors, history records) must exist there, as for runs.
    """

    kind = "stream"

    def __init__(self, store: Store, collection: str, detector_collection: str | None = None, user: str = "") -> None:
        super().__init__(store, store.streams(check_collection(collection)), collection, user)
        self.detector_collection = None if detector_collection is None else check_collection(detector_collection)

    def create(self, data: Mapping[str, Any], allow_future: bool = False) -> Stream:
        """Validate, check the detectors it names, then insert (a future start or stop needs ``allow_future``)."""
        return self._create(Stream.from_dict(data), allow_future)

    def _check(self, record: Stream, before: Stream | None) -> None:
        if self.detector_collection is None:
            return
        known = [] if before is None else before.detector_names
        brought = [name for name in record.detector_names if name not in known]
        _unknown(self.store, self.detector_collection, brought, record.label, "detector")

    def _refuse_delete(self, record: Stream) -> None:
        if record.history:
            raise StateError(record.label, "history", f"has {len(record.history)} history records: not deleted")

    def add_detector(self, name: str, channel_config: Any, acq_config: Any, bbox_status: Any) -> Stream:
        entry = StreamDetector.create(name, channel_config, acq_config, bbox_status)
        return self._change(name, lambda stream: stream.add_detector(entry), "add-detector")

    def add_history_record(
        self,
        timestamp: datetime,
        name: str,
        detector_name: str,
        label: str,
        code_commit: str,
        description: str = "",
        processing_status: float | None = None,
        processing_conf: dict[str, Any] | None = None,
    ) -> Stream:
        entry = HistoryRecord.create(
            name, timestamp, detector_name, label, code_commit, description, processing_status, processing_conf
        )
        return self._change(name, lambda stream: stream.add_history(entry), "add-history")

    def add_temperature(self, name: str, mean_temp: float, std_temp: float) -> Stream:
        """Set the stream's temperature; setting it again keeps the earlier value in the revisions."""
        temperature = Temperature.create(name, mean_temp, std_temp)
        return self._change(name, lambda stream: stream.set_temperature(temperature), "temperature")

    def compute_temperature(self, name: str, readings_collection: str, label: str, device: str | None = None) -> Stream:
        """Mean/std of a thermometer's readings between the stream's start and stop, from the rollups."""
        stream = self.get(name)
        if stream.start_date is None or stream.stop_date is None:
            raise ValidationError(stream.label, "stop_date", "needs a start and a stop date to compute its temperature")
        from ricochetdb.application.stream_summaries import window_stats

        stats = window_stats(self.store, readings_collection, label, stream.start_date, stream.stop_date, device)
        if stats is None or not math.isfinite(stats.mean):
            raise ValidationError(
                stream.label, "temperature", f"no numeric {label!r} readings in {readings_collection!r} during it"
            )
        return self.add_temperature(name, stats.mean, stats.std)

    def stop(self, name: str, when: datetime | None = None, allow_future: bool = False) -> Stream:
        """Stop the stream and keep its slow-control summary in the same change (if it cannot be computed,
        the stream stops without one: logged, and ``summary`` computes it later)."""
        moment = self._when(name, when, "stop_date", allow_future)
        summary = self._summary_until(name, moment)

        def finish(stream: Stream) -> None:
            stream.stop(moment)
            if summary is not None:
                stream.set_summary(summary)

        return self._change(name, finish, "stop")

    def _summary_until(self, name: str, moment: datetime) -> StreamSummary | None:
        stream = self.get(name)
        if stream.start_date is None or moment < stream.start_date:
            return None  # the stop is refused anyway
        from ricochetdb.application.stream_summaries import summarize_window

        try:
            return summarize_window(self.store, stream.start_date, moment, self.store.reading_collections())
        except RicochetError as error:
            logger.warning("stream %r: its summary was not computed at stop: %s", name, error)
            return None

    def summary(
        self,
        name: str,
        collections: Sequence[str] | None = None,
        recompute: bool = False,
        interval: float | None = None,
    ) -> StreamSummary:
        """The slow-control summary over [start, stop] (now while running) of ``collections`` (default: every
        readings collection): the one kept, else computed, and kept once the stream has stopped."""
        summary = self._summarized(name, collections, recompute, interval).summary
        assert summary is not None
        return summary

    def _summarized(
        self, name: str, collections: Sequence[str] | None, recompute: bool, interval: float | None
    ) -> Stream:
        stream = self.get(name)
        if stream.summary is not None and not recompute and collections is None and interval is None:
            return stream
        if stream.start_date is None:
            raise ValidationError(stream.label, "start_date", "never started: nothing to summarise")
        from ricochetdb.application.stream_summaries import summarize_window

        chosen = self.store.reading_collections() if collections is None else list(collections)
        found = summarize_window(self.store, stream.start_date, stream.stop_date or self._now(), chosen, interval)
        if stream.running:
            stream.summary = found
            return stream
        return self._change(name, lambda record: record.set_summary(found), "summary")
