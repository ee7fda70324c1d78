"""The embeddable API: ``ricochetdb.connect(uri)`` gives the use-cases on one store, all built by the container."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from ricochetdb.adapters.uris import redact
from ricochetdb.application.bookkeeping import DetectorBook, RunBook, StreamBook
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.ingest import ProcessingLoader
from ricochetdb.application.ports import ReplayReport, SetAside, Shelf, Spool, Store
from ricochetdb.application.readings import ReadingBook
from ricochetdb.application.replay import replay, retry_set_aside
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.container import Container, build_container
from ricochetdb.entrypoints.defaults import os_user

if TYPE_CHECKING:
    from ricochetdb.application.alarms_desk import AlarmDesk
    from ricochetdb.application.poll_loop import Observer, PollLoop
    from ricochetdb.application.polling import Poller
    from ricochetdb.entrypoints.devices_config import PollConfig


class Ricochet:
    """One connection: ``.detectors``, ``.runs``, ``.streams``, ``.daq``, ``.readings`` on the default
    collections, and ``*_book(collection)`` for any other collection. Use it as a context manager.

    A record is corrected with ``book.update(name, changes)``, removed with ``book.delete(name)``, and
    its revisions (who: ``.user``, the OS user; when: database time; fields before/after) are read with
    ``book.history(name)``."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.collections: dict[str, str] = container.config.collections()
        self.user = os_user()

    @property
    def store(self) -> Store:
        store: Store = self.container.store()
        return store

    @property
    def spool(self) -> Spool | None:
        """The local spool in front of MongoDB, or None (SQLite, or MongoDB without a spool)."""
        spool: Spool | None = self.container.spool()
        return spool

    @property
    def detectors(self) -> DetectorBook:
        return self.detector_book(self.collections["detectors"])

    @property
    def runs(self) -> RunBook:
        return self.run_book(self.collections["runs"], self.collections["detectors"])

    @property
    def streams(self) -> StreamBook:
        return self.stream_book(self.collections["streams"], self.collections["detectors"])

    @property
    def daq(self) -> DaqLogger:
        return self.daq_logger(self.collections["daq"])

    @property
    def readings(self) -> ReadingBook:
        return self.reading_book(self.collections["readings"])

    def detector_book(self, collection: str) -> DetectorBook:
        """Detectors of ``collection``; one named by a run or stream of the default collections is not deleted."""
        book: DetectorBook = self.container.detectors(
            collection=collection, user=self.user, used_by=[self.runs, self.streams]
        )
        return book

    def run_book(self, collection: str, detector_collection: str) -> RunBook:
        book: RunBook = self.container.runs(
            collection=collection, detector_collection=detector_collection, user=self.user
        )
        return book

    def stream_book(self, collection: str, detector_collection: str | None = None) -> StreamBook:
        """Streams of ``collection``; with ``detector_collection``, the detectors they name must exist there."""
        book: StreamBook = self.container.streams(
            collection=collection, detector_collection=detector_collection, user=self.user
        )
        return book

    def daq_logger(self, collection: str) -> DaqLogger:
        logger: DaqLogger = self.container.daq(collection=collection)
        return logger

    def reading_book(self, collection: str) -> ReadingBook:
        book: ReadingBook = self.container.readings(collection=collection)
        return book

    @property
    def processing(self) -> ProcessingLoader:
        """The processing-results loader of the default collection (``processing_results``)."""
        return self.processing_loader(self.collections["processing"])

    def processing_loader(self, collection: str) -> ProcessingLoader:
        """Results of ``collection``; a result for a stream missing from the default stream collection is rejected."""
        loader: ProcessingLoader = self.container.processing(collection=collection, streams=self.streams)
        return loader

    def poller(self, config: PollConfig) -> Poller:
        """A poller of the configured devices, stamping with this store's clock; close it when done."""
        poller: Poller = self.container.poller(config=config)
        return poller

    def poll_loop(self, config: PollConfig, observers: Sequence[Observer] = ()) -> PollLoop:
        """The main job: the configured devices polled into this store every interval; close its poller when done."""
        loop: PollLoop = self.container.poll_loop(config=config, observers=observers)
        return loop

    def left_open(self) -> list[str]:
        """Runs and streams started and never stopped (after a crash, say), with their start dates."""
        books: list[RunBook | StreamBook] = [self.runs, self.streams]
        return [
            f"{record.label} running since {record.start_date.isoformat(timespec='seconds')}"
            for book in books
            for record in book.list()
            if record.running and record.start_date is not None
        ]

    def spool_pending(self) -> dict[str, int]:
        """Items waiting in the spool per ``kind:collection`` (empty without a spool)."""
        spool = self.spool
        return {} if spool is None else spool.pending()

    def replay_spool(
        self, bulk_size: int = 1000, max_items: int | None = None, should_stop: Callable[[], bool] = lambda: False
    ) -> ReplayReport:
        """Deliver what the spool holds if the database answers (the poll loop does a little after each cycle)."""
        if isinstance(bulk_size, bool) or not isinstance(bulk_size, int) or bulk_size < 1:
            raise ValidationError("spool replay", "bulk_size", f"must be a positive integer, got {bulk_size!r}")
        spool = self.spool
        return ReplayReport() if spool is None else spool.replay(bulk_size, max_items, should_stop)

    def set_aside(self) -> list[SetAside]:
        """Items the database refused for a reason other than being away, waiting for a person."""
        shelf = self.shelf
        return [] if shelf is None else shelf.list()

    def retry_set_aside(self, number: int) -> int:
        """Store item ``number`` of the shelf again (it leaves the shelf once stored); how many values were new."""
        return retry_set_aside(self._shelf_or_refuse(), self.store, number)

    def discard_set_aside(self, number: int) -> None:
        """Forget item ``number`` of the shelf for good."""
        self._shelf_or_refuse().discard(number)

    def replay_file(self, path: str, bulk_size: int = 1000) -> ReplayReport:
        """Deliver, exactly once, what can still be read from a spool file (one moved aside as damaged, say)."""
        from ricochetdb.adapters.sqlite.archive import SqliteArchive
        from ricochetdb.adapters.sqlite.store import SqliteStore

        if not os.path.exists(path):
            raise ValidationError(f"spool file {path}", "", "does not exist")
        local = SqliteStore(path, prepare=False)
        try:
            return replay(SqliteArchive(local), self.store, bulk_size)
        finally:
            local.close()

    @property
    def alarms(self) -> AlarmDesk:
        """Alarm states, history and operator actions (ack, snooze, silence, modes) on the stored alarm log."""
        from ricochetdb.entrypoints.alarm_wiring import alarm_desk

        return alarm_desk(self.store)

    @property
    def shelf(self) -> Shelf | None:
        shelf: Shelf | None = self.container.shelf()
        return shelf

    def _shelf_or_refuse(self) -> Shelf:
        shelf = self.shelf
        if shelf is None:
            raise ValidationError("set-aside items", "", f"{self.describe()} keeps none (no spool, no SQLite file)")
        return shelf

    def now(self) -> datetime:
        """The database server's time (the local UTC clock for SQLite)."""
        return self.store.clock.now()

    def describe(self) -> str:
        return self.store.describe()

    def close(self) -> None:
        self.container.shutdown_resources()

    def __enter__(self) -> Ricochet:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ricochet({redact(self.container.config.store.uri())!r})"


def connect(
    uri: str | None = None,
    db_name: str | None = None,
    *,
    collections: dict[str, str] | None = None,
    timeout_ms: int = 3000,
    timeseries: bool = False,
    spool: str | None = None,
    retry_after: float = 10.0,
) -> Ricochet:
    """Open ``sqlite:///path``, ``mongodb://...`` or ``memory://`` (default: env RICOCHETDB_URI, else
    ``sqlite:///./ricochetdb.sqlite``). ``collections`` overrides names such as ``{"runs": "lio_run_info"}``.
    With MongoDB, readings, DAQ messages and device events go to the local ``spool`` file while the
    server is away (default env RICOCHETDB_SPOOL, else ./ricochetdb-spool.sqlite; "" disables), and the
    server is tried again ``retry_after`` seconds after a failure."""
    return Ricochet(build_container(uri, db_name, collections, timeout_ms, timeseries, spool, retry_after))
