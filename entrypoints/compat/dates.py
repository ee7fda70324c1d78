"""The seed-compatible date rule: naive datetimes are UTC, going in and coming out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def aware(value: Any) -> Any:
    """``value`` with every naive datetime, at any depth of dicts, lists and tuples, marked as UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, Mapping):
        return {key: aware(item) for key, item in value.items()}
    if isinstance(value, list):
        return [aware(item) for item in value]
    if isinstance(value, tuple):
        return tuple(aware(item) for item in value)
    return value


def naive(value: Any) -> Any:
    """``value`` with every datetime as naive UTC, as the original module (pymongo's default) returned them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, Mapping):
        return {key: naive(item) for key, item in value.items()}
    if isinstance(value, list):
        return [naive(item) for item in value]
    return value
