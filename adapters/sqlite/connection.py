"""What every SQLite repository shares: the engine, its collection, and a transaction that names the failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from ricochetdb.domain.errors import StoreUnavailable


class Tables:
    """One collection of the SQLite file; ``begin`` turns SQLite's operational errors into StoreUnavailable."""

    def __init__(self, engine: Engine, collection: str) -> None:
        self.engine = engine
        self.collection = collection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as error:
            raise StoreUnavailable(f"sqlite collection {self.collection!r}", "", str(error.orig)) from None
