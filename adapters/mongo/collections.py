"""What every MongoDB repository shares: the error guard, the context, index setup, sequences."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any, ClassVar

from bson import CodecOptions
from bson.errors import InvalidDocument
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, PyMongoError

from ricochetdb.adapters.mongo.indexes import SEQUENCES, CollectionSetup, Kind
from ricochetdb.adapters.uris import redact
from ricochetdb.domain.errors import (
    StoreUnavailable,
    ValidationError,
)
from ricochetdb.domain.validation import check_collection

CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)
DUPLICATE_KEY = 11000
NOT_FINITE = [float("nan"), float("inf"), float("-inf")]


def _first_part(text: str) -> str:
    """pymongo's message without its topology dump, which says nothing more to a person."""
    for tail in (" (configured timeouts", ", Topology Description"):
        text = text.split(tail, 1)[0]
    return text


class Guard:
    """Turns driver errors into StoreUnavailable (or ValidationError) whose text never holds the password."""

    def __init__(self, where: str, secrets: set[str]) -> None:
        self.where = where
        self._secrets = sorted(secrets, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every URI password, and the store's own password anywhere, replaced by ``***``."""
        text = redact(text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def __call__(self, collection: str, what: str) -> Iterator[None]:
        try:
            yield
        except (InvalidDocument, OverflowError) as error:
            raise ValidationError(f"{what} in {collection!r}", "", self.scrub(str(error))) from None
        except PyMongoError as error:
            reason = f"{what} failed: {type(error).__name__}: {self.scrub(_first_part(str(error)))}"
            raise StoreUnavailable(f"MongoDB {self.where}", collection, reason) from None


@dataclass(frozen=True)
class MongoContext:
    database: Database[dict[str, Any]]
    guard: Guard
    setup: CollectionSetup


def plain_text(value: Any, what: str) -> str:
    """A query value that must be plain text, never a dict a driver would read as an operator."""
    if not isinstance(value, str):
        raise ValidationError("query", what, f"must be text, not {type(value).__name__}")
    return value


def duplicate_positions(error: BulkWriteError) -> set[int]:
    """Positions of the duplicates (already delivered) of an unordered bulk insert; re-raise any other failure."""
    details = error.details
    if details.get("writeConcernErrors") or any(e["code"] != DUPLICATE_KEY for e in details["writeErrors"]):
        raise error
    return {e["index"] for e in details["writeErrors"]}


class MongoCollection:
    kind: ClassVar[Kind]

    def __init__(self, context: MongoContext, name: str) -> None:
        self.name = check_collection(name)
        self.collection: Collection[dict[str, Any]] = context.database[self.name]
        self.context = context

    def _guard(self, what: str) -> Any:
        return self.context.guard(self.name, what)

    def _prepare(self) -> bool:
        with self._guard("creating indexes"):
            return self.context.setup.prepare(self.name, self.kind)

    def _reserve(self, count: int) -> int:
        """The first of ``count`` new ``_seq`` numbers: one atomic ``$inc`` of this collection's counter."""
        counter = self.context.database[SEQUENCES].find_one_and_update(
            {"_id": self.name}, {"$inc": {"next": count}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        if counter is None:
            raise StoreUnavailable(f"MongoDB {SEQUENCES}", self.name, "the sequence counter was not created")
        first: int = counter["next"] - count
        return first
