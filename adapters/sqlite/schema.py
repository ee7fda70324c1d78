"""The SQLite file's schema version: a file written before readings had a natural key is migrated once, in place."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, inspect

from ricochetdb.adapters.sqlite.tables import readings

logger = logging.getLogger(__name__)

# The first format kept each reading under a hash ``id`` with its value as JSON text.
_MIGRATE_V1 = (
    "DROP INDEX IF EXISTS ix_readings_device_label_ts",
    "DROP INDEX IF EXISTS ix_readings_label_ts",
    "ALTER TABLE readings RENAME TO readings_v1",
)
_COPY_V1 = (
    "INSERT OR IGNORE INTO readings SELECT collection, device, label, ts, device_type,"
    " json_extract(value, '$'), CASE WHEN json_type(value) IN ('true', 'false') THEN 1 END,"
    " unit, source_us, clock FROM readings_v1 ORDER BY rowid",
    "DROP TABLE readings_v1",
)


def check_schema(engine: Engine, path: str) -> None:
    """Bring a file of an earlier format to the current one (once, in one transaction, logged)."""
    with engine.begin() as connection:
        if _readings_v1(connection):
            count = connection.exec_driver_sql("SELECT count(*) FROM readings").scalar_one()
            logger.warning("sqlite %s: migrating %d readings to the natural key (one time)", path, count)
            for statement in _MIGRATE_V1:
                connection.exec_driver_sql(statement)
            readings.create(connection)
            for statement in _COPY_V1:
                connection.exec_driver_sql(statement)
            logger.warning("sqlite %s: migration done", path)


def _readings_v1(connection: Connection) -> bool:
    inspector = inspect(connection)
    if not inspector.has_table("readings"):
        return False
    return "id" in {column["name"] for column in inspector.get_columns("readings")}
