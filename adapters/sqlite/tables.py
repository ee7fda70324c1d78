"""SQLAlchemy Core tables of the SQLite store; times are integer microseconds since the epoch (UTC)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Dialect, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeDecorator, UserDefinedType

from ricochetdb.adapters.documents import dumps, loads

metadata = MetaData()


class JsonText(TypeDecorator[Any]):
    """JSON kept in a TEXT column: SQLAlchemy's JSON type gets NUMERIC affinity, turning '0.0' into 0."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return dumps(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else loads(value)


records = Table(
    "records",
    metadata,
    Column("collection", String, primary_key=True),
    Column("name", String, primary_key=True),
    Column("kind", String, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("start_us", BigInteger),
    Column("stop_us", BigInteger),
    Column("body", JsonText, nullable=False),
)
Index("ix_records_collection_name", records.c.collection, records.c.name, unique=True)


class NativeValue(UserDefinedType[Any]):
    """A column without affinity (declared BLOB): SQLite keeps ints, floats and texts as given, no JSON."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "BLOB"


def reading_columns(key: tuple[str, ...]) -> list[Column[Any]]:
    """The columns of a stored reading, ``key`` the primary key: the readings table and the latest values
    (which ``rollups`` fills by copying rows of readings) share them."""
    return [
        Column("collection", String, primary_key="collection" in key),
        Column("device", String, primary_key="device" in key),
        Column("label", String, primary_key="label" in key),
        Column("ts", BigInteger, primary_key="ts" in key, nullable=False),
        Column("device_type", String, nullable=False),
        Column("value", NativeValue),
        Column("is_bool", Integer),
        Column("unit", String, nullable=False),
        Column("source_us", BigInteger),
        Column("clock", String, nullable=False),
    ]


# The natural key: one value of one device's label at one time, per collection.
readings = Table("readings", metadata, *reading_columns(("collection", "device", "label", "ts")))
Index("ix_readings_label_ts", readings.c.collection, readings.c.label, readings.c.ts)
READING_COLUMNS = tuple(column.name for column in readings.columns)

daq_messages = Table(
    "daq_messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("collection", String, nullable=False),
    Column("topic", String, nullable=False),
    Column("body", JsonText, nullable=False),
)
Index("ix_daq_collection_topic", daq_messages.c.collection, daq_messages.c.topic)

device_events = Table(
    "device_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("collection", String, nullable=False),
    Column("device_type", String, nullable=False),
    Column("device", String, nullable=False),
    Column("state", String, nullable=False),
    Column("error", Text, nullable=False),
    Column("ts", BigInteger, nullable=False),
)
Index("ix_events_collection_device", device_events.c.collection, device_events.c.device)

processing_results = Table(
    "processing_results",
    metadata,
    Column("collection", String, primary_key=True),
    Column("stream_id", String, primary_key=True),
    Column("generated_us", BigInteger, nullable=False),
    Column("body", JsonText, nullable=False),
)

spool_meta = Table(
    "spool_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)
"""Facts about the file as a spool: ``target``, the database its items are meant for."""

set_aside = Table(
    "set_aside",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("collection", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),
    Column("item", JsonText, nullable=False),
)
"""Items a database refused (not because it was away), one row each, for a person to retry or discard."""
