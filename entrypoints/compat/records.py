"""The original record managers (detectors, runs, streams) over the core's books; naive dates are UTC."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Any

from ricochetdb.application.bookkeeping import DatedBook, DetectorBook, RunBook, StreamBook
from ricochetdb.entrypoints.compat.database import Database
from ricochetdb.entrypoints.compat.dates import aware


class RecordManager(abc.ABC):
    """Abstract class managing the creation and storage of documents in the database."""

    def __init__(self, collection_name: str) -> None:
        self.collection_name = collection_name

    @abc.abstractmethod
    def create(self, record_dict: dict[str, Any]) -> None:
        """Insert a new record; RuntimeError if a mandatory field is missing or the name is taken."""


class DatedRecordManager(RecordManager):
    """Records with a start and a stop date (runs, streams); dates default to the database's time."""

    @abc.abstractmethod
    def _book(self) -> DatedBook[Any]:
        """The core book of this collection, on the configured database."""

    def start(self, record_name: str, start_date: datetime | None = None) -> None:
        """Set the start date (default: now, from the database server); RuntimeError if unknown or started."""
        self._book().start(record_name, aware(start_date))

    def stop(self, record_name: str, stop_date: datetime | None = None) -> None:
        """Set the stop date (default: now, from the database server); RuntimeError if unknown or stopped."""
        self._book().stop(record_name, aware(stop_date))


class DetectorManager(RecordManager):
    """Detectors: ``create({'name', 'acq_config', 'channel_config', 'status', ...})``."""

    def _book(self) -> DetectorBook:
        return Database.get_database().connection().detector_book(self.collection_name)

    def create(self, record_dict: dict[str, Any]) -> None:
        self._book().create(aware(record_dict))


class RunManager(DatedRecordManager):
    """Runs of ``collection_name`` naming detectors of ``dcn`` (the detector collection)."""

    def __init__(self, collection_name: str, dcn: str) -> None:
        super().__init__(collection_name)
        self.dcn = dcn

    def _book(self) -> RunBook:
        return Database.get_database().connection().run_book(self.collection_name, self.dcn)

    def create(self, record_dict: dict[str, Any]) -> None:
        """Insert a run (``name`` and ``detector`` mandatory; every detector must exist in ``dcn``)."""
        self._book().create(aware(record_dict))


class StreamManager(DatedRecordManager):
    """Streams of ``collection_name``; ``dcn`` (the detector collection) is kept for the original's signature."""

    def __init__(self, collection_name: str, dcn: str) -> None:
        super().__init__(collection_name)
        self.dcn = dcn

    def _book(self) -> StreamBook:
        return Database.get_database().connection().stream_book(self.collection_name)

    def create(self, record_dict: dict[str, Any]) -> None:
        """Insert a stream (``name``, ``acq_config``, ``channel_config``, ``comment`` mandatory)."""
        self._book().create(aware(record_dict))

    def add_detector(
        self, stream_name: str, channel_config: dict[str, Any], acq_config: dict[str, Any], bbox_status: dict[str, Any]
    ) -> None:
        """Add a detector to a finished stream; RuntimeError if unknown, running or already there."""
        self._book().add_detector(stream_name, aware(channel_config), aware(acq_config), aware(bbox_status))

    def add_history_record(
        self,
        timestamp: datetime,
        stream_name: str,
        detector_name: str,
        label: str,
        code_commit: str,
        description: str = "",
        processing_status: float | None = None,
        processing_conf: dict[str, Any] | None = None,
    ) -> None:
        """Append a processing history record to a finished stream; RuntimeError if unknown or running."""
        self._book().add_history_record(
            aware(timestamp),
            stream_name,
            detector_name,
            label,
            code_commit,
            description,
            processing_status,
            aware(processing_conf),
        )

    def add_temperature(self, stream_name: str, mean_temp: float, std_temp: float) -> None:
        """Record the stream's mean and standard deviation of the 4 K temperature; RuntimeError if running."""
        self._book().add_temperature(stream_name, mean_temp, std_temp)
