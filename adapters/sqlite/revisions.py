"""The SQLite table of record revisions (who changed what, when), and its rows to revisions and back.

A revision is written in the same transaction as the change of the record it describes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, select

from ricochetdb.adapters.sqlite.tables import JsonText, metadata
from ricochetdb.domain.revisions import Revision
from ricochetdb.domain.validation import from_micros, to_micros

record_revisions = Table(
    "record_revisions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("collection", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("name", String, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String, nullable=False),
    Column("user", String, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("before", JsonText, nullable=False),
    Column("after", JsonText, nullable=False),
)
Index("ix_record_revisions_name", record_revisions.c.collection, record_revisions.c.name, record_revisions.c.seq)


def revision_row(revision: Revision) -> dict[str, Any]:
    return {
        "collection": revision.collection,
        "kind": revision.kind,
        "name": revision.name,
        "revision": revision.revision,
        "action": revision.action,
        "user": revision.user,
        "ts": to_micros(revision.timestamp),
        "before": revision.before,
        "after": revision.after,
    }


def revision_from_row(row: Any) -> Revision:
    m = row._mapping
    return Revision(
        m["kind"],
        m["collection"],
        m["name"],
        m["revision"],
        m["action"],
        m["user"],
        from_micros(m["ts"]),
        m["before"],
        m["after"],
    )


def keep(connection: Connection, revision: Revision | None) -> None:
    """Insert the revision (if any) within the caller's transaction."""
    if revision is not None:
        connection.execute(record_revisions.insert().values(**revision_row(revision)))


def revisions_of(connection: Connection, collection: str, name: str) -> list[Revision]:
    """The revisions of one record, oldest first."""
    rows = connection.execute(
        select(record_revisions)
        .where(record_revisions.c.collection == collection, record_revisions.c.name == name)
        .order_by(record_revisions.c.seq)
    )
    return [revision_from_row(row) for row in rows]
