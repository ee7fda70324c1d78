"""The document-query use-case: a pymongo-style filter over any collection, validated before it reaches a store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ricochetdb.application.ports import Store
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.query import parse_query
from ricochetdb.domain.validation import check_collection


class DocumentFinder:
    """Documents of one collection matching a filter (``$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or``)."""

    def __init__(self, store: Store, collection: str) -> None:
        self.collection = check_collection(collection)
        self.queries = store.documents(self.collection)

    def find(self, query: Any = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Matching documents, lazily; ``limit`` None or 0 means all. A bad filter is refused before any read."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValidationError("query", "limit", f"must be a non-negative integer, got {limit!r}")
        return self.queries.find(parse_query(query), limit or None)
