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
from pymongo.errors import (
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
    WriteError,
)

from ricochetdb.adapters.mongo.indexes import SEQUENCES, CollectionSetup, Kind
from ricochetdb.adapters.uris import quotes_secret, redact
from ricochetdb.domain.errors import (
    StoreConfigurationError,
    StoreRefused,
    StoreUnavailable,
    ValidationError,
)
from ricochetdb.domain.validation import check_collection

CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)
DUPLICATE_KEY = 11000
NOT_FINITE = [float("nan"), float("inf"), float("-inf")]
# Server errors that say "not you" or "not this" (code: codeName, advice): waiting does not fix them,
# an operator does. After a refused login the driver reports the same error inside a server
# selection timeout, where only its text (with the codeName) is left.
REFUSALS = {
    11: ("UserNotFound", "unknown user: check the user name and authSource of the URI"),
    13: ("Unauthorized", "no right to do this on the database: grant the user readWrite on it"),
    18: ("AuthenticationFailed", "login refused: check the user name, password and authSource of the URI"),
    8000: ("AtlasError", "login refused: check the user name, password and authSource of the URI"),
}
# What the TLS layer says when a handshake can never succeed (a certificate, a protocol mismatch);
# a connection cut in the middle of a handshake is an outage like any other.
TLS_REFUSALS = (
    "CERTIFICATE_VERIFY_FAILED",
    "certificate verify failed",
    "WRONG_VERSION_NUMBER",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "TLSV1_ALERT",
    "SSLV3_ALERT",
)


def _first_part(text: str) -> str:
    """pymongo's message without its topology dump, which says nothing more to a person."""
    for tail in (" (configured timeouts", ", Topology Description"):
        text = text.split(tail, 1)[0]
    return text


def describe(error: BaseException) -> str:
    """A driver error in a few words: a bulk write's summary never quotes the documents it was given."""
    if isinstance(error, BulkWriteError):
        details = error.details
        errors = details.get("writeErrors") or details.get("writeConcernErrors") or [{}]
        first = errors[0]
        return f"{len(errors)} write error(s), the first: code {first.get('code')}: {first.get('errmsg', '')}"
    return _first_part(str(error)).split(", full error: ", 1)[0]


def uri_refusal(error: BaseException, secrets: set[str]) -> str:
    """Why the driver refuses a URI, unless its explanation quotes part of the password."""
    text = describe(error)
    if quotes_secret(text, secrets):
        return (
            f"is refused by the driver ({type(error).__name__}; its explanation quotes part of the password, so it "
            "is not shown): percent-encode the user name and password (urllib.parse.quote_plus)"
        )
    return f"is refused by the driver: {text}"


def refusal(error: PyMongoError, text: str) -> str | None:
    """Why the server (or the client's own configuration) refuses us for good; None for an outage.

    ``text`` is the error's message, already scrubbed of secrets.
    """
    if isinstance(error, ConfigurationError):
        return f"the client configuration is refused: {text}"
    if isinstance(error, OperationFailure) and error.code in REFUSALS:
        name, advice = REFUSALS[error.code]
        return f"{advice} ({name}): {text}"
    if not isinstance(error, ConnectionFailure):
        return None
    raw = str(error)
    for name, advice in REFUSALS.values():
        if f"'codeName': '{name}'" in raw:
            return f"{advice} ({name}): {text}"
    if any(marker in raw for marker in TLS_REFUSALS):
        return f"the TLS handshake is refused (check tls, tlsCAFile and the server's certificate): {text}"
    return None


def _documents_refused(error: PyMongoError) -> bool:
    """A write the server refused document by document for a rule of its own (a collection validator, say)."""
    if isinstance(error, BulkWriteError):
        details = error.details
        codes = [e.get("code") for e in details.get("writeErrors", [])]
        return bool(codes) and not details.get("writeConcernErrors") and not any(c in REFUSALS for c in codes)
    return isinstance(error, WriteError) and error.code not in REFUSALS


class Guard:
    """Turns driver errors into StoreUnavailable (an outage), StoreConfigurationError (a refusal of us that
    waiting does not fix), StoreRefused (documents the server's own rules refuse) or ValidationError (a
    document it cannot encode), never holding the password."""

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
            text = self.scrub(describe(error))
            if _documents_refused(error):
                raise StoreRefused(f"MongoDB {self.where}", collection, f"{what}: refused: {text}") from None
            refused = refusal(error, text)
            if refused is not None:
                raise StoreConfigurationError(f"MongoDB {self.where}", collection, f"{what}: {refused}") from None
            reason = f"{what} failed: {type(error).__name__}: {text}"
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
