"""Revisions: who changed a detector, run or stream, when (database time), and what it was before and after.

Every change of a record keeps one revision, also its creation and its deletion, so a correction
made on shift never erases what was there. A revision holds only the top-level fields that changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ricochetdb.domain.records import Detector, Run, Stream

ACTIONS = ("create", "update", "start", "stop", "add-detector", "add-history", "temperature", "summary", "delete")


@dataclass(frozen=True)
class Revision:
    """One change of one record.

    ``revision`` is the record's revision number the change produced (for a deletion: the number
    deleted); ``before``/``after`` map each changed top-level field to its value ({} when absent).
    """

    kind: str
    collection: str
    name: str
    revision: int
    action: str
    user: str
    timestamp: datetime
    before: dict[str, Any]
    after: dict[str, Any]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def record_fields(record: Detector | Run | Stream) -> dict[str, Any]:
    """The record's top-level fields as a plain dict (free fields included, revision left out)."""
    fields = {
        field.name: _plain(getattr(record, field.name))
        for field in dataclasses.fields(record)
        if field.name not in ("extra", "revision")
    }
    return {**record.extra, **fields}


_ABSENT = object()


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, as (before, after); a field absent on one side is absent from its dict."""
    keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key, _ABSENT) != after.get(key, _ABSENT)]
    return {k: before[k] for k in keys if k in before}, {k: after[k] for k in keys if k in after}


def revision(
    kind: str,
    collection: str,
    action: str,
    user: str,
    timestamp: datetime,
    before: Detector | Run | Stream | None,
    after: Detector | Run | Stream | None,
    number: int,
) -> Revision:
    """The revision of a change from ``before`` to ``after`` (None: created or deleted)."""
    record = after if after is not None else before
    assert record is not None, "a revision needs a record before or after the change"
    old, new = changed_fields(
        {} if before is None else record_fields(before), {} if after is None else record_fields(after)
    )
    return Revision(kind, collection, record.name, number, action, user or "unknown", timestamp, old, new)
