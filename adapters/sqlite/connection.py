"""What every SQLite repository shares: the engine, its collection, and a transaction that names the failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from ricochetdb.domain.errors import DamagedFile, StoreUnavailable


@contextmanager
def transaction(engine: Engine, where: str) -> Iterator[Connection]:
    """One transaction; SQLite's failures become StoreUnavailable (try later) or DamagedFile (waiting won't help)."""
    try:
        with engine.begin() as connection:
            yield connection
    except IntegrityError:  # a broken constraint is the caller's to name (a duplicate record, say)
        raise
    except OperationalError as error:  # locked, disk full, I/O error: the file cannot take it now
        raise StoreUnavailable(where, "", str(error.orig)) from None
    except DatabaseError as error:  # malformed
        raise DamagedFile(where, "", str(error.orig)) from None


class Tables:
    """One collection of the SQLite file."""

    def __init__(self, engine: Engine, collection: str) -> None:
        self.engine = engine
        self.collection = collection

    def begin(self) -> AbstractContextManager[Connection]:
        return transaction(self.engine, f"sqlite collection {self.collection!r}")
