"""Validation rules shared by every model: names, field keys, dates, numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ricochetdb.domain.errors import ValidationError

MAX_DEPTH = 64


def check_keys(value: Any, record: str, path: str = "", depth: int = 0) -> None:
    """Refuse keys that a database could read as an operator or a path.

    Keys starting with ``$``, holding ``.`` or NUL, and non-string keys are
    refused, at any depth of nested dicts and lists.
    """
    if depth > MAX_DEPTH:
        raise ValidationError(record, path or "value", "nested too deeply")
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                raise ValidationError(record, where, f"field names must be text, not {type(key).__name__}")
            if key.startswith("$") or "." in key or "\0" in key or key == "":
                raise ValidationError(record, where, "field names may not be empty, start with '$' or hold '.' or NUL")
            check_keys(item, record, where, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_keys(item, record, f"{path}[{index}]", depth + 1)


def require(data: Mapping[str, Any], fields: Iterable[str], record: str) -> None:
    """Refuse a dict that lacks one of the mandatory fields."""
    if not isinstance(data, Mapping):
        raise ValidationError(record, "", f"expected a dictionary, got {type(data).__name__}")
    for field in fields:
        if field not in data:
            raise ValidationError(record, field, "mandatory field is missing")


def check_name(value: Any, record: str, field: str = "name") -> str:
    """A record name: non-empty text without NUL (never a dict that could be a query)."""
    if not isinstance(value, str):
        raise ValidationError(record, field, f"must be text, not {type(value).__name__}")
    if not value.strip() or "\0" in value:
        raise ValidationError(record, field, "must be non-empty text without NUL")
    return value


def check_collection(value: Any) -> str:
    """A collection name usable on MongoDB and SQLite alike."""
    name = check_name(value, "collection", "name")
    if name.startswith("system.") or "$" in name or len(name) > 120:
        raise ValidationError("collection", name, "is not a valid collection name")
    return name


def as_utc(value: Any, record: str, field: str) -> datetime:
    """An aware datetime converted to UTC; naive datetimes are refused."""
    if not isinstance(value, datetime):
        raise ValidationError(record, field, f"must be a datetime, not {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise ValidationError(record, field, "naive datetime refused: give a timezone-aware UTC datetime")
    return value.astimezone(UTC)


def optional_utc(value: Any, record: str, field: str) -> datetime | None:
    """Like :func:`as_utc`, letting None through."""
    return None if value is None else as_utc(value, record, field)


def check_order(start: datetime | None, stop: datetime | None, record: str) -> None:
    """stop_date may not come before start_date."""
    if start is not None and stop is not None and stop < start:
        raise ValidationError(record, "stop_date", f"{stop.isoformat()} is before start_date {start.isoformat()}")


def check_number(value: Any, record: str, field: str) -> float:
    """A finite real number (bools are refused: True is not a temperature)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(record, field, f"must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(record, field, f"must be finite, got {value!r}")
    return number


def check_mapping(value: Any, record: str, field: str) -> dict[str, Any]:
    """A dict of user data, with safe keys."""
    if not isinstance(value, Mapping):
        raise ValidationError(record, field, f"must be a dictionary, not {type(value).__name__}")
    check_keys(value, record, field)
    return dict(value)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Inverse of :func:`to_micros`."""
    return EPOCH + timedelta(microseconds=micros)
