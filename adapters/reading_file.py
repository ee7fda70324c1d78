"""A local JSON file of polls: where the facade's ``move_to_file`` puts a fetch, ``append_from_file`` takes it back."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll, polls_of
from ricochetdb.domain.readings import Reading, check_label, check_value
from ricochetdb.domain.validation import as_utc, check_collection, check_name

FORMAT = "ricochetdb-readings/1"
PENDING = "pending"


def _row(reading: Reading) -> dict[str, Any]:
    return {
        "device_type": reading.device_type,
        "device": reading.device,
        "label": reading.label,
        "value": reading.value,
        "unit": reading.unit,
        "timestamp": reading.timestamp.isoformat(),
        "source_time": None if reading.source_time is None else reading.source_time.isoformat(),
        "clock": reading.clock,
    }


def _date(text: Any, where: str, field: str) -> datetime:
    if not isinstance(text, str):
        raise ValidationError(where, field, "must be an ISO-8601 text")
    try:
        return as_utc(datetime.fromisoformat(text), where, field)
    except ValueError:
        raise ValidationError(where, field, f"{text!r} is not an ISO-8601 date") from None


def _reading(row: Any, where: str) -> Reading:
    if not isinstance(row, dict):
        raise ValidationError(where, "", "must be an object")
    try:
        source = row.get("source_time")
        clock = row.get("clock", "server")
        if clock not in ("server", "local"):
            raise ValidationError(where, "clock", "must be 'server' or 'local'")
        return Reading(
            check_name(row["device_type"], where, "device_type"),
            check_name(row["device"], where, "device"),
            check_label(row["label"], where),
            check_value(row.get("value"), where),
            str(row.get("unit", "")),
            _date(row["timestamp"], where, "timestamp"),
            None if source is None else _date(source, where, "source_time"),
            clock,
        )
    except KeyError as missing:
        raise ValidationError(where, str(missing.args[0]), "mandatory field is missing") from None


class JsonReadingArchive:
    """Polls in one JSON file (one row per value, under the ``pending`` collection), written atomically and
    merged with what the file holds."""

    def save(self, path: str, polls: Sequence[Poll]) -> None:
        held = self.load(path) if Path(path).exists() else []
        rows = {(r.device, r.label, r.timestamp): r for poll in held for r in poll.readings()}
        for poll in polls:
            for reading in poll.readings():
                rows.setdefault((reading.device, reading.label, reading.timestamp), reading)
        document = {"format": FORMAT, "collections": {PENDING: [_row(r) for r in rows.values()]}}
        folder = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, path)

    def load(self, path: str) -> list[Poll]:
        """Every poll of the file, whatever collection it was filed under, oldest first."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ValidationError(f"readings file {path}", "", f"cannot be read: {error.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValidationError(f"readings file {path}", "", f"is not valid JSON: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValidationError(f"readings file {path}", "format", f"must be {FORMAT!r}")
        collections = document.get("collections")
        if not isinstance(collections, dict):
            raise ValidationError(f"readings file {path}", "collections", "must be an object")
        readings: list[Reading] = []
        for collection, rows in collections.items():
            check_collection(collection)
            if not isinstance(rows, list):
                raise ValidationError(f"readings file {path}", collection, "must be a list")
            where = f"readings file {path} {collection}"
            readings.extend(_reading(row, f"{where}[{i}]") for i, row in enumerate(rows))
        readings.sort(key=lambda r: (r.timestamp, r.device))
        return list(polls_of(readings))
