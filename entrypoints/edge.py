"""Parsing at the edge: JSON documents from text, files or stdin; dates, durations and counts from the command line.

Every refusal is one ValidationError naming the input, never a traceback: text that is not
UTF-8, JSON nested too deeply or holding lone surrogates, dates that leave the calendar once in
UTC, durations too long to count back.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import MAX_DEPTH

DATE_FIELDS = ("start_date", "stop_date", "timestamp")
SINCE_FORMS = "90m, 6h, 2d, 1w, '6 hours', an ISO-8601 date with timezone, or 'all'"
_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "week": 604800,
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)


def parse_datetime(text: str, what: str) -> datetime:
    """An ISO-8601 date with its timezone, in UTC; naive dates and dates UTC cannot hold are refused."""
    from dateutil import parser as dateparser

    try:
        moment = dateparser.isoparse(text)
    except (ValueError, OverflowError) as error:
        raise ValidationError(what, text, f"is not an ISO-8601 date ({error})") from None
    if moment.tzinfo is None:
        raise ValidationError(what, text, "has no timezone: add Z (UTC) or an offset such as +01:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(what, text, "falls outside the years 1..9999 once in UTC") from None


def parse_duration(text: str) -> timedelta | None:
    """``90m``, ``6h``, ``2d``, ``1w``, ``"6 hours"``; None if ``text`` is not a duration."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    unit = match[2].lower()
    if unit not in _UNITS and len(unit) > 2 and unit.endswith("s"):
        unit = unit[:-1]  # plural: hours, days, mins
    seconds = _UNITS.get(unit)
    if seconds is None:
        return None
    try:
        return timedelta(seconds=float(match[1]) * seconds)
    except OverflowError:
        raise ValidationError("duration", text, "is too long") from None


def parse_since(text: str, now: Callable[[], datetime], option: str = "--since") -> datetime | None:
    """``all`` (None), a duration back from ``now()``, or an ISO date with timezone."""
    if text.strip().lower() == "all":
        return None
    try:
        duration = parse_duration(text)
        if duration is not None:
            return now() - duration
    except (ValidationError, OverflowError):
        raise ValidationError(option, text, "reaches back before the year 1") from None
    if not text.strip()[:1].isdigit():
        raise ValidationError(option, text, f"is not a duration or a date: use {SINCE_FORMS}")
    try:
        return parse_datetime(text, option)
    except ValidationError as error:
        raise ValidationError(option, text, f"{error.reason}; use {SINCE_FORMS}") from None


def read_uri_file(path: str) -> str:
    """A database URI kept in a file only its owner can read (so the password stays out of shell history)."""
    try:
        mode = os.stat(path).st_mode
        with open(path, encoding="utf-8") as file:
            text = file.read().strip()
    except OSError as error:
        raise ValidationError("database URI file", path, f"cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ValidationError("database URI file", path, "is not UTF-8 text") from None
    if mode & 0o077:
        raise ValidationError("database URI file", path, f"is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    if not text:
        raise ValidationError("database URI file", path, "is empty")
    return text


def read_json(source: str, what: str) -> Any:
    """JSON from '-' (stdin), the text itself (starting with { or [), or a file; checked to be storable text."""
    if source == "-":
        data, origin = sys.stdin.buffer.read(), "stdin"
    elif source.lstrip()[:1] in ("{", "["):
        data, origin = source.encode("utf-8", "surrogatepass"), "the command line"
    else:
        try:
            with open(source, "rb") as file:
                data, origin = file.read(), source
        except OSError as error:
            raise ValidationError(what, source, f"cannot be read: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(what, origin, f"is not UTF-8 text (byte {error.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(what, origin, f"is not valid JSON: {error}") from None
    except RecursionError:
        raise ValidationError(what, origin, f"is nested too deeply (at most {MAX_DEPTH} levels)") from None
    check_text(value, what, origin)
    return value


def check_text(value: Any, what: str, origin: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and text no store can keep (lone surrogates), naming where."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(what, origin, f"is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(item, str):
            _utf8(item, what, path or "value")
        elif isinstance(item, dict):
            for key, child in item.items():
                _utf8(key, what, f"{path}.{key!a}" if path else ascii(key))
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


def _utf8(text: str, what: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError(
            what, where, f"holds a lone surrogate ({error.object[error.start]!a}), not text"
        ) from None


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


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a bulk size of 0 would deliver nothing)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(text)
    return number


def check_argv(argv: list[str]) -> None:
    """Every command-line argument must be text (the shell can pass bytes that are not UTF-8)."""
    for index, token in enumerate(argv, start=1):
        _utf8(token, "command line", f"argument {index}")
