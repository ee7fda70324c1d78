"""What every store's document view shares: the user-visible shape of records, and filtering with a limit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ricochetdb.adapters.documents import Document
from ricochetdb.domain.query import Query

STORAGE_FIELDS = frozenset({"_id", "revision"})


def record_view(stored: Document) -> Document:
    """A stored record as users query it: without ``_id`` and ``revision``."""
    return {key: value for key, value in stored.items() if key not in STORAGE_FIELDS}


def matching(documents: Iterable[Document], query: Query, limit: int | None) -> Iterator[Document]:
    """The documents matching ``query``, stopping after ``limit`` (None: all)."""
    if limit is not None and limit <= 0:
        return
    count = 0
    for document in documents:
        if query.matches(document):
            yield document
            count += 1
            if limit is not None and count >= limit:
                return
