"""Use-cases of the books: detectors, runs and streams, with their lifecycle rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic

from ricochetdb.application.ports import R, RecordRepository, Store
from ricochetdb.domain.errors import ConcurrentUpdate, DuplicateRecord, RecordNotFound, ValidationError
from ricochetdb.domain.records import Dated, Detector, HistoryRecord, Run, Stream, StreamDetector, Temperature
from ricochetdb.domain.validation import as_utc, check_collection, check_name

RETRIES = 5


class _Book(Generic[R]):
    """Get/list/create plus a retrying read-modify-write on one record."""

    kind: str

    def __init__(self, store: Store, repository: RecordRepository[R], collection: str) -> None:
        self.store = store
        self.repository = repository
        self.collection = collection

    def get(self, name: str) -> R:
        """The record, or RecordNotFound naming the collection."""
        check_name(name, self.kind)
        record = self.repository.get(name)
        if record is None:
            raise RecordNotFound(f"{self.kind} {name!r}", "name", f"does not exist in {self.collection!r}")
        return record

    def list(self) -> list[R]:
        return self.repository.list()

    def _add(self, record: R) -> R:
        try:
            self.repository.add(record)
        except DuplicateRecord:
            raise DuplicateRecord(
                f"{self.kind} {record.name!r}", "name", f"already exists in {self.collection!r}"
            ) from None
        return record

    def _change(self, name: str, mutate: Callable[[R], None]) -> R:
        """Apply ``mutate`` to the freshest copy until the compare-and-set succeeds."""
        for _ in range(RETRIES):
            record = self.get(name)
            mutate(record)
            try:
                self.repository.save(record)
            except ConcurrentUpdate:
                continue
            return record
        raise ConcurrentUpdate(f"{self.kind} {name!r}", "revision", f"changed by others {RETRIES} times in a row")


class DatedBook(_Book[R]):
    """Start and stop for runs and streams; the default date is the store's clock."""

    def _when(self, when: datetime | None, field: str) -> datetime:
        return self.store.clock.now() if when is None else as_utc(when, self.kind, field)

    def start(self, name: str, when: datetime | None = None) -> R:
        moment = self._when(when, "start_date")
        return self._change(name, lambda record: _dated(record).start(moment))

    def stop(self, name: str, when: datetime | None = None) -> R:
        moment = self._when(when, "stop_date")
        return self._change(name, lambda record: _dated(record).stop(moment))


def _dated(record: Any) -> Dated:
    assert isinstance(record, Dated)
    return record


class DetectorBook(_Book[Detector]):
    """Detectors of one collection (e.g. ``lio_detector_info``)."""

    kind = "detector"

    def __init__(self, store: Store, collection: str) -> None:
        super().__init__(store, store.detectors(check_collection(collection)), collection)

    def create(self, data: Mapping[str, Any]) -> Detector:
        """Validate and insert; a duplicate name is refused with nothing written."""
        return self._add(Detector.from_dict(data))


class RunBook(DatedBook[Run]):
    """Runs of one collection, naming detectors of another."""

    kind = "run"

    def __init__(self, store: Store, collection: str, detector_collection: str) -> None:
        super().__init__(store, store.runs(check_collection(collection)), collection)
        self.detector_collection = check_collection(detector_collection)

    def create(self, data: Mapping[str, Any]) -> Run:
        """Validate, check every detector exists, then insert."""
        run = Run.from_dict(data)
        known = self.store.detectors(self.detector_collection).existing(run.detector_names)
        missing = [name for name in run.detector_names if name not in known]
        if missing:
            raise ValidationError(
                f"run {run.name!r}", "detector", f"unknown in {self.detector_collection!r}: {', '.join(missing)}"
            )
        return self._add(run)


class StreamBook(DatedBook[Stream]):
    """Streams of one collection, with detectors, history and temperature added once finished."""

    kind = "stream"

    def __init__(self, store: Store, collection: str) -> None:
        super().__init__(store, store.streams(check_collection(collection)), collection)

    def create(self, data: Mapping[str, Any]) -> Stream:
        return self._add(Stream.from_dict(data))

    def add_detector(self, name: str, channel_config: Any, acq_config: Any, bbox_status: Any) -> Stream:
        entry = StreamDetector.create(name, channel_config, acq_config, bbox_status)
        return self._change(name, lambda stream: stream.add_detector(entry))

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
        return self._change(name, lambda stream: stream.add_history(entry))

    def add_temperature(self, name: str, mean_temp: float, std_temp: float) -> Stream:
        temperature = Temperature.create(name, mean_temp, std_temp)
        return self._change(name, lambda stream: stream.set_temperature(temperature))

    def compute_temperature(self, name: str, readings_collection: str, label: str, device: str | None = None) -> Stream:
        """Mean/std of a thermometer's readings between the stream's start and stop, by the store."""
        stream = self.get(name)
        if stream.start_date is None or stream.stop_date is None:
            raise ValidationError(stream.label, "stop_date", "needs a start and a stop date to compute its temperature")
        stats = self.store.readings(check_collection(readings_collection)).stats(
            label, stream.start_date, stream.stop_date, device
        )
        if stats.count == 0 or stats.mean is None or stats.std is None or not math.isfinite(stats.mean):
            raise ValidationError(
                stream.label, "temperature", f"no numeric {label!r} readings in {readings_collection!r} during it"
            )
        return self.add_temperature(name, stats.mean, stats.std)
