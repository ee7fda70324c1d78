"""``Database``: the original module's connection singleton, on any ricochetdb store (MongoDB or SQLite)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ricochetdb.adapters.uris import parse_store_uri, redact
from ricochetdb.application.documents import DocumentFinder
from ricochetdb.application.polling import Poller
from ricochetdb.domain.devices import LabelMapping
from ricochetdb.domain.errors import RicochetError, StoreUnavailable
from ricochetdb.domain.flat_readings import DEFAULT_DEVICE
from ricochetdb.domain.query import parse_query
from ricochetdb.domain.readings import ClockSource
from ricochetdb.entrypoints.api import Ricochet, connect
from ricochetdb.entrypoints.compat.dates import aware, naive
from ricochetdb.entrypoints.container import FacadeContainer

logger = logging.getLogger(__name__)


class Cursor:
    """The result of ``Collection.find``: iterate it, after ``limit(n)`` if wanted, like a pymongo cursor."""

    def __init__(self, finder: DocumentFinder, query: Any) -> None:
        self._finder = finder
        self._query = query
        self._limit = 0
        self._documents: Iterator[dict[str, Any]] | None = None

    def limit(self, limit: int) -> Cursor:
        """Return at most ``limit`` documents (0: all); only before iterating."""
        if self._documents is not None:
            raise RicochetError("cursor", "limit", "cannot be set once iteration has started")
        self._limit = limit
        return self

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._documents is None:
            self._documents = self._finder.find(self._query, self._limit)
        document: dict[str, Any] = naive(next(self._documents))
        return document


class Collection:
    """A collection of the configured database, queried with pymongo's filter language (a safe subset)."""

    def __init__(self, finder: DocumentFinder) -> None:
        self._finder = finder
        self.name = finder.collection

    def find(self, filter: Any = None, limit: int = 0) -> Cursor:
        """A cursor on the documents matching ``filter``; naive datetimes in the filter are UTC."""
        query = aware(filter)
        parse_query(query)  # refuse a bad filter here, as early as pymongo would
        return Cursor(self._finder, query).limit(limit)

    def find_one(self, filter: Any = None) -> dict[str, Any] | None:
        """The first matching document, or None."""
        return next(self.find(filter, 1), None)


class Database:
    """Connection singleton: ``Database.get_database()``, then ``set_address`` and ``set_db_name``.

    ``set_address`` takes ``mongodb://...`` (or ``mongodb+srv://``) and ``sqlite:///path`` (an
    offline laptop). The connection opens on first use and reopens after ``close``.
    """

    handler: Database | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.address: str | None = None
        self.db_name: str | None = None
        self._ricochet: Ricochet | None = None

    @classmethod
    def get_database(cls) -> Database:
        """Class Method. Retrieve the handler on the database object."""
        with cls._lock:
            if cls.handler is None:
                cls.handler = cls()
            return cls.handler

    def set_address(self, address: str) -> None:
        """Set the address: ``mongodb://<USER>:<PASSWORD>@host:<PORT>/<DB_NAME>`` or ``sqlite:///path``."""
        parse_store_uri(address)
        self.close()
        self.address = address

    def set_db_name(self, name: str) -> None:
        """Set the name of the database (MongoDB; ignored by SQLite, whose file is the database)."""
        self.close()
        self.db_name = name

    def is_configured(self) -> bool:
        """True once an address is set and, for MongoDB, a database is named (here or in the URI)."""
        if self.address is None:
            return False
        if parse_store_uri(self.address).kind != "mongo":
            return True
        return bool(self.db_name or urlsplit(self.address).path.strip("/"))

    def connection(self) -> Ricochet:
        """The open connection (opened now if needed); RuntimeError if not configured."""
        if not self.is_configured() or self.address is None:
            raise RicochetError("Database", "address", "not configured: call set_address (and set_db_name)")
        if self._ricochet is None:
            self._ricochet = connect(self.address, self.db_name)
            logger.info("connected to %s", self._ricochet.describe())
        return self._ricochet

    def get_db_timestamp(self) -> datetime:
        """The database server's date and time, naive UTC (the local clock for SQLite)."""
        moment: datetime = naive(self.connection().now())
        return moment

    def close(self) -> None:
        """Close the connection (the next use reopens it)."""
        if self._ricochet is not None:
            self._ricochet.close()
            self._ricochet = None

    def upload(self, data: Any, collection: str, bulk_size: int = 1000) -> int:
        """Store flat reading dicts (timestamp and fields; ``device`` optional, else ``external``): all or none.

        Returns how many values were new.
        """
        book = self.connection().reading_book(collection)
        return book.add_documents(aware(data), bulk_size, default_device=DEFAULT_DEVICE).new

    def get_collection(self, col: str) -> Collection:
        """The collection ``col``, with pymongo-style ``find(query).limit(n)``."""
        return Collection(DocumentFinder(self.connection().store, col))

    def __repr__(self) -> str:
        address = None if self.address is None else redact(self.address)
        return f"Database(address={address!r}, db_name={self.db_name!r})"


class DatabaseClock:
    """The configured database's clock, for stamping readings; unavailable (so: the local clock) if unconfigured.

    ``source`` tells whose clock gave the last ``now()``: the server's (MongoDB) or the local one (SQLite).
    """

    def __init__(self) -> None:
        self.source: ClockSource = "local"

    def now(self) -> datetime:
        database = Database.get_database()
        if not database.is_configured():
            self.source = "local"
            raise StoreUnavailable("Database", "address", "not configured")
        ricochet = database.connection()
        moment = ricochet.now()
        self.source = ricochet.store.clock.source
        return moment


def facade_poller(mapping: LabelMapping) -> Poller:
    """A poller stamping with the configured database's clock (the local one, flagged, if none), from the container."""
    poller: Poller = FacadeContainer(clock=DatabaseClock()).poller(mapping=mapping)
    return poller
