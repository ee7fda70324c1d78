"""Record revisions on MongoDB: one document per change in ``ricochetdb_revisions``, written after the change.

Without a replica set there is no multi-document transaction, so the revision is inserted right
after the record's single-document compare-and-set succeeded: a crash between the two loses that
revision (never the change itself). Revisions are read back oldest first.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from ricochetdb.adapters.mongo.collections import MongoContext, plain_text
from ricochetdb.adapters.mongo.documents import with_micros, without_micros
from ricochetdb.domain.revisions import Revision

REVISIONS = "ricochetdb_revisions"
ORDER = [("collection", ASCENDING), ("name", ASCENDING), ("timestamp", ASCENDING), ("_id", ASCENDING)]


class MongoRevisionLog:
    """The revisions of the records of one collection."""

    def __init__(self, context: MongoContext, collection: str) -> None:
        self.context = context
        self.name = collection
        self.revisions = context.database[REVISIONS]

    def keep(self, revision: Revision | None) -> None:
        if revision is None:
            return
        doc = with_micros(
            {
                "collection": revision.collection,
                "kind": revision.kind,
                "name": revision.name,
                "revision": revision.revision,
                "action": revision.action,
                "user": revision.user,
                "timestamp": revision.timestamp,
                "before": revision.before,
                "after": revision.after,
            }
        )
        with self.context.guard(REVISIONS, f"keeping the revision of {revision.kind} {revision.name!r}"):
            self.revisions.create_index(ORDER)
            self.revisions.insert_one(doc)

    def find(self, kind: str, name: str) -> list[Revision]:
        query: dict[str, Any] = {"collection": self.name, "kind": kind, "name": plain_text(name, "name")}
        with self.context.guard(REVISIONS, f"reading the revisions of {kind} {name!r}"):
            docs = list(self.revisions.find(query, {"_id": False}, sort=[("timestamp", 1), ("_id", 1)]))
        return [_revision(without_micros(doc)) for doc in docs]


def _revision(doc: dict[str, Any]) -> Revision:
    return Revision(
        doc["kind"],
        doc["collection"],
        doc["name"],
        doc["revision"],
        doc["action"],
        doc["user"],
        doc["timestamp"],
        doc["before"],
        doc["after"],
    )
