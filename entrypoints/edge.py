"""Parsing at the edge: JSON documents from text, files or stdin; dates from ISO strings."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil import parser as dateparser

from ricochetdb.domain.errors import ValidationError

DATE_FIELDS = ("start_date", "stop_date", "timestamp")


def parse_datetime(text: str, what: str) -> datetime:
    """An ISO-8601 date with its timezone; naive dates are refused (say Z for UTC)."""
    try:
        moment = dateparser.isoparse(text)
    except (ValueError, OverflowError) as error:
        raise ValidationError(what, text, f"is not an ISO-8601 date ({error})") from None
    if moment.tzinfo is None:
        raise ValidationError(what, text, "has no timezone: add Z (UTC) or an offset such as +01:00")
    return moment


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, now: Callable[[], datetime]) -> datetime | None:
    """``all`` (None), a duration back from ``now()`` (``30m``, ``6h``, ``2d``) or an ISO date with timezone."""
    if text == "all":
        return None
    duration = _DURATION.fullmatch(text.strip())
    if duration:
        return now() - timedelta(seconds=float(duration[1]) * _UNIT_SECONDS[duration[2]])
    return parse_datetime(text, "--since")


def read_uri_file(path: str) -> str:
    """A database URI kept in a file only its owner can read (so the password stays out of shell history)."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ValidationError("database URI file", path, f"cannot be read: {error.strerror}") from None
    if mode & 0o077:
        raise ValidationError("database URI file", path, f"is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    if not text:
        raise ValidationError("database URI file", path, "is empty")
    return text


def read_json(source: str, what: str) -> Any:
    """JSON from '-' (stdin), an existing file, or the text itself."""
    if source == "-":
        text, origin = sys.stdin.read(), "stdin"
    elif source.lstrip()[:1] in ("{", "["):
        text, origin = source, "argument"
    else:
        path = Path(source)
        try:
            text, origin = path.read_text(encoding="utf-8"), str(path)
        except OSError as error:
            raise ValidationError(what, source, f"cannot be read: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(what, origin, f"is not valid JSON: {error}") from None


def with_dates(data: Any, what: str) -> Any:
    """Turn ISO strings of the known date fields of a dict (or list of dicts) into datetimes."""
    if isinstance(data, list):
        return [with_dates(item, what) for item in data]
    if not isinstance(data, dict):
        return data
    converted = dict(data)
    for field in DATE_FIELDS:
        if isinstance(converted.get(field), str):
            converted[field] = parse_datetime(converted[field], f"{what} {field}")
    return converted
