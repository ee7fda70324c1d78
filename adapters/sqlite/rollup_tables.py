"""SQLite tables of the rollup tiers and of the latest value of every series (times: integer microseconds).

Each tier is a table keyed (collection, device, label, start) WITHOUT ROWID, so the buckets of one
series lie together in key order and a history query is one range read. ``readings_latest`` is
keyed (collection, device, label) with the columns of ``readings``: ``latest`` reads it whole.
"""

from __future__ import annotations

import logging

from sqlalchemy import BigInteger, Column, Connection, Float, MetaData, String, Table

from ricochetdb.adapters.sqlite.tables import reading_columns
from ricochetdb.domain.rollups import TIERS, Tier

logger = logging.getLogger(__name__)

rollup_metadata = MetaData()

BUCKET_COLUMNS = (
    "start", "n", "mean", "m2", "min", "t_min", "max", "t_max", "first", "t_first", "last", "t_last", "gap",
    "t_gap", "offset",
)  # fmt: skip
"""The bucket columns, in ``domain.rollups.Bucket`` field order."""


def _tier_table(tier: Tier) -> Table:
    integers = {"start", "n", "t_min", "t_max", "t_first", "t_last", "gap", "t_gap"}
    return Table(
        f"rollup_{tier}",
        rollup_metadata,
        Column("collection", String, primary_key=True),
        Column("device", String, primary_key=True),
        Column("label", String, primary_key=True),
        *(
            Column(name, BigInteger if name in integers else Float, primary_key=name == "start", nullable=False)
            for name in BUCKET_COLUMNS
        ),
        sqlite_with_rowid=False,
    )


TIER_TABLES: dict[Tier, Table] = {tier: _tier_table(tier) for tier in TIERS}

readings_latest = Table(
    "readings_latest",
    rollup_metadata,
    *reading_columns(("collection", "device", "label")),
    sqlite_with_rowid=False,
)


def create_rollup_tables(connection: Connection) -> None:
    """Create what is missing; a file that holds readings but had no rollups yet is told how to build them."""
    fresh = not connection.dialect.has_table(connection, readings_latest.name)
    rollup_metadata.create_all(connection)
    if fresh and connection.exec_driver_sql("SELECT 1 FROM readings LIMIT 1").first() is not None:
        logger.warning("this file holds readings written before rollups existed: run `ricochetdb rollup --rebuild`")
