"""Processing results: one JSON file per stream and generation, newer generations replace older ones.

File schema (UTF-8 JSON object)::

    {"stream_id": "s001",                      # the stream's name, mandatory
     "timestamp": "2026-11-24T03:00:00Z",      # generation time, ISO-8601 with timezone, mandatory
     "records": [{"detector": "FID1", ...}]}   # list of objects, mandatory (may be empty)

Other top-level keys are kept with the result. A file whose content the primary store cannot
hold (an integer beyond 64 bits, text that is not UTF-8, nesting too deep, a result over the
document size limit) is refused like a malformed one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.identity import canonical_json
from ricochetdb.domain.storable import check_storable
from ricochetdb.domain.validation import as_utc, check_keys, check_name

MANDATORY = ("stream_id", "timestamp", "records")


@dataclass(frozen=True)
class ProcessingResult:
    """The records of one stream as one processing run generated them."""

    stream_id: str
    generated: datetime
    records: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def same_content(self, other: ProcessingResult) -> bool:
        """Equal stream, generation and records (the file name does not matter)."""
        return canonical_json(self._content()) == canonical_json(other._content())

    def _content(self) -> list[Any]:
        return [self.stream_id, self.generated, self.records, self.extra]


def parse_timestamp(value: Any, record: str) -> datetime:
    """An ISO-8601 text with a timezone (``Z`` or an offset) into an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValidationError(record, "timestamp", f"must be an ISO-8601 text, not {type(value).__name__}")
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(record, "timestamp", f"{value!r} is not an ISO-8601 date") from None
    if moment.tzinfo is None:
        raise ValidationError(record, "timestamp", f"{value!r} has no timezone: processing times must be UTC ('Z')")
    return as_utc(moment, record, "timestamp")


def parse_processing(text: str | bytes, name: str) -> ProcessingResult:
    """Validate one processing file's content; every refusal names the file and the field."""
    record = f"processing file {name}"
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(record, "", f"is not valid JSON: {error}") from None
    except RecursionError:
        raise ValidationError(record, "", "is nested too deeply to be read") from None
    if not isinstance(data, dict):
        raise ValidationError(record, "", "must hold a JSON object")
    for key in MANDATORY:
        if key not in data:
            raise ValidationError(record, key, "mandatory field is missing")
    check_keys(data, record)
    stream = check_name(data["stream_id"], record, "stream_id")
    generated = parse_timestamp(data["timestamp"], record)
    records = data["records"]
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise ValidationError(record, "records", "must be a list of objects")
    extra = {key: value for key, value in data.items() if key not in MANDATORY}
    check_storable({**data, "timestamp": generated, "source_file": name}, record)
    return ProcessingResult(stream, generated, records, extra, name)
