"""DAQ messages: a topic, a timestamp and free fields, validated as a whole batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.identity import canonical_json, content_id
from ricochetdb.domain.storable import check_storable
from ricochetdb.domain.validation import as_utc, check_keys, check_name, check_number

MANDATORY = ("topic", "timestamp")


@dataclass(frozen=True)
class DaqMessage:
    """One validated message; ``body`` is the message as given, ``id`` is deterministic."""

    id: str
    topic: str
    timestamp: float | datetime
    body: dict[str, Any]


def _timestamp(value: Any, record: str) -> float | datetime:
    if isinstance(value, datetime):
        return as_utc(value, record, "timestamp")
    return check_number(value, record, "timestamp")


def validate_message(message: Any, position: int, occurrence: int = 0) -> DaqMessage:
    """Check one message of a batch (``position`` names it in errors).

    Its id hashes its content and its ``occurrence`` among identical messages of the batch: a message
    resent alone is skipped wherever it stood, and two identical messages of one batch are both kept.
    """
    record = f"DAQ message #{position}"
    if not isinstance(message, Mapping):
        raise ValidationError(record, "", f"expected a dictionary, got {type(message).__name__}")
    for field in MANDATORY:
        if field not in message:
            raise ValidationError(record, field, "mandatory field is missing")
    check_keys(message, record)
    for key in message:
        if key.startswith("_"):
            raise ValidationError(record, key, "fields starting with '_' are reserved for the store")
    body = dict(message)
    check_storable(body, record)
    topic = check_name(message["topic"], record, "topic")
    timestamp = _timestamp(message["timestamp"], record)
    if isinstance(timestamp, datetime):
        body["timestamp"] = timestamp
    return DaqMessage(content_id("daq", body, occurrence), topic, timestamp, body)


def validate_batch(messages: Any) -> list[DaqMessage]:
    """Validate every message before any is written: one bad message refuses the batch.

    Each message is also checked against what the primary store can hold (64-bit integers,
    UTF-8 text, nesting, the document size), so a store never takes part of a batch.
    """
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise ValidationError("DAQ batch", "", "expected a list of message dictionaries")
    seen: Counter[str] = Counter()
    batch = []
    for position, message in enumerate(messages):
        checked = validate_message(message, position)
        content = canonical_json(checked.body)
        if seen[content]:
            checked = replace(checked, id=content_id("daq", checked.body, seen[content]))
        seen[content] += 1
        batch.append(checked)
    return batch
