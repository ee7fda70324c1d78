"""The books of a local SQLite file opened read-only, for ``list``, ``show`` and ``show --history``.

Composed here rather than in the container so that these quick commands start without the
dependency-injector and SQLAlchemy stacks; they use the same use-cases as every other command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ricochetdb.adapters.sqlite.readonly import ReadOnlySqliteStore, read_only
from ricochetdb.application.bookkeeping import DetectorBook, RunBook, StreamBook


class ReadOnlyBooks:
    """``.detectors``, ``.runs`` and ``.streams`` of the configured collections, for reading."""

    def __init__(self, store: ReadOnlySqliteStore, collections: dict[str, str]) -> None:
        self.store = store
        self.collections = collections

    @property
    def detectors(self) -> DetectorBook:
        return DetectorBook(self.store, self.collections["detectors"])

    @property
    def runs(self) -> RunBook:
        return RunBook(self.store, self.collections["runs"], self.collections["detectors"])

    @property
    def streams(self) -> StreamBook:
        return StreamBook(self.store, self.collections["streams"], self.collections["detectors"])


@contextmanager
def open_records(path: str, collections: dict[str, str]) -> Iterator[ReadOnlyBooks]:
    """The books of the SQLite file at ``path``, which must exist."""
    with read_only(path) as store:
        yield ReadOnlyBooks(store, collections)
